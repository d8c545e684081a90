import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand,
  SetRepositoryPolicyCommand,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../helpers/databases.js';
import { ecrClient } from '../helpers/ecr-client.js';
import { OciClient } from '../helpers/oci-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const A = '000000000000';
const B = '111111111111';
const arn = (account: string, repository: string) => `arn:aws:ecr:us-east-1:${account}:repository/${repository}`;
const PULL = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'];

/** Users in two accounts, with the identity policies the matrix is about. */
const USERS = {
  dev: {
    account: A,
    policy: {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Team', Effect: 'Allow', Action: 'ecr:*', Resource: arn(A, 'team/*') },
        { Sid: 'Login', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken', 'ecr:DescribeRepositories'], Resource: '*' },
        { Sid: 'KeepRepositories', Effect: 'Deny', Action: 'ecr:DeleteRepository', Resource: '*' },
      ],
    },
  },
  reader: {
    account: A,
    policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ecr:GetAuthorizationToken', 'ecr:Describe*', ...PULL], Resource: '*' }] },
  },
  ci: {
    account: B,
    policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }] },
  },
} as const;
type UserName = keyof typeof USERS;

describe.each(testDialects())('the policy matrix: two accounts, three users, both planes, on %s', (dialect) => {
  let server: TestServer;
  const clients = {} as Record<UserName, { ecr: ECRClient; oci: OciClient }>;

  beforeAll(async () => {
    server = await startTestServer({ dialect, config: { dataPlaneAuth: 'required', createOnPush: false } });
    const admin = ecrClient(server.url);
    for (const name of ['team/app', 'team/private', 'other/app']) await admin.send(new CreateRepositoryCommand({ repositoryName: name }));
    // Account B may pull team/app, and nothing else of account A.
    await admin.send(
      new SetRepositoryPolicyCommand({
        repositoryName: 'team/app',
        policyText: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Sid: 'PullFromB', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: PULL }],
        }),
      }),
    );
    const adminLogin = await login(admin);
    const adminOci = authorizedClient(server.url, adminLogin);
    for (const name of ['team/app', 'team/private', 'other/app']) await adminOci.pushImage(name, 'v1', { layers: [`${name} layer`] });
    admin.destroy();

    for (const [name, user] of Object.entries(USERS) as [UserName, (typeof USERS)[UserName]][]) {
      await server.identities.ensureAccount(user.account);
      await server.identities.createUser(user.account, name);
      await server.identities.putUserPolicy(user.account, name, 'matrix', JSON.stringify(user.policy));
      const ecr = ecrClient(server.url, await server.identities.createAccessKey(user.account, name));
      clients[name] = { ecr, oci: authorizedClient(server.url, await login(ecr)) };
    }
  });
  afterAll(async () => {
    for (const client of Object.values(clients)) client.ecr.destroy();
    await server.close();
  });

  const controlPlane: [UserName, string, (ecr: ECRClient) => Promise<unknown>, 'allow' | 'deny'][] = [
    ['dev', 'CreateRepository team/new', (ecr) => ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/new' })), 'allow'],
    ['dev', 'CreateRepository other/new', (ecr) => ecr.send(new CreateRepositoryCommand({ repositoryName: 'other/new' })), 'deny'],
    ['dev', 'DeleteRepository team/private (explicit deny)', (ecr) => ecr.send(new DeleteRepositoryCommand({ repositoryName: 'team/private', force: true })), 'deny'],
    ['reader', 'DescribeRepositories', (ecr) => ecr.send(new DescribeRepositoriesCommand({})), 'allow'],
    ['reader', 'CreateRepository team/mine', (ecr) => ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/mine' })), 'deny'],
    ['ci', 'BatchGetImage team/app in A (repository policy)', (ecr) => ecr.send(new BatchGetImageCommand({ registryId: A, repositoryName: 'team/app', imageIds: [{ imageTag: 'v1' }] })), 'allow'],
    ['ci', 'BatchGetImage team/private in A', (ecr) => ecr.send(new BatchGetImageCommand({ registryId: A, repositoryName: 'team/private', imageIds: [{ imageTag: 'v1' }] })), 'deny'],
    ['ci', 'DescribeRepositories team/app in A (not granted)', (ecr) => ecr.send(new DescribeRepositoriesCommand({ registryId: A, repositoryNames: ['team/app'] })), 'deny'],
    ['ci', 'CreateRepository in its own account B', (ecr) => ecr.send(new CreateRepositoryCommand({ repositoryName: 'ci/own' })), 'allow'],
  ];

  it.each(controlPlane)('control plane: %s — %s', async (user, _what, call, expected) => {
    const outcome = await call(clients[user].ecr).then(
      () => 'allow',
      (error: { name: string }) => (error.name === 'AccessDeniedException' ? 'deny' : `failed: ${error.name}`),
    );
    expect(outcome).toBe(expected);
  });

  const dataPlane: [UserName, 'pull' | 'push', string, 'allow' | 'deny'][] = [
    ['dev', 'pull', 'team/app', 'allow'],
    ['dev', 'push', 'team/app', 'allow'],
    ['dev', 'pull', 'other/app', 'deny'],
    ['reader', 'pull', 'other/app', 'allow'],
    ['reader', 'push', 'team/app', 'deny'],
    ['ci', 'pull', 'team/app', 'allow'],
    ['ci', 'pull', 'team/private', 'deny'],
    ['ci', 'push', 'team/app', 'deny'],
  ];

  it.each(dataPlane)('data plane: %s %s %s', async (user, kind, repository, expected) => {
    const { oci } = clients[user];
    const response =
      kind === 'pull'
        ? await oci.fetch(`/v2/${repository}/manifests/v1`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } })
        : await oci.fetch(`/v2/${repository}/blobs/uploads/`, { method: 'POST' });
    expect(response.status).toBe(expected === 'allow' ? (kind === 'pull' ? 200 : 202) : 403);
  });
});

async function login(ecr: ECRClient): Promise<string> {
  const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}));
  return authorizationData![0]!.authorizationToken!;
}

/** An OCI client that logs in as ECR clients do: Basic with the authorization token (base64 of AWS:<token>). */
function authorizedClient(baseUrl: string, authorizationToken: string): OciClient {
  const client = new OciClient(baseUrl);
  const plainFetch = client.fetch.bind(client);
  client.fetch = (path, init = {}) => plainFetch(path, { ...init, headers: { ...(init.headers as Record<string, string>), Authorization: `Basic ${authorizationToken}` } });
  return client;
}
