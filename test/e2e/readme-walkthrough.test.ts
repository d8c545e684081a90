import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, run, taggedDescriptor, toolsAvailable, tryRun } from '../helpers/images.js';
import { spawnServer, STOWAGE_MAIN, type ServerProcess } from '../helpers/process.js';

const ANNOUNCEMENT = /AWS_ACCESS_KEY_ID=(\w+)\nAWS_SECRET_ACCESS_KEY=(\S+)\n/;

/**
 * The README's quick start, step by step, against the built `stowage serve` with its
 * defaults: the administrator key printed at first start, `aws ecr create-repository`,
 * `get-login-password | skopeo login`, push, `describe-images`, then a pull-only user who
 * is denied a push and `stowage admin explain` saying why.
 */
describe.runIf(toolsAvailable('aws', 'skopeo', 'umoci'))('the README quick start', () => {
  let work: string;
  let server: ServerProcess;
  let endpoint: string[];

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-readme-'));
    fs.writeFileSync(path.join(work, 'aws-config'), '');
    // The defaults of `npm start`: authentication required, no create on push.
    server = await spawnServer(['--data-dir', path.join(work, 'data')], { STOWAGE_DATA_PLANE_AUTH: '', STOWAGE_CREATE_ON_PUSH: '' });
    endpoint = ['--endpoint-url', server.url];
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  function awsEnv(key: { id: string; secret: string }): NodeJS.ProcessEnv {
    return {
      AWS_ACCESS_KEY_ID: key.id,
      AWS_SECRET_ACCESS_KEY: key.secret,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: path.join(work, 'aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'aws-config'),
    };
  }

  function admin(...args: string[]): Promise<string> {
    return run(process.execPath, [STOWAGE_MAIN, 'admin', ...args, '--data-dir', path.join(work, 'data')]);
  }

  async function login(key: { id: string; secret: string }, authFile: string): Promise<void> {
    const command = `aws ecr get-login-password ${endpoint.join(' ')} | skopeo login --username AWS --password-stdin --tls-verify=false ${server.host}`;
    await run('bash', ['-o', 'pipefail', '-c', command], { env: { ...awsEnv(key), REGISTRY_AUTH_FILE: authFile } });
  }

  it('pushes with the printed admin key, and denies a pull-only user a push', async () => {
    const [, id, secret] = ANNOUNCEMENT.exec(server.stderr.join('')) ?? [];
    expect(id).toMatch(/^AKIA[A-Z2-7]{16}$/);
    const adminKey = { id: id!, secret: secret! };

    await run('aws', ['ecr', 'create-repository', '--repository-name', 'team/app', ...endpoint], { env: awsEnv(adminKey) });
    const adminAuth = path.join(work, 'admin-auth.json');
    await login(adminKey, adminAuth);
    const layout = path.join(work, 'my-layout');
    await buildImage(layout, 'latest', { layers: [{ 'app/readme.txt': 'hello\n' }] });
    await run('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${server.host}/team/app:1.0`], {
      env: { REGISTRY_AUTH_FILE: adminAuth },
    });
    const images = JSON.parse(await run('aws', ['ecr', 'describe-images', '--repository-name', 'team/app', ...endpoint], { env: awsEnv(adminKey) })) as {
      imageDetails: { imageDigest: string; imageTags: string[] }[];
    };
    expect(images.imageDetails).toEqual([expect.objectContaining({ imageDigest: taggedDescriptor(layout, 'latest').digest, imageTags: ['1.0'] })]);

    await admin('create-user', '--user-name', 'ci');
    const pullOnly = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Resource: '*', Action: ['ecr:GetAuthorizationToken', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] }],
    };
    await admin('put-user-policy', '--user-name', 'ci', '--policy-name', 'pull-only', '--policy-document', JSON.stringify(pullOnly));
    const created = JSON.parse(await admin('create-access-key', '--user-name', 'ci')) as { AccessKey: { AccessKeyId: string; SecretAccessKey: string } };
    const ciKey = { id: created.AccessKey.AccessKeyId, secret: created.AccessKey.SecretAccessKey };
    const ciAuth = path.join(work, 'ci-auth.json');
    await login(ciKey, ciAuth);

    const copy = path.join(work, 'copy');
    await run('skopeo', ['copy', '--src-tls-verify=false', `docker://${server.host}/team/app:1.0`, `oci:${copy}:1.0`], { env: { REGISTRY_AUTH_FILE: ciAuth } });
    expect(taggedDescriptor(copy, '1.0').digest).toBe(taggedDescriptor(layout, 'latest').digest);
    const push = await tryRun('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${server.host}/team/app:ci`], {
      env: { REGISTRY_AUTH_FILE: ciAuth },
    });
    expect(push.code).not.toBe(0);
    expect(push.stderr.toLowerCase()).toMatch(/denied|forbidden/);
    const createRepository = await tryRun('aws', ['ecr', 'create-repository', '--repository-name', 'ci/own', ...endpoint], { env: awsEnv(ciKey) });
    expect(createRepository.code).not.toBe(0);
    expect(createRepository.stderr).toContain('AccessDeniedException');

    const explained = JSON.parse(await admin('explain', '--user-name', 'ci', '--action', 'ecr:PutImage', '--repository-name', 'team/app')) as {
      Decision: string;
    };
    expect(explained.Decision).toBe('ImplicitDeny');
  });
});
