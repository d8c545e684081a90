import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openIdentities } from '../../src/identity/open.js';
import { openDatabase } from '../../src/storage/meta/database.js';
import { spawnServer, STOWAGE_MAIN, type ServerProcess } from '../helpers/process.js';

interface AdminResult {
  status: number | null;
  stdout: string;
  stderr: string;
  json: any;
}

/** Runs `stowage admin …` from dist/ (built by `npm test`), without blocking a server this process watches. */
function admin(args: string[], env: NodeJS.ProcessEnv): Promise<AdminResult> {
  const child = spawn(process.execPath, [STOWAGE_MAIN, 'admin', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += String(chunk)));
  child.stderr.on('data', (chunk) => (stderr += String(chunk)));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr, json: stdout.trim() ? JSON.parse(stdout) : undefined }));
  });
}

const ANNOUNCEMENT = /AWS_ACCESS_KEY_ID=(\w+)\nAWS_SECRET_ACCESS_KEY=(\S+)\n/;

describe('stowage admin', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  const running: ServerProcess[] = [];

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-admin-'));
    env = { STOWAGE_DATA_DIR: dataDir };
  });
  afterEach(async () => {
    for (const server of running.splice(0)) await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('manages accounts and users, printing JSON in the shape of aws iam', async () => {
    const account = await admin(['create-account', '--account-id', '210987654321', '--name', 'team'], env);
    expect(account.status).toBe(0);
    expect(account.json).toEqual({ Account: { AccountId: '210987654321', Name: 'team', CreateDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) } });
    const accounts = await admin(['list-accounts'], env);
    expect(accounts.json.Accounts.map((entry: { AccountId: string }) => entry.AccountId)).toEqual(['000000000000', '210987654321']);

    const user = await admin(['create-user', '--account-id', '210987654321', '--user-name', 'ci'], env);
    expect(user.json.User).toMatchObject({ UserName: 'ci', Arn: 'arn:aws:iam::210987654321:user/ci' });
    // Without --account-id, the configured account.
    expect((await admin(['create-user', '--user-name', 'ci'], env)).json.User.Arn).toBe('arn:aws:iam::000000000000:user/ci');
    const other = await admin(['create-user', '--user-name', 'local'], { ...env, STOWAGE_ACCOUNT_ID: '210987654321' });
    expect(other.json.User.Arn).toBe('arn:aws:iam::210987654321:user/local');
    const users = await admin(['list-users', '--account-id', '210987654321'], env);
    expect(users.json.Users.map((entry: { UserName: string }) => entry.UserName)).toEqual(['ci', 'local']);

    const duplicate = await admin(['create-user', '--account-id', '210987654321', '--user-name', 'ci'], env);
    expect(duplicate.status).toBe(1);
    expect(duplicate.stdout).toBe('');
    expect(duplicate.stderr).toMatch(/user ci already exists in account 210987654321/);

    const deleted = await admin(['delete-user', '--account-id', '210987654321', '--user-name', 'local'], env);
    expect(deleted).toMatchObject({ status: 0, stdout: '' });
    const unknown = await admin(['delete-user', '--account-id', '210987654321', '--user-name', 'local'], env);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/user local does not exist/);
  });

  it('creates access keys showing the secret once, lists, deactivates and deletes them', async () => {
    await admin(['create-user', '--user-name', 'pusher'], env);
    const created = await admin(['create-access-key', '--user-name', 'pusher'], env);
    expect(created.status).toBe(0);
    const key = created.json.AccessKey;
    expect(Object.keys(key)).toEqual(['UserName', 'AccessKeyId', 'Status', 'SecretAccessKey', 'CreateDate']);
    expect(key).toMatchObject({ UserName: 'pusher', Status: 'Active' });
    expect(key.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(key.SecretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);

    const listed = await admin(['list-access-keys', '--user-name', 'pusher'], env);
    expect(listed.json).toEqual({ AccessKeyMetadata: [{ UserName: 'pusher', AccessKeyId: key.AccessKeyId, Status: 'Active', CreateDate: key.CreateDate }] });
    expect(listed.stdout).not.toContain(key.SecretAccessKey);

    const update = ['update-access-key', '--user-name', 'pusher', '--access-key-id', key.AccessKeyId, '--status', 'Inactive'];
    expect((await admin(update, env)).status).toBe(0);
    expect((await admin(['list-access-keys', '--user-name', 'pusher'], env)).json.AccessKeyMetadata[0].Status).toBe('Inactive');
    const badStatus = await admin(['update-access-key', '--user-name', 'pusher', '--access-key-id', key.AccessKeyId, '--status', 'Off'], env);
    expect(badStatus.status).toBe(2);

    expect((await admin(['delete-access-key', '--user-name', 'pusher', '--access-key-id', key.AccessKeyId], env)).status).toBe(0);
    expect((await admin(['list-access-keys', '--user-name', 'pusher'], env)).json).toEqual({ AccessKeyMetadata: [] });
    const again = await admin(['delete-access-key', '--user-name', 'pusher', '--access-key-id', key.AccessKeyId], env);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/has no access key/);
  });

  it('puts, lists, shows and deletes inline policies, inline or from file://', async () => {
    await admin(['create-user', '--user-name', 'reader'], env);
    const document = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ecr:BatchGetImage'], Resource: '*' }] };
    const file = path.join(dataDir, 'policy.json');
    fs.writeFileSync(file, JSON.stringify(document));
    const fromFile = await admin(['put-user-policy', '--user-name', 'reader', '--policy-name', 'Pull', '--policy-document', `file://${file}`], env);
    expect(fromFile).toMatchObject({ status: 0, stdout: '' });
    const noAction = await admin(['put-user-policy', '--user-name', 'reader', '--policy-name', 'Audit', '--policy-document', '{"Statement":[{"Effect":"Allow"}]}'], env);
    expect(noAction.status).toBe(1);
    expect(noAction.stderr).toMatch(/Action/);
    const audit = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:Describe*","Resource":"*"}]}';
    const inline = await admin(['put-user-policy', '--user-name', 'reader', '--policy-name', 'Audit', '--policy-document', audit], env);
    expect(inline.status).toBe(0);
    expect((await admin(['list-user-policies', '--user-name', 'reader'], env)).json).toEqual({ PolicyNames: ['Audit', 'Pull'] });
    expect((await admin(['get-user-policy', '--user-name', 'reader', '--policy-name', 'Pull'], env)).json).toEqual({
      UserName: 'reader',
      PolicyName: 'Pull',
      PolicyDocument: document,
    });

    const malformed = await admin(['put-user-policy', '--user-name', 'reader', '--policy-name', 'Bad', '--policy-document', '{oops'], env);
    expect(malformed.status).toBe(1);
    expect(malformed.stderr).toMatch(/not valid JSON/);
    const missing = await admin(['put-user-policy', '--user-name', 'reader', '--policy-name', 'Bad', '--policy-document', 'file:///nonexistent/policy.json'], env);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read \/nonexistent\/policy.json/);

    expect((await admin(['delete-user-policy', '--user-name', 'reader', '--policy-name', 'Audit'], env)).status).toBe(0);
    expect((await admin(['list-user-policies', '--user-name', 'reader'], env)).json).toEqual({ PolicyNames: ['Pull'] });
    const gone = await admin(['get-user-policy', '--user-name', 'reader', '--policy-name', 'Audit'], env);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toMatch(/has no policy Audit/);
  });

  it('explains which statement allows or denies an action', async () => {
    await admin(['create-user', '--user-name', 'deployer'], env);
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'PushTeam', Effect: 'Allow', Action: ['ecr:PutImage', 'ecr:BatchGetImage'], Resource: 'arn:aws:ecr:us-east-1:000000000000:repository/team/*' },
        { Sid: 'NeverProd', Effect: 'Deny', Action: 'ecr:PutImage', Resource: 'arn:aws:ecr:us-east-1:000000000000:repository/team/prod' },
      ],
    };
    expect((await admin(['put-user-policy', '--user-name', 'deployer', '--policy-name', 'Deploy', '--policy-document', JSON.stringify(policy)], env)).status).toBe(0);
    const explain = (repository: string, action = 'ecr:PutImage') =>
      admin(['explain', '--user-name', 'deployer', '--action', action, '--repository-name', repository], env);

    const allowed = await explain('team/app');
    expect(allowed.status).toBe(0);
    expect(allowed.json.Decision).toBe('Allow');
    expect(allowed.json.Explanation.join('\n')).toContain('PushTeam');

    const denied = (await explain('team/prod')).json;
    expect(denied.Decision).toBe('ExplicitDeny');
    expect(denied.Explanation.join('\n')).toContain('NeverProd');

    const implicit = (await explain('other/app')).json;
    expect(implicit.Decision).toBe('ImplicitDeny');
    expect((await explain('team/app', 'ecr:DeleteRepository')).json.Decision).toBe('ImplicitDeny');
  });

  it('exits with status 2 on usage and configuration errors', async () => {
    const missingOption = await admin(['create-user'], env);
    expect(missingOption.status).toBe(2);
    expect(missingOption.stderr).toMatch(/required option '--user-name <name>'/);
    expect((await admin(['no-such-command'], env)).status).toBe(2);
    const badConfig = await admin(['list-users'], { ...env, STOWAGE_ACCOUNT_ID: 'nope' });
    expect(badConfig.status).toBe(2);
    expect(badConfig.stderr).toMatch(/accountId: must be 12 digits/);
    const invalid = await admin(['create-user', '--user-name', 'has space'], env);
    expect(invalid.status).toBe(1);
    expect(invalid.stderr).toMatch(/user name 'has space'/);
  });

  it('works on the storage of a running server, with the same secrets key', async () => {
    const server = await spawnServer([], env);
    running.push(server);
    const [, adminKeyId] = ANNOUNCEMENT.exec(server.stderr.join('')) ?? [];
    expect(adminKeyId).toMatch(/^AKIA/);
    expect(server.log.join('\n')).not.toContain('AWS_SECRET_ACCESS_KEY');
    const adminKeys = await admin(['list-access-keys', '--user-name', 'admin'], env);
    expect(adminKeys.json.AccessKeyMetadata.map((key: { AccessKeyId: string }) => key.AccessKeyId)).toEqual([adminKeyId]);
    expect((await admin(['list-user-policies', '--user-name', 'admin'], env)).json).toEqual({ PolicyNames: ['AdministratorAccess'] });

    expect((await admin(['create-user', '--user-name', 'deployer'], env)).status).toBe(0);
    const created = (await admin(['create-access-key', '--user-name', 'deployer'], env)).json.AccessKey;
    expect((await fetch(`${server.url}/v2/`)).status).toBe(200);
    await server.stop();

    // What the command sealed opens with the key the server uses, and a restart prints nothing.
    const config = loadConfig({ env, overrides: { dataDir } });
    const database = await openDatabase({ url: `sqlite:${path.join(dataDir, 'metadata.sqlite')}` });
    try {
      const identities = await openIdentities(config, database);
      expect((await identities.findAccessKey(created.AccessKeyId))?.secretAccessKey).toBe(created.SecretAccessKey);
    } finally {
      await database.close();
    }
    const restarted = await spawnServer([], env);
    running.push(restarted);
    expect(restarted.stderr.join('')).toBe('');
  });

  it('provisions the administrator from the environment and refuses to seal with a different secrets key', async () => {
    const rootEnv = { ...env, STOWAGE_ROOT_ACCESS_KEY_ID: 'ROOTKEYFROMENV000001', STOWAGE_ROOT_SECRET_ACCESS_KEY: 'root-secret-value' };
    const server = await spawnServer([], rootEnv);
    running.push(server);
    expect(server.stderr.join('')).toBe('');
    const keys = await admin(['list-access-keys', '--user-name', 'admin'], env);
    expect(keys.json.AccessKeyMetadata.map((key: { AccessKeyId: string }) => key.AccessKeyId)).toEqual(['ROOTKEYFROMENV000001']);
    expect(server.log.join('\n')).not.toContain('root-secret-value');

    const wrongKey = await admin(['create-access-key', '--user-name', 'admin'], { ...env, STOWAGE_SECRETS_KEY: randomBytes(32).toString('base64') });
    expect(wrongKey.status).toBe(1);
    expect(wrongKey.stderr).toMatch(/sealed with another secrets key/);
    expect((await admin(['list-access-keys', '--user-name', 'admin'], env)).json.AccessKeyMetadata).toHaveLength(1);
  });
});
