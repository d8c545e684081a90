import { CreateRepositoryCommand, GetAuthorizationTokenCommand, SetRepositoryPolicyCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../helpers/databases.js';
import { ecrClient } from '../helpers/ecr-client.js';
import { OciClient, sha256 } from '../helpers/oci-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** An OCI client that sends `Authorization` on every request. */
class AuthorizedClient extends OciClient {
  constructor(
    baseUrl: string,
    private readonly authorization: string,
  ) {
    super(baseUrl);
  }
  override fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return super.fetch(path, { ...init, headers: { ...(init.headers as Record<string, string>), Authorization: this.authorization } });
  }
}

async function loginPassword(ecr: ECRClient): Promise<string> {
  const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}));
  const decoded = Buffer.from(authorizationData![0]!.authorizationToken!, 'base64').toString('utf8');
  expect(decoded.startsWith('AWS:')).toBe(true);
  return decoded.slice('AWS:'.length);
}

const basic = (password: string) => `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`;

describe.each(testDialects())('/v2/ authentication and authorization on %s', (dialect) => {
  let server: TestServer;
  let admin: ECRClient;
  let adminPassword: string;

  beforeAll(async () => {
    server = await startTestServer({ dialect, config: { dataPlaneAuth: 'required', createOnPush: false } });
    admin = ecrClient(server.url);
    adminPassword = await loginPassword(admin);
    await admin.send(new CreateRepositoryCommand({ repositoryName: 'team/app' }));
  });
  afterAll(async () => {
    admin.destroy();
    await server.close();
  });

  async function user(accountId: string, userName: string, policy?: object): Promise<{ ecr: ECRClient; password: string }> {
    await server.identities.ensureAccount(accountId);
    await server.identities.createUser(accountId, userName);
    if (policy) await server.identities.putUserPolicy(accountId, userName, 'ecr', JSON.stringify(policy));
    const ecr = ecrClient(server.url, await server.identities.createAccessKey(accountId, userName));
    return { ecr, password: await loginPassword(ecr) };
  }

  it('gives a 12-hour login token for the registry endpoint', async () => {
    const { authorizationData } = await admin.send(new GetAuthorizationTokenCommand({}));
    const [data] = authorizationData!;
    expect(data!.proxyEndpoint).toBe(server.url);
    const hours = (data!.expiresAt!.getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(11.9);
    expect(hours).toBeLessThanOrEqual(12);
  });

  it('challenges anonymous requests with the Bearer token flow', async () => {
    const anonymous = new OciClient(server.url);
    const base = await anonymous.fetch('/v2/');
    expect(base.status).toBe(401);
    expect(base.headers.get('www-authenticate')).toBe(`Bearer realm="${server.url}/auth/token",service="${server.host}"`);
    const manifest = await anonymous.fetch('/v2/team/app/manifests/latest');
    expect(manifest.status).toBe(401);
    expect(manifest.headers.get('www-authenticate')).toContain('scope="repository:team/app:pull"');
    expect(((await manifest.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('UNAUTHORIZED');
    const push = await anonymous.fetch('/v2/team/app/blobs/uploads/', { method: 'POST' });
    expect(push.status).toBe(401);
    expect(push.headers.get('www-authenticate')).toContain('scope="repository:team/app:pull,push"');
  });

  it('accepts the login token as Basic auth and through the token endpoint', async () => {
    const withBasic = new AuthorizedClient(server.url, basic(adminPassword));
    expect((await withBasic.fetch('/v2/')).status).toBe(200);
    const pushed = await withBasic.pushImage('team/app', 'v1');

    const token = await fetch(`${server.url}/auth/token?service=${server.host}&scope=repository:team/app:pull`, {
      headers: { Authorization: basic(adminPassword) },
    });
    expect(token.status).toBe(200);
    const body = (await token.json()) as { token: string; access_token: string; expires_in: number };
    expect(body.access_token).toBe(body.token);
    expect(body.expires_in).toBeGreaterThan(11 * 3600);
    const withBearer = new AuthorizedClient(server.url, `Bearer ${body.token}`);
    const manifest = await withBearer.fetch('/v2/team/app/manifests/v1', { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
    expect(manifest.status).toBe(200);
    expect(sha256(Buffer.from(await manifest.arrayBuffer()))).toBe(pushed.digest);

    expect((await fetch(`${server.url}/auth/token`)).status).toBe(401);
    expect((await fetch(`${server.url}/auth/token`, { headers: { Authorization: basic('forged') } })).status).toBe(401);
  });

  it('refuses forged tokens and other user names', async () => {
    const forged = adminPassword.slice(0, -4) + (adminPassword.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await new AuthorizedClient(server.url, basic(forged)).fetch('/v2/')).status).toBe(401);
    const otherUser = `Basic ${Buffer.from(`admin:${adminPassword}`).toString('base64')}`;
    expect((await new AuthorizedClient(server.url, otherUser).fetch('/v2/')).status).toBe(401);
  });

  it('refuses a push to a repository that was never created', async () => {
    const client = new AuthorizedClient(server.url, basic(adminPassword));
    const response = await client.fetch('/v2/never/created/blobs/uploads/', { method: 'POST' });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('NAME_UNKNOWN');
  });

  it('authorizes pulls and pushes by the caller policy', async () => {
    const reader = await user('000000000000', 'reader', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['ecr:GetAuthorizationToken', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], Resource: '*' }],
    });
    const client = new AuthorizedClient(server.url, basic(reader.password));
    const manifest = await client.fetch('/v2/team/app/manifests/v1', { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
    expect(manifest.status).toBe(200);
    const { config } = (await manifest.json()) as { config: { digest: string } };
    expect((await client.fetch(`/v2/team/app/blobs/${config.digest}`)).status).toBe(200);
    const push = await client.fetch('/v2/team/app/blobs/uploads/', { method: 'POST' });
    expect(push.status).toBe(403);
    expect(((await push.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('DENIED');
    reader.ecr.destroy();
  });

  it('lets another account pull only what a repository policy grants it', async () => {
    const outsider = await user('111111111111', 'ci', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }],
    });
    const client = new AuthorizedClient(server.url, basic(outsider.password));
    // The default account's registry, addressed on a bare host.
    const before = await client.fetch('/v2/team/app/manifests/v1', { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
    expect(before.status).toBe(403);

    await admin.send(
      new SetRepositoryPolicyCommand({
        repositoryName: 'team/app',
        policyText: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'CrossAccountPull',
              Effect: 'Allow',
              Principal: { AWS: 'arn:aws:iam::111111111111:root' },
              Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
            },
          ],
        }),
      }),
    );
    const after = await client.fetch('/v2/team/app/manifests/v1', { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
    expect(after.status).toBe(200);
    const push = await client.fetch('/v2/team/app/blobs/uploads/', { method: 'POST' });
    expect(push.status).toBe(403);
    outsider.ecr.destroy();
  });
});
