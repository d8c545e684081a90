import { CreateRepositoryCommand, DescribeRepositoriesCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../helpers/databases.js';
import { awsErrorOf, ecrClient } from '../helpers/ecr-client.js';
import { startTestServer, TEST_ROOT_CREDENTIALS, type TestServer } from '../helpers/server.js';

const TARGET = 'AmazonEC2ContainerRegistry_V20150921';

describe.each(testDialects())('control-plane authentication and authorization on %s', (dialect) => {
  let server: TestServer;
  let admin: ECRClient;

  beforeAll(async () => {
    server = await startTestServer({ dialect });
    admin = ecrClient(server.url);
  });
  afterAll(async () => {
    admin.destroy();
    await server.close();
  });

  async function userClient(userName: string, policy?: object): Promise<ECRClient> {
    await server.identities.createUser('000000000000', userName);
    if (policy) await server.identities.putUserPolicy('000000000000', userName, 'ecr', JSON.stringify(policy));
    const key = await server.identities.createAccessKey('000000000000', userName);
    return ecrClient(server.url, key);
  }

  it('refuses an unsigned request with MissingAuthenticationTokenException', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `${TARGET}.DescribeRepositories` },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await response.json()).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
  });

  it('refuses unknown keys, wrong secrets and another region', async () => {
    const unknown = ecrClient(server.url, { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'whatever-secret' });
    expect((await awsErrorOf(unknown.send(new DescribeRepositoriesCommand({})))).name).toBe('UnrecognizedClientException');
    const wrongSecret = ecrClient(server.url, { ...TEST_ROOT_CREDENTIALS, secretAccessKey: 'not-the-secret' });
    const signature = await awsErrorOf(wrongSecret.send(new DescribeRepositoriesCommand({})));
    expect(signature.name).toBe('InvalidSignatureException');
    expect(signature.message).not.toContain(TEST_ROOT_CREDENTIALS.secretAccessKey);
    const otherRegion = ecrClient(server.url, TEST_ROOT_CREDENTIALS, 'eu-west-1');
    const region = await awsErrorOf(otherRegion.send(new DescribeRepositoriesCommand({})));
    expect(region.name).toBe('InvalidSignatureException');
    expect(region.message).toContain('Credential should be scoped to a valid region');
    for (const client of [unknown, wrongSecret, otherRegion]) client.destroy();
  });

  it('refuses a deactivated key', async () => {
    await server.identities.createUser('000000000000', 'carol');
    const key = await server.identities.createAccessKey('000000000000', 'carol');
    await server.identities.putUserPolicy('000000000000', 'carol', 'all', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }] }));
    const carol = ecrClient(server.url, key);
    await carol.send(new DescribeRepositoriesCommand({}));
    await server.identities.setAccessKeyStatus('000000000000', 'carol', key.accessKeyId, 'Inactive');
    expect((await awsErrorOf(carol.send(new DescribeRepositoriesCommand({})))).name).toBe('UnrecognizedClientException');
    carol.destroy();
  });

  it('allows exactly what the user policy allows', async () => {
    const bob = await userClient('bob', {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Read', Effect: 'Allow', Action: ['ecr:Describe*'], Resource: '*' },
        { Sid: 'CreateTeam', Effect: 'Allow', Action: 'ecr:CreateRepository', Resource: 'arn:aws:ecr:us-east-1:000000000000:repository/team-b/*' },
        { Sid: 'NoSecrets', Effect: 'Deny', Action: 'ecr:*', Resource: 'arn:aws:ecr:us-east-1:000000000000:repository/team-b/secret*' },
      ],
    });
    await bob.send(new DescribeRepositoriesCommand({}));
    await bob.send(new CreateRepositoryCommand({ repositoryName: 'team-b/app' }));

    const outside = await awsErrorOf(bob.send(new CreateRepositoryCommand({ repositoryName: 'team-a/app' })));
    expect(outside.name).toBe('AccessDeniedException');
    expect(outside.message).toBe(
      'User: arn:aws:iam::000000000000:user/bob is not authorized to perform: ecr:CreateRepository on resource: ' +
        'arn:aws:ecr:us-east-1:000000000000:repository/team-a/app because no identity-based policy allows the ecr:CreateRepository action',
    );
    const denied = await awsErrorOf(bob.send(new CreateRepositoryCommand({ repositoryName: 'team-b/secret-store' })));
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toContain('with an explicit deny in an identity-based policy');

    const names = (await admin.send(new DescribeRepositoriesCommand({}))).repositories!.map((repository) => repository.repositoryName);
    expect(names).toContain('team-b/app');
    expect(names).not.toContain('team-a/app');
    expect(names).not.toContain('team-b/secret-store');
    bob.destroy();
  });

  it('denies everything to a user without policies', async () => {
    const dave = await userClient('dave');
    expect((await awsErrorOf(dave.send(new DescribeRepositoriesCommand({})))).name).toBe('AccessDeniedException');
    dave.destroy();
  });

  it('answers an unknown operation with UnknownOperationException', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `${TARGET}.MakeCoffee` },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { __type: string }).__type).toBe('UnknownOperationException');
  });
});

describe('control-plane requests signed in the presigned query form', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  async function presignedCall(expiresIn: number, signingDate = new Date()): Promise<Response> {
    const endpoint = new URL(server.url);
    const body = '{}';
    const signer = new SignatureV4({ credentials: TEST_ROOT_CREDENTIALS, region: 'us-east-1', service: 'ecr', sha256: Sha256 });
    const headers = { host: endpoint.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${TARGET}.DescribeRepositories` };
    const presigned = await signer.presign(
      { method: 'POST', protocol: endpoint.protocol, hostname: endpoint.hostname, port: Number(endpoint.port), path: '/', headers, body },
      // The target and content type stay headers (signed), as the JSON protocol reads them there.
      { expiresIn, signingDate, unhoistableHeaders: new Set(['x-amz-target', 'content-type']) },
    );
    const query = new URLSearchParams(presigned.query as Record<string, string>).toString();
    return fetch(`${endpoint.origin}/?${query}`, { method: 'POST', headers: presigned.headers as Record<string, string>, body });
  }

  it('accepts a presigned request and refuses it once expired', async () => {
    const accepted = await presignedCall(300);
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ repositories: [] });
    const expired = await presignedCall(60, new Date(Date.now() - 3600_000));
    expect(expired.status).toBe(400);
    expect(((await expired.json()) as { __type: string }).__type).toBe('InvalidSignatureException');
  });
});
