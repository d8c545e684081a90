import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityError, type IdentityErrorKind } from '../../src/identity/errors.js';
import { Identities } from '../../src/identity/identities.js';
import { SecretBox } from '../../src/identity/secret-box.js';
import { openDatabase, type Database } from '../../src/storage/meta/database.js';
import { freshDatabaseUrl, testDialects } from '../helpers/databases.js';

const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }] });

async function failure(promise: Promise<unknown>): Promise<IdentityErrorKind> {
  const error = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(IdentityError);
  return (error as IdentityError).kind;
}

describe.each(testDialects())('identities on %s', (dialect) => {
  let dir: string;
  let database: Database;
  let identities: Identities;
  const masterKey = randomBytes(32);
  let clock = 1_000_000;
  let nextAccount = 100_000_000_000;
  const newAccount = async () => {
    const accountId = String(nextAccount++);
    await identities.createAccount(accountId, 'test');
    return accountId;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-identities-'));
    database = await openDatabase({ url: await freshDatabaseUrl(dialect, dir) });
    identities = new Identities({ database, secrets: new SecretBox(masterKey), now: () => clock });
  });
  afterAll(async () => {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates accounts once and lists them by id', async () => {
    expect(await identities.createAccount('222222222222', 'second')).toEqual({ accountId: '222222222222', name: 'second', createdAt: clock });
    expect(await identities.createAccount('111111111111')).toMatchObject({ name: '111111111111' });
    expect(await failure(identities.createAccount('222222222222', 'again'))).toBe('ACCOUNT_EXISTS');
    expect(await failure(identities.createAccount('1234', 'short'))).toBe('INVALID_PARAMETER');
    expect(await identities.ensureAccount('222222222222', 'ignored')).toBe(false);
    const accounts = await identities.listAccounts();
    expect(accounts.filter((account) => account.accountId.startsWith('1') || account.accountId.startsWith('2'))).toEqual([
      { accountId: '111111111111', name: '111111111111', createdAt: clock },
      { accountId: '222222222222', name: 'second', createdAt: clock },
    ]);
  });

  it('creates users with their ARN, unique per account', async () => {
    const accountId = await newAccount();
    const other = await newAccount();
    expect(await identities.createUser(accountId, 'zed')).toEqual({
      accountId,
      userName: 'zed',
      arn: `arn:aws:iam::${accountId}:user/zed`,
      createdAt: clock,
    });
    await identities.createUser(accountId, 'ann');
    await identities.createUser(other, 'zed');
    expect(await failure(identities.createUser(accountId, 'zed'))).toBe('USER_EXISTS');
    expect(await failure(identities.createUser('999999999999', 'zed'))).toBe('ACCOUNT_UNKNOWN');
    expect(await failure(identities.createUser(accountId, 'no spaces'))).toBe('INVALID_PARAMETER');
    expect(await failure(identities.createUser(accountId, 'x'.repeat(65)))).toBe('INVALID_PARAMETER');
    expect((await identities.listUsers(accountId)).map((user) => user.userName)).toEqual(['ann', 'zed']);
    expect((await identities.getUser(other, 'zed')).arn).toBe(`arn:aws:iam::${other}:user/zed`);
    expect(await failure(identities.getUser(other, 'ann'))).toBe('USER_UNKNOWN');
    expect(await failure(identities.listUsers('999999999999'))).toBe('ACCOUNT_UNKNOWN');
  });

  it('generates access keys shaped like AWS keys, and finds them with their principal', async () => {
    const accountId = await newAccount();
    await identities.createUser(accountId, 'builder');
    const key = await identities.createAccessKey(accountId, 'builder');
    expect(key.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(key.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(key).toMatchObject({ userName: 'builder', status: 'Active', createdAt: clock, lastUsedAt: null });
    const second = await identities.createAccessKey(accountId, 'builder');
    expect(second.accessKeyId).not.toBe(key.accessKeyId);
    expect(second.secretAccessKey).not.toBe(key.secretAccessKey);

    expect(await identities.findAccessKey(key.accessKeyId)).toEqual({
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
      status: 'Active',
      principal: { accountId, userName: 'builder', arn: `arn:aws:iam::${accountId}:user/builder`, type: 'User' },
    });
    expect(await identities.findAccessKey('AKIAUNKNOWNUNKNOWN00')).toBeUndefined();

    const listed = await identities.listAccessKeys(accountId, 'builder');
    expect(listed.map((entry) => entry.accessKeyId).sort()).toEqual([key.accessKeyId, second.accessKeyId].sort());
    const shown = JSON.stringify(listed);
    expect(shown).not.toContain(key.secretAccessKey);
    expect(shown).not.toContain(second.secretAccessKey);
    expect(await failure(identities.createAccessKey(accountId, 'nobody'))).toBe('USER_UNKNOWN');
  });

  it('keeps secrets only sealed at rest', async () => {
    const accountId = await newAccount();
    await identities.createUser(accountId, 'sealed');
    const key = await identities.createAccessKey(accountId, 'sealed');
    const rows = await database.db.selectFrom('access_keys').selectAll().where('access_key_id', '=', key.accessKeyId).execute();
    expect(rows).toHaveLength(1);
    const raw = JSON.stringify(rows);
    expect(raw).not.toContain(key.secretAccessKey);
    expect(raw).not.toContain(Buffer.from(key.secretAccessKey).toString('base64'));
    expect(rows[0]!.secret_ciphertext).toMatch(/^v1:/);
    if (dialect === 'sqlite') {
      // Nor anywhere in the database files, the write-ahead log included.
      for (const file of fs.readdirSync(dir).filter((name) => name.startsWith('metadata.sqlite'))) {
        expect(fs.readFileSync(path.join(dir, file)).includes(key.secretAccessKey)).toBe(false);
      }
    }
  });

  it('binds each sealed secret to its key id: a secret moved to another key does not open', async () => {
    const accountId = await newAccount();
    await identities.createUser(accountId, 'swapped');
    const one = await identities.createAccessKey(accountId, 'swapped');
    const two = await identities.createAccessKey(accountId, 'swapped');
    const sealedTwo = await database.db.selectFrom('access_keys').select('secret_ciphertext').where('access_key_id', '=', two.accessKeyId).executeTakeFirstOrThrow();
    await database.db.updateTable('access_keys').set({ secret_ciphertext: sealedTwo.secret_ciphertext }).where('access_key_id', '=', one.accessKeyId).execute();
    expect(await failure(identities.findAccessKey(one.accessKeyId))).toBe('SECRET_UNREADABLE');
    expect((await identities.findAccessKey(two.accessKeyId))?.secretAccessKey).toBe(two.secretAccessKey);
    await identities.deleteAccessKey(accountId, 'swapped', one.accessKeyId);
  });

  it('cannot open secrets under another master key, and refuses to seal new ones with it', async () => {
    const accountId = await newAccount();
    await identities.createUser(accountId, 'keyed');
    const key = await identities.createAccessKey(accountId, 'keyed');
    const stranger = new Identities({ database, secrets: new SecretBox(randomBytes(32)), now: () => clock });
    expect(await failure(stranger.findAccessKey(key.accessKeyId))).toBe('SECRET_UNREADABLE');
    expect(await failure(stranger.checkSecretsKey())).toBe('SECRET_UNREADABLE');
    expect(await failure(stranger.createAccessKey(accountId, 'keyed'))).toBe('SECRET_UNREADABLE');
    // What needs no secret still works, so a key can be inspected and removed.
    expect((await stranger.listAccessKeys(accountId, 'keyed')).map((entry) => entry.accessKeyId)).toEqual([key.accessKeyId]);
    const sameKey = new Identities({ database, secrets: new SecretBox(Buffer.from(masterKey)) });
    expect((await sameKey.findAccessKey(key.accessKeyId))?.secretAccessKey).toBe(key.secretAccessKey);
    await sameKey.checkSecretsKey();
  });

  it('accepts chosen key ids and secrets in the allowed formats, each id once', async () => {
    const accountId = await newAccount();
    await identities.createUser(accountId, 'chosen');
    await identities.createUser(accountId, 'other');
    const given = { accessKeyId: `CHOSENKEY${accountId}`, secretAccessKey: 'chosen-secret-1' };
    expect(await identities.createAccessKey(accountId, 'chosen', given)).toMatchObject(given);
    expect((await identities.findAccessKey(given.accessKeyId))?.secretAccessKey).toBe('chosen-secret-1');
    expect(await failure(identities.createAccessKey(accountId, 'other', given))).toBe('ACCESS_KEY_EXISTS');
    const badId = { accessKeyId: 'lowercase-key-id-000', secretAccessKey: 'long-enough' };
    expect(await failure(identities.createAccessKey(accountId, 'chosen', badId))).toBe('INVALID_PARAMETER');
    const shortId = { accessKeyId: 'AKIA0123456', secretAccessKey: 'long-enough' };
    expect(await failure(identities.createAccessKey(accountId, 'chosen', shortId))).toBe('INVALID_PARAMETER');
    const shortSecret = { accessKeyId: 'AKIA0123456789ABCDEF', secretAccessKey: 'short' };
    expect(await failure(identities.createAccessKey(accountId, 'chosen', shortSecret))).toBe('INVALID_PARAMETER');
  });

  it('activates, deactivates and deletes keys of their own user only', async () => {
    const accountId = await newAccount();
    await identities.createUser(accountId, 'holder');
    await identities.createUser(accountId, 'stranger');
    const key = await identities.createAccessKey(accountId, 'holder');
    await identities.setAccessKeyStatus(accountId, 'holder', key.accessKeyId, 'Inactive');
    expect((await identities.findAccessKey(key.accessKeyId))?.status).toBe('Inactive');
    expect((await identities.listAccessKeys(accountId, 'holder'))[0]?.status).toBe('Inactive');
    await identities.setAccessKeyStatus(accountId, 'holder', key.accessKeyId, 'Active');
    expect((await identities.findAccessKey(key.accessKeyId))?.status).toBe('Active');
    expect(await failure(identities.setAccessKeyStatus(accountId, 'stranger', key.accessKeyId, 'Inactive'))).toBe('ACCESS_KEY_UNKNOWN');
    expect(await failure(identities.setAccessKeyStatus(accountId, 'holder', key.accessKeyId, 'Paused' as never))).toBe('INVALID_PARAMETER');
    expect(await failure(identities.deleteAccessKey(accountId, 'stranger', key.accessKeyId))).toBe('ACCESS_KEY_UNKNOWN');
    await identities.deleteAccessKey(accountId, 'holder', key.accessKeyId);
    expect(await identities.findAccessKey(key.accessKeyId)).toBeUndefined();
    expect(await failure(identities.deleteAccessKey(accountId, 'holder', key.accessKeyId))).toBe('ACCESS_KEY_UNKNOWN');
  });

  it('records when a key was last used, at most once a minute', async () => {
    const accountId = await newAccount();
    await identities.createUser(accountId, 'active');
    const key = await identities.createAccessKey(accountId, 'active');
    const lastUsed = async () => (await identities.listAccessKeys(accountId, 'active'))[0]?.lastUsedAt;
    const start = clock;
    await identities.recordAccessKeyUse(key.accessKeyId);
    expect(await lastUsed()).toBe(start);
    clock = start + 59_999;
    await identities.recordAccessKeyUse(key.accessKeyId);
    expect(await lastUsed()).toBe(start);
    clock = start + 60_000;
    await identities.recordAccessKeyUse(key.accessKeyId);
    expect(await lastUsed()).toBe(start + 60_000);
  });

  it('stores, replaces, lists and deletes inline user policies', async () => {
    const accountId = await newAccount();
    await identities.createUser(accountId, 'reader');
    await identities.putUserPolicy(accountId, 'reader', 'Pull', POLICY);
    await identities.putUserPolicy(accountId, 'reader', 'Audit', '{"Statement":[]}');
    const replaced = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'ecr:*', Resource: '*' }] });
    await identities.putUserPolicy(accountId, 'reader', 'Pull', replaced);
    expect(await identities.listUserPolicies(accountId, 'reader')).toEqual(['Audit', 'Pull']);
    expect(await identities.getUserPolicy(accountId, 'reader', 'Pull')).toEqual({ policyName: 'Pull', document: replaced });
    expect(await identities.listUserPolicyDocuments(accountId, 'reader')).toEqual([
      { policyName: 'Audit', document: '{"Statement":[]}' },
      { policyName: 'Pull', document: replaced },
    ]);
    expect(await identities.ensureUserPolicy(accountId, 'reader', 'Pull', POLICY)).toBe(false);
    expect((await identities.getUserPolicy(accountId, 'reader', 'Pull')).document).toBe(replaced);

    expect(await failure(identities.putUserPolicy(accountId, 'reader', 'Bad', '{ not json'))).toBe('MALFORMED_POLICY_DOCUMENT');
    expect(await failure(identities.putUserPolicy(accountId, 'reader', 'Bad', '[]'))).toBe('MALFORMED_POLICY_DOCUMENT');
    expect(await failure(identities.putUserPolicy(accountId, 'reader', 'bad name', POLICY))).toBe('INVALID_PARAMETER');
    expect(await failure(identities.putUserPolicy(accountId, 'nobody', 'Pull', POLICY))).toBe('USER_UNKNOWN');
    expect(await identities.listUserPolicies(accountId, 'reader')).toEqual(['Audit', 'Pull']);

    await identities.deleteUserPolicy(accountId, 'reader', 'Audit');
    expect(await identities.listUserPolicies(accountId, 'reader')).toEqual(['Pull']);
    expect(await failure(identities.deleteUserPolicy(accountId, 'reader', 'Audit'))).toBe('POLICY_UNKNOWN');
    expect(await failure(identities.getUserPolicy(accountId, 'reader', 'Audit'))).toBe('POLICY_UNKNOWN');
  });

  it('checks policy documents with the validator it is given', async () => {
    const seen: string[] = [];
    const strict = new Identities({
      database,
      secrets: new SecretBox(masterKey),
      validatePolicyDocument: (text) => {
        seen.push(text);
        if (text.includes('Deny')) throw new IdentityError('MALFORMED_POLICY_DOCUMENT', 'no Deny here');
      },
    });
    const accountId = await newAccount();
    await strict.createUser(accountId, 'validated');
    await strict.putUserPolicy(accountId, 'validated', 'Allow', POLICY);
    expect(await failure(strict.putUserPolicy(accountId, 'validated', 'Deny', '{"Statement":"Deny"}'))).toBe('MALFORMED_POLICY_DOCUMENT');
    expect(seen).toEqual([POLICY, '{"Statement":"Deny"}']);
    expect(await strict.listUserPolicies(accountId, 'validated')).toEqual(['Allow']);
  });

  it('deletes a user with its keys and policies, and an account with its users', async () => {
    const accountId = await newAccount();
    await identities.createUser(accountId, 'leaver');
    await identities.createUser(accountId, 'stayer');
    const key = await identities.createAccessKey(accountId, 'leaver');
    const kept = await identities.createAccessKey(accountId, 'stayer');
    await identities.putUserPolicy(accountId, 'leaver', 'Pull', POLICY);
    await identities.putUserPolicy(accountId, 'stayer', 'Pull', POLICY);

    await identities.deleteUser(accountId, 'leaver');
    expect(await identities.findAccessKey(key.accessKeyId)).toBeUndefined();
    expect(await failure(identities.deleteUser(accountId, 'leaver'))).toBe('USER_UNKNOWN');
    expect((await identities.listUsers(accountId)).map((user) => user.userName)).toEqual(['stayer']);
    const policiesLeft = await database.db.selectFrom('user_policies').innerJoin('iam_users', 'iam_users.id', 'user_policies.user_id').select('iam_users.name').where('iam_users.account_id', '=', accountId).execute();
    expect(policiesLeft).toEqual([{ name: 'stayer' }]);

    // There is no command to delete an account yet; the schema still cascades.
    await database.db.deleteFrom('accounts').where('id', '=', accountId).execute();
    expect(await identities.findAccessKey(kept.accessKeyId)).toBeUndefined();
    expect(await database.db.selectFrom('iam_users').select('id').where('account_id', '=', accountId).execute()).toEqual([]);
    expect(await database.db.selectFrom('access_keys').select('access_key_id').where('access_key_id', '=', kept.accessKeyId).execute()).toEqual([]);
  });

  it('generates a first key only once under concurrent callers', async () => {
    const accountId = await newAccount();
    await identities.createUser(accountId, 'first');
    const created = await Promise.all([1, 2, 3, 4, 5].map(() => identities.createAccessKeyIfNone(accountId, 'first')));
    expect(created.filter((key) => key !== undefined)).toHaveLength(1);
    expect(await identities.listAccessKeys(accountId, 'first')).toHaveLength(1);
    expect(await identities.createAccessKeyIfNone(accountId, 'first')).toBeUndefined();
  });

  it('ensures a chosen key: creates it, keeps it, replaces its secret, never takes another user’s', async () => {
    const accountId = await newAccount();
    await identities.createUser(accountId, 'ops');
    await identities.createUser(accountId, 'dev');
    const wanted = { accessKeyId: `ENSURED${accountId}0`, secretAccessKey: 'first-secret' };
    expect(await identities.ensureAccessKey(accountId, 'ops', wanted)).toEqual({ change: 'created', status: 'Active' });
    expect(await identities.ensureAccessKey(accountId, 'ops', wanted)).toEqual({ change: 'unchanged', status: 'Active' });
    await identities.setAccessKeyStatus(accountId, 'ops', wanted.accessKeyId, 'Inactive');
    const rotated = { ...wanted, secretAccessKey: 'second-secret' };
    expect(await identities.ensureAccessKey(accountId, 'ops', rotated)).toEqual({ change: 'updated', status: 'Inactive' });
    expect((await identities.findAccessKey(wanted.accessKeyId))?.secretAccessKey).toBe('second-secret');
    expect(await identities.listAccessKeys(accountId, 'ops')).toHaveLength(1);
    expect(await failure(identities.ensureAccessKey(accountId, 'dev', rotated))).toBe('ACCESS_KEY_EXISTS');
  });
});
