import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ADMINISTRATOR_POLICY_DOCUMENT, bootstrapIdentities } from '../../src/identity/bootstrap.js';
import { IdentityError } from '../../src/identity/errors.js';
import { Identities } from '../../src/identity/identities.js';
import { SecretBox } from '../../src/identity/secret-box.js';
import { startServer } from '../../src/server.js';
import { openDatabase, type Database } from '../../src/storage/meta/database.js';
import { freshDatabaseUrl, testDialects } from '../helpers/databases.js';

const ACCOUNT = '123456789012';
const ANNOUNCEMENT = /^Stowage administrator access key \(shown once\):\nAWS_ACCESS_KEY_ID=(AKIA[A-Z2-7]{16})\nAWS_SECRET_ACCESS_KEY=([A-Za-z0-9+/]{40})\n$/;

describe.each(testDialects())('identity bootstrap on %s', (dialect) => {
  let dir: string;
  let databaseUrl: string;
  let database: Database;
  let identities: Identities;
  let announced: string[];
  const bootstrap = (rootAccessKey?: { accessKeyId: string; secretAccessKey: string }) =>
    bootstrapIdentities(identities, { accountId: ACCOUNT, rootAccessKey, announce: (text) => announced.push(text) });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-bootstrap-'));
    databaseUrl = await freshDatabaseUrl(dialect, dir);
    database = await openDatabase({ url: databaseUrl });
    identities = new Identities({ database, secrets: new SecretBox(randomBytes(32)) });
    announced = [];
  });
  afterEach(async () => {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates the account and an all-powerful admin, and shows a generated key exactly once', async () => {
    const first = await bootstrap();
    expect(first).toMatchObject({ accountCreated: true, adminCreated: true, policyCreated: true, accessKey: { source: 'generated' } });
    expect(await identities.listAccounts()).toEqual([expect.objectContaining({ accountId: ACCOUNT, name: 'default' })]);
    expect(await identities.getUserPolicy(ACCOUNT, 'admin', 'AdministratorAccess')).toEqual({
      policyName: 'AdministratorAccess',
      document: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
    });
    expect(announced).toHaveLength(1);
    const [, accessKeyId, secretAccessKey] = ANNOUNCEMENT.exec(announced[0]!) ?? [];
    expect(accessKeyId).toBeDefined();
    expect(await identities.findAccessKey(accessKeyId!)).toMatchObject({
      secretAccessKey,
      status: 'Active',
      principal: { accountId: ACCOUNT, userName: 'admin', arn: `arn:aws:iam::${ACCOUNT}:user/admin` },
    });

    const second = await bootstrap();
    expect(second).toEqual({ accountCreated: false, adminCreated: false, policyCreated: false, accessKey: { source: 'existing' } });
    expect(announced).toHaveLength(1);
    expect(await identities.listAccessKeys(ACCOUNT, 'admin')).toHaveLength(1);
  });

  it('generates nothing while admin holds any key, even an inactive one', async () => {
    await bootstrap();
    const [key] = await identities.listAccessKeys(ACCOUNT, 'admin');
    await identities.setAccessKeyStatus(ACCOUNT, 'admin', key!.accessKeyId, 'Inactive');
    expect((await bootstrap()).accessKey).toEqual({ source: 'existing' });
    await identities.deleteAccessKey(ACCOUNT, 'admin', key!.accessKeyId);
    expect((await bootstrap()).accessKey).toMatchObject({ source: 'generated' });
    expect(announced).toHaveLength(2);
  });

  it('provisions the configured key without showing anything, and rotates its secret when it changes', async () => {
    const root = { accessKeyId: 'ROOTKEY0000000000001', secretAccessKey: 'root-secret-one' };
    expect((await bootstrap(root)).accessKey).toEqual({ source: 'configured', accessKeyId: root.accessKeyId, change: 'created', status: 'Active' });
    expect((await bootstrap(root)).accessKey).toMatchObject({ change: 'unchanged' });
    const rotated = { ...root, secretAccessKey: 'root-secret-two' };
    expect((await bootstrap(rotated)).accessKey).toMatchObject({ change: 'updated' });
    expect(announced).toEqual([]);
    expect(await identities.findAccessKey(root.accessKeyId)).toMatchObject({ secretAccessKey: 'root-secret-two', principal: { userName: 'admin' } });
    expect((await identities.listAccessKeys(ACCOUNT, 'admin')).map((key) => key.accessKeyId)).toEqual([root.accessKeyId]);
  });

  it('refuses a configured key that belongs to another user', async () => {
    await identities.ensureAccount(ACCOUNT);
    await identities.createUser(ACCOUNT, 'someone');
    const taken = { accessKeyId: 'TAKENKEY000000000001', secretAccessKey: 'taken-secret' };
    await identities.createAccessKey(ACCOUNT, 'someone', taken);
    await expect(bootstrap(taken)).rejects.toThrow(/belongs to user someone/);
  });

  it('restores a deleted administrator policy but leaves an edited one alone', async () => {
    await bootstrap();
    const edited = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }] });
    await identities.putUserPolicy(ACCOUNT, 'admin', 'AdministratorAccess', edited);
    expect((await bootstrap()).policyCreated).toBe(false);
    expect((await identities.getUserPolicy(ACCOUNT, 'admin', 'AdministratorAccess')).document).toBe(edited);
    await identities.deleteUserPolicy(ACCOUNT, 'admin', 'AdministratorAccess');
    expect((await bootstrap()).policyCreated).toBe(true);
    expect((await identities.getUserPolicy(ACCOUNT, 'admin', 'AdministratorAccess')).document).toBe(ADMINISTRATOR_POLICY_DOCUMENT);
  });

  describe('through startServer', () => {
    const start = (env: NodeJS.ProcessEnv = {}) =>
      startServer(loadConfig({ env, overrides: { port: 0, dataDir: dir, databaseUrl, accountId: ACCOUNT, logLevel: 'silent' } }));

    /** Runs `task` and returns what it wrote to stderr. */
    async function stderrOf(task: () => Promise<void>): Promise<string> {
      const written: string[] = [];
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
      try {
        await task();
      } finally {
        spy.mockRestore();
      }
      return written.join('');
    }

    it('prints a generated key on stderr on the first start only, and exposes the identities', async () => {
      let accessKeyId: string | undefined;
      const first = await stderrOf(async () => {
        const server = await start();
        accessKeyId = (await server.identities.listAccessKeys(ACCOUNT, 'admin'))[0]?.accessKeyId;
        await server.close();
      });
      const [, printedId, printedSecret] = ANNOUNCEMENT.exec(first) ?? [];
      expect(printedId).toBe(accessKeyId);
      expect(fs.statSync(path.join(dir, 'secrets.key')).mode & 0o777).toBe(0o600);

      const second = await stderrOf(async () => {
        const server = await start();
        expect((await server.identities.findAccessKey(printedId!))?.secretAccessKey).toBe(printedSecret);
        await server.close();
      });
      expect(second).toBe('');
    });

    it('takes the administrator key from the environment and prints nothing', async () => {
      const env = { STOWAGE_ROOT_ACCESS_KEY_ID: 'ENVROOTKEY0000000001', STOWAGE_ROOT_SECRET_ACCESS_KEY: 'env-root-secret' };
      const printed = await stderrOf(async () => {
        const server = await start(env);
        expect(await server.identities.findAccessKey('ENVROOTKEY0000000001')).toMatchObject({ secretAccessKey: 'env-root-secret', status: 'Active' });
        await server.close();
        const rotated = await start({ ...env, STOWAGE_ROOT_SECRET_ACCESS_KEY: 'env-root-secret-2' });
        expect((await rotated.identities.findAccessKey('ENVROOTKEY0000000001'))?.secretAccessKey).toBe('env-root-secret-2');
        await rotated.close();
      });
      expect(printed).toBe('');
    });

    it('refuses to start with a secrets key other than the one the stored secrets were sealed with', async () => {
      await stderrOf(async () => (await start()).close());
      const otherKey = randomBytes(32).toString('base64');
      await expect(start({ STOWAGE_SECRETS_KEY: otherKey })).rejects.toThrow(IdentityError);
      await expect(start({ STOWAGE_SECRETS_KEY: otherKey })).rejects.toThrow(/sealed with another secrets key/);
    });
  });
});
