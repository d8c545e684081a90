import {
  CreateRepositoryCommand,
  DeleteRegistryPolicyCommand,
  DeleteRepositoryPolicyCommand,
  DescribeImagesCommand,
  GetRegistryPolicyCommand,
  GetRepositoryPolicyCommand,
  PutRegistryPolicyCommand,
  SetRepositoryPolicyCommand,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { testDialects } from '../helpers/databases.js';
import { awsErrorOf, ecrClient, useEcrServer } from '../helpers/ecr-client.js';

const ACCOUNT = '000000000000';

function allow(principal: string, actions: string[], resource?: string): string {
  const statement: Record<string, unknown> = { Sid: 'AllowIt', Effect: 'Allow', Principal: { AWS: principal }, Action: actions };
  if (resource) statement.Resource = resource;
  return JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
}

describe.each(testDialects())('ECR repository and registry policies on %s', (dialect) => {
  const env = useEcrServer({ dialect });

  /** A user of the account with an access key and no identity policy at all. */
  async function userWithoutPolicies(userName: string): Promise<ECRClient> {
    await env.server.identities.createUser(ACCOUNT, userName);
    return ecrClient(env.server.url, await env.server.identities.createAccessKey(ACCOUNT, userName));
  }

  it('sets, gets and deletes a repository policy, which then decides access', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'policy/app' }));
    const reader = await userWithoutPolicies('reader');
    try {
      expect((await awsErrorOf(reader.send(new DescribeImagesCommand({ repositoryName: 'policy/app' })))).name).toBe('AccessDeniedException');

      const policyText = allow(`arn:aws:iam::${ACCOUNT}:user/reader`, ['ecr:DescribeImages']);
      const set = await env.ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'policy/app', policyText }));
      expect(set).toMatchObject({ registryId: ACCOUNT, repositoryName: 'policy/app', policyText });
      expect(await env.ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'policy/app' }))).toMatchObject({
        registryId: ACCOUNT,
        repositoryName: 'policy/app',
        policyText,
      });
      expect((await reader.send(new DescribeImagesCommand({ repositoryName: 'policy/app' }))).imageDetails).toEqual([]);

      const deleted = await env.ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName: 'policy/app' }));
      expect(deleted.policyText).toBe(policyText);
      expect((await awsErrorOf(reader.send(new DescribeImagesCommand({ repositoryName: 'policy/app' })))).name).toBe('AccessDeniedException');
      const none = await awsErrorOf(env.ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'policy/app' })));
      expect(none.name).toBe('RepositoryPolicyNotFoundException');
      expect(none.message).toBe(`Repository policy does not exist for the repository with name 'policy/app' in the registry with id '${ACCOUNT}'`);
      expect((await awsErrorOf(env.ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName: 'policy/app' })))).name).toBe('RepositoryPolicyNotFoundException');
    } finally {
      reader.destroy();
    }
  });

  it('refuses a policy the policy language does not accept, and keeps the previous one', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'policy/invalid' }));
    const valid = allow('*', ['ecr:BatchGetImage']);
    await env.ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'policy/invalid', policyText: valid, force: true }));

    const notJson = await awsErrorOf(env.ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'policy/invalid', policyText: '{"Statement": [' })));
    expect(notJson.name).toBe('InvalidParameterException');
    expect(notJson.message).toMatch(/^Invalid parameter at 'PolicyText' failed to satisfy constraint: 'policy text is not valid JSON/);
    const noPrincipal = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }] });
    const identityStyle = await awsErrorOf(env.ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'policy/invalid', policyText: noPrincipal })));
    expect(identityStyle.name).toBe('InvalidParameterException');
    expect(identityStyle.message).toContain('Principal');

    expect((await env.ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'policy/invalid' }))).policyText).toBe(valid);
    const missing = await awsErrorOf(env.ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'policy/none', policyText: valid })));
    expect(missing.name).toBe('RepositoryNotFoundException');
  });

  it('puts, gets and deletes the registry policy, which then decides access', async () => {
    const none = await awsErrorOf(env.ecr.send(new GetRegistryPolicyCommand({})));
    expect(none.name).toBe('RegistryPolicyNotFoundException');
    expect(none.message).toBe(`Registry policy does not exist in the registry with id '${ACCOUNT}'`);

    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'registry/app' }));
    const viewer = await userWithoutPolicies('viewer');
    try {
      expect((await awsErrorOf(viewer.send(new DescribeImagesCommand({ repositoryName: 'registry/app' })))).name).toBe('AccessDeniedException');
      const policyText = allow(`arn:aws:iam::${ACCOUNT}:user/viewer`, ['ecr:DescribeImages'], `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/*`);
      expect(await env.ecr.send(new PutRegistryPolicyCommand({ policyText }))).toMatchObject({ registryId: ACCOUNT, policyText });
      expect(await env.ecr.send(new GetRegistryPolicyCommand({}))).toMatchObject({ registryId: ACCOUNT, policyText });
      expect((await viewer.send(new DescribeImagesCommand({ repositoryName: 'registry/app' }))).imageDetails).toEqual([]);

      const invalid = await awsErrorOf(env.ecr.send(new PutRegistryPolicyCommand({ policyText: '[]' })));
      expect(invalid.name).toBe('InvalidParameterException');
      expect((await env.ecr.send(new GetRegistryPolicyCommand({}))).policyText).toBe(policyText);

      expect((await env.ecr.send(new DeleteRegistryPolicyCommand({}))).policyText).toBe(policyText);
      expect((await awsErrorOf(viewer.send(new DescribeImagesCommand({ repositoryName: 'registry/app' })))).name).toBe('AccessDeniedException');
      expect((await awsErrorOf(env.ecr.send(new DeleteRegistryPolicyCommand({})))).name).toBe('RegistryPolicyNotFoundException');
    } finally {
      viewer.destroy();
    }
  });
});
