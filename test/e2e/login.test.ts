import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, containerStorageFlags, run, scratchDir, taggedDescriptor, toolsAvailable, tryRun } from '../helpers/images.js';
import { startTestServer, TEST_ROOT_CREDENTIALS, type TestServer } from '../helpers/server.js';

/**
 * The ECR login habit, end to end: `aws ecr get-login-password | skopeo login` (and
 * podman login), then push and pull against a registry that requires authentication.
 */
describe.runIf(toolsAvailable('aws', 'skopeo', 'podman', 'umoci'))('login with aws ecr get-login-password', () => {
  let server: TestServer;
  let work: string;
  let awsEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    server = await startTestServer({ config: { dataPlaneAuth: 'required', createOnPush: false } });
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-login-'));
    // Nothing from the machine's own AWS configuration may take part.
    fs.writeFileSync(path.join(work, 'aws-config'), '');
    awsEnv = {
      AWS_ACCESS_KEY_ID: TEST_ROOT_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_ROOT_CREDENTIALS.secretAccessKey,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: path.join(work, 'aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'aws-config'),
    };
    await run('aws', ['ecr', 'create-repository', '--repository-name', 'team/app', '--endpoint-url', server.url], { env: awsEnv });
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** The shell pipeline of the ECR documentation, with skopeo or podman as the client. */
  function login(client: string, env: NodeJS.ProcessEnv): Promise<string> {
    const command = `aws ecr get-login-password --endpoint-url ${server.url} | ${client} login --username AWS --password-stdin --tls-verify=false ${server.host}`;
    return run('bash', ['-o', 'pipefail', '-c', command], { env: { ...awsEnv, ...env } });
  }

  it('skopeo logs in, pushes and pulls; without the login it is refused', async () => {
    const layout = path.join(work, 'layout');
    await buildImage(layout, 'v1', { layers: [{ 'app/one.txt': 'one\n' }, { 'app/two.txt': 'two\n' }] });
    const pushedDigest = taggedDescriptor(layout, 'v1').digest;
    const loggedIn = { REGISTRY_AUTH_FILE: path.join(work, 'skopeo-auth.json') };
    const loggedOut = { REGISTRY_AUTH_FILE: path.join(work, 'no-auth.json') };

    const refused = await tryRun('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${server.host}/team/app:v1`], { env: loggedOut });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.toLowerCase()).toMatch(/unauthorized|authentication required/);

    expect(await login('skopeo', loggedIn)).toContain('Login Succeeded');
    await run('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${server.host}/team/app:v1`], { env: loggedIn });
    const back = path.join(work, 'back');
    await run('skopeo', ['copy', '--src-tls-verify=false', `docker://${server.host}/team/app:v1`, `oci:${back}:v1`], { env: loggedIn });
    expect(taggedDescriptor(back, 'v1').digest).toBe(pushedDigest);

    const described = JSON.parse(await run('aws', ['ecr', 'describe-repositories', '--endpoint-url', server.url], { env: awsEnv })) as {
      repositories: { repositoryName: string }[];
    };
    expect(described.repositories.map((repository) => repository.repositoryName)).toEqual(['team/app']);
  });

  it('podman logs in, pushes and pulls back the same image', async () => {
    const store = scratchDir('podman-');
    const podman = (...args: string[]) => run('podman', [...containerStorageFlags('podman', store), ...args], { env: podmanEnv });
    const podmanEnv = { REGISTRY_AUTH_FILE: path.join(store, 'auth.json') };
    // podman names an image pulled from a layout after its path, which must be lower case.
    const layout = path.join(store, 'layout');
    await buildImage(layout, 'p1', { layers: [{ 'srv/podman.txt': 'podman\n' }] });
    expect(await login(`podman ${containerStorageFlags('podman', store).join(' ')}`, podmanEnv)).toContain('Login Succeeded');

    const localId = (await podman('pull', '--quiet', `oci:${layout}:p1`)).trim();
    await podman('push', '--tls-verify=false', localId, `${server.host}/team/app:podman`);
    await podman('rmi', '--all', '--force');
    await podman('pull', '--tls-verify=false', `${server.host}/team/app:podman`);
    const [pulled] = JSON.parse(await podman('image', 'inspect', `${server.host}/team/app:podman`)) as { Id: string }[];
    expect(pulled!.Id).toBe(localId);

    await podman('logout', server.host);
    const refused = await tryRun('podman', [...containerStorageFlags('podman', store), 'pull', '--tls-verify=false', `${server.host}/team/app:podman`], {
      env: podmanEnv,
    });
    expect(refused.code).not.toBe(0);
  });
});
