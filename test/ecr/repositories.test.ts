import { CreateRepositoryCommand, DeleteRepositoryCommand, DescribeRepositoriesCommand, PutImageScanningConfigurationCommand, PutImageTagMutabilityCommand, paginateDescribeRepositories } from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { testDialects } from '../helpers/databases.js';
import { awsErrorOf, useEcrServer } from '../helpers/ecr-client.js';
import { OciClient } from '../helpers/oci-client.js';

describe.each(testDialects())('ECR repository operations through the AWS SDK on %s', (dialect) => {
  const env = useEcrServer({ dialect });

  it('creates a repository with its settings and describes it as ECR does', async () => {
    const created = await env.ecr.send(
      new CreateRepositoryCommand({
        repositoryName: 'team/api',
        imageTagMutability: 'IMMUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
        tags: [{ Key: 'team', Value: 'platform' }],
      }),
    );
    expect(created.repository).toMatchObject({
      repositoryName: 'team/api',
      registryId: '000000000000',
      repositoryArn: 'arn:aws:ecr:us-east-1:000000000000:repository/team/api',
      repositoryUri: `${env.server.host}/team/api`,
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: { encryptionType: 'AES256' },
    });
    expect(created.repository!.createdAt).toBeInstanceOf(Date);
    expect(Math.abs(created.repository!.createdAt!.getTime() - Date.now())).toBeLessThan(60_000);

    const described = await env.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['team/api'] }));
    expect(described.repositories).toEqual([created.repository]);
  });

  it('refuses a second repository of the same name', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'dup' }));
    const error = await awsErrorOf(env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'dup' })));
    expect(error.name).toBe('RepositoryAlreadyExistsException');
    expect(error.message).toBe("The repository with name 'dup' already exists in the registry with id '000000000000'");
  });

  it('validates input against the service model', async () => {
    const badName = await awsErrorOf(env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'Upper/Case' })));
    expect(badName.name).toBe('InvalidParameterException');
    expect(badName.message).toContain("at 'repositoryName' failed to satisfy constraint");
    const badEnum = await awsErrorOf(env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'ok', imageTagMutability: 'SOMETIMES' as never })));
    expect(badEnum.name).toBe('InvalidParameterException');
    expect(badEnum.message).toContain('enum value set');
    const badRange = await awsErrorOf(env.ecr.send(new DescribeRepositoriesCommand({ maxResults: 5000 })));
    expect(badRange.name).toBe('InvalidParameterException');
    const missing = await awsErrorOf(env.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['nope'] })));
    expect(missing.name).toBe('RepositoryNotFoundException');
    // Nothing was created by the refused calls.
    const all = await env.ecr.send(new DescribeRepositoriesCommand({}));
    expect(all.repositories!.map((repository) => repository.repositoryName)).not.toContain('ok');
  });

  it('pages through repositories with maxResults and nextToken, as the SDK paginator does', async () => {
    const names = Array.from({ length: 7 }, (_, index) => `paged/repo-${index}`);
    for (const repositoryName of names) await env.ecr.send(new CreateRepositoryCommand({ repositoryName }));
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeRepositories({ client: env.ecr, pageSize: 3 }, {})) {
      pages++;
      expect(page.repositories!.length).toBeLessThanOrEqual(3);
      seen.push(...page.repositories!.map((repository) => repository.repositoryName!));
    }
    expect(pages).toBeGreaterThan(2);
    expect(seen.filter((name) => name.startsWith('paged/'))).toEqual(names);
    expect(new Set(seen).size).toBe(seen.length);
    const badToken = await awsErrorOf(env.ecr.send(new DescribeRepositoriesCommand({ nextToken: 'not-a-token' })));
    expect(badToken.name).toBe('InvalidParameterException');
  });

  it('changes tag mutability (with exclusion filters) and scan on push', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'settings' }));
    const mutability = await env.ecr.send(
      new PutImageTagMutabilityCommand({
        repositoryName: 'settings',
        imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest*' }],
      }),
    );
    expect(mutability.imageTagMutability).toBe('IMMUTABLE_WITH_EXCLUSION');
    const withoutFilters = await awsErrorOf(
      env.ecr.send(new PutImageTagMutabilityCommand({ repositoryName: 'settings', imageTagMutability: 'MUTABLE_WITH_EXCLUSION' })),
    );
    expect(withoutFilters.name).toBe('InvalidParameterException');
    await env.ecr.send(new PutImageScanningConfigurationCommand({ repositoryName: 'settings', imageScanningConfiguration: { scanOnPush: true } }));
    const [repository] = (await env.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['settings'] }))).repositories!;
    expect(repository).toMatchObject({
      imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest*' }],
      imageScanningConfiguration: { scanOnPush: true },
    });
  });

  it('deletes an empty repository, and one with images only with force', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'empty' }));
    const deleted = await env.ecr.send(new DeleteRepositoryCommand({ repositoryName: 'empty' }));
    expect(deleted.repository!.repositoryName).toBe('empty');

    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'full' }));
    const oci = new OciClient(env.server.url);
    await oci.pushImage('full', 'v1');
    const refused = await awsErrorOf(env.ecr.send(new DeleteRepositoryCommand({ repositoryName: 'full' })));
    expect(refused.name).toBe('RepositoryNotEmptyException');
    expect((await oci.fetch('/v2/full/manifests/v1')).status).toBe(200);

    await env.ecr.send(new DeleteRepositoryCommand({ repositoryName: 'full', force: true }));
    expect((await oci.fetch('/v2/full/manifests/v1')).status).toBe(404);
    const gone = await awsErrorOf(env.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['full'] })));
    expect(gone.name).toBe('RepositoryNotFoundException');
  });
});
