import { CreateRepositoryCommand, DescribeRepositoriesCommand, ListTagsForResourceCommand, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { testDialects } from '../helpers/databases.js';
import { awsErrorOf, useEcrServer } from '../helpers/ecr-client.js';

const arnOf = (name: string, account = '000000000000', region = 'us-east-1') => `arn:aws:ecr:${region}:${account}:repository/${name}`;

describe.each(testDialects())('ECR resource tags on %s', (dialect) => {
  const env = useEcrServer({ dialect });

  it('tags, lists and untags a repository by its ARN', async () => {
    const created = await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'tags/app', tags: [{ Key: 'team', Value: 'platform' }] }));
    const resourceArn = created.repository!.repositoryArn!;
    expect(resourceArn).toBe(arnOf('tags/app'));
    await env.ecr.send(
      new TagResourceCommand({
        resourceArn,
        tags: [
          { Key: 'env', Value: 'prod' },
          { Key: 'team', Value: 'registry' },
          { Key: 'cost center', Value: '' },
        ],
      }),
    );
    const listed = await env.ecr.send(new ListTagsForResourceCommand({ resourceArn }));
    expect(listed.tags).toEqual([
      { Key: 'cost center', Value: '' },
      { Key: 'env', Value: 'prod' },
      { Key: 'team', Value: 'registry' },
    ]);
    await env.ecr.send(new UntagResourceCommand({ resourceArn, tagKeys: ['env', 'never-set'] }));
    expect((await env.ecr.send(new ListTagsForResourceCommand({ resourceArn }))).tags).toEqual([
      { Key: 'cost center', Value: '' },
      { Key: 'team', Value: 'registry' },
    ]);
  });

  it('refuses malformed ARNs, other accounts, reserved keys and more than 50 tags', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'tags/limits' }));
    const resourceArn = arnOf('tags/limits');
    for (const bad of ['not-an-arn', 'arn:aws:s3:::bucket', arnOf('tags/limits', '000000000000', 'eu-west-1')]) {
      const error = await awsErrorOf(env.ecr.send(new ListTagsForResourceCommand({ resourceArn: bad })));
      expect(error.name).toBe('InvalidParameterException');
      expect(error.message).toBe("Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'");
    }
    const otherAccount = await awsErrorOf(env.ecr.send(new TagResourceCommand({ resourceArn: arnOf('tags/limits', '111111111111'), tags: [{ Key: 'a', Value: 'b' }] })));
    expect(otherAccount.name).toBe('AccessDeniedException');
    const missing = await awsErrorOf(env.ecr.send(new ListTagsForResourceCommand({ resourceArn: arnOf('tags/none') })));
    expect(missing.name).toBe('RepositoryNotFoundException');

    const reserved = await awsErrorOf(env.ecr.send(new TagResourceCommand({ resourceArn, tags: [{ Key: 'aws:owner', Value: 'me' }] })));
    expect(reserved.name).toBe('InvalidTagParameterException');
    const badCharacters = await awsErrorOf(env.ecr.send(new TagResourceCommand({ resourceArn, tags: [{ Key: 'semi;colon', Value: 'x' }] })));
    expect(badCharacters.name).toBe('InvalidTagParameterException');
    const reservedUntag = await awsErrorOf(env.ecr.send(new UntagResourceCommand({ resourceArn, tagKeys: ['AWS:anything'] })));
    expect(reservedUntag.name).toBe('InvalidTagParameterException');

    const fifty = Array.from({ length: 50 }, (_, index) => ({ Key: `key-${index}`, Value: `value-${index}` }));
    await env.ecr.send(new TagResourceCommand({ resourceArn, tags: fifty }));
    const tooMany = await awsErrorOf(env.ecr.send(new TagResourceCommand({ resourceArn, tags: [{ Key: 'one-more', Value: 'x' }] })));
    expect(tooMany.name).toBe('TooManyTagsException');
    // Overwriting an existing key adds nothing, so it is allowed at the limit.
    await env.ecr.send(new TagResourceCommand({ resourceArn, tags: [{ Key: 'key-0', Value: 'changed' }] }));
    const tags = (await env.ecr.send(new ListTagsForResourceCommand({ resourceArn }))).tags!;
    expect(tags).toHaveLength(50);
    expect(tags).toContainEqual({ Key: 'key-0', Value: 'changed' });
  });

  it('applies the same rules when a repository is created with tags', async () => {
    const reserved = await awsErrorOf(env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'tags/created', tags: [{ Key: 'aws:x', Value: 'y' }] })));
    expect(reserved.name).toBe('InvalidTagParameterException');
    const tooMany = Array.from({ length: 51 }, (_, index) => ({ Key: `k${index}`, Value: 'v' }));
    expect((await awsErrorOf(env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'tags/created', tags: tooMany })))).name).toBe('TooManyTagsException');
    const gone = await awsErrorOf(env.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['tags/created'] })));
    expect(gone.name).toBe('RepositoryNotFoundException');
  });
});
