import type { Queryable } from './schema.js';

export interface AccountRow {
  id: string;
  name: string;
  createdAt: number;
}

export interface UserRow {
  id: number;
  accountId: string;
  name: string;
  createdAt: number;
}

export type AccessKeyStatus = 'Active' | 'Inactive';

export interface AccessKeyRow {
  accessKeyId: string;
  userId: number;
  status: AccessKeyStatus;
  createdAt: number;
  lastUsedAt: number | null;
}

/** An access key with its sealed secret and the user it belongs to. */
export interface AccessKeyOwnerRow extends AccessKeyRow {
  secretCiphertext: string;
  accountId: string;
  userName: string;
}

/** Creates an account; resolves to false when the id is taken. */
export async function insertAccount(db: Queryable, account: AccountRow): Promise<boolean> {
  const inserted = await db
    .insertInto('accounts')
    .values({ id: account.id, name: account.name, created_at: account.createdAt })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function findAccount(db: Queryable, id: string): Promise<AccountRow | undefined> {
  const row = await db.selectFrom('accounts').select(['id', 'name', 'created_at']).where('id', '=', id).executeTakeFirst();
  return row && { id: row.id, name: row.name, createdAt: row.created_at };
}

export async function listAccounts(db: Queryable): Promise<AccountRow[]> {
  const rows = await db.selectFrom('accounts').select(['id', 'name', 'created_at']).orderBy('id').execute();
  return rows.map((row) => ({ id: row.id, name: row.name, createdAt: row.created_at }));
}

/** Creates a user; resolves to undefined when the account already has one by that name. */
export async function insertUser(db: Queryable, accountId: string, name: string, now: number): Promise<UserRow | undefined> {
  const inserted = await db
    .insertInto('iam_users')
    .values({ account_id: accountId, name, created_at: now })
    .onConflict((oc) => oc.columns(['account_id', 'name']).doNothing())
    .returning(['id', 'account_id', 'name', 'created_at'])
    .executeTakeFirst();
  return inserted && { id: inserted.id, accountId: inserted.account_id, name: inserted.name, createdAt: inserted.created_at };
}

export async function findUser(db: Queryable, accountId: string, name: string): Promise<UserRow | undefined> {
  const row = await db
    .selectFrom('iam_users')
    .select(['id', 'account_id', 'name', 'created_at'])
    .where('account_id', '=', accountId)
    .where('name', '=', name)
    .executeTakeFirst();
  return row && { id: row.id, accountId: row.account_id, name: row.name, createdAt: row.created_at };
}

/**
 * Inside a transaction, holds the user's row until it ends; call it before reading. A write that changes nothing
 * locks on both dialects: the row on PostgreSQL, the database on SQLite (taken at once, so
 * two SQLite writers never deadlock upgrading a read lock).
 */
export async function lockUser(db: Queryable, accountId: string, name: string): Promise<void> {
  await db
    .updateTable('iam_users')
    .set((eb) => ({ created_at: eb.ref('created_at') }))
    .where('account_id', '=', accountId)
    .where('name', '=', name)
    .execute();
}

export async function listUsers(db: Queryable, accountId: string): Promise<UserRow[]> {
  const rows = await db
    .selectFrom('iam_users')
    .select(['id', 'account_id', 'name', 'created_at'])
    .where('account_id', '=', accountId)
    .orderBy('name')
    .execute();
  return rows.map((row) => ({ id: row.id, accountId: row.account_id, name: row.name, createdAt: row.created_at }));
}

/** Deletes the user with its access keys and policies (they cascade). */
export async function deleteUser(db: Queryable, userId: number): Promise<boolean> {
  const result = await db.deleteFrom('iam_users').where('id', '=', userId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Stores an access key; resolves to false when the id is taken (by any user). */
export async function insertAccessKey(
  db: Queryable,
  key: { accessKeyId: string; userId: number; secretCiphertext: string; status: AccessKeyStatus; createdAt: number },
): Promise<boolean> {
  const inserted = await db
    .insertInto('access_keys')
    .values({
      access_key_id: key.accessKeyId,
      user_id: key.userId,
      secret_ciphertext: key.secretCiphertext,
      status: key.status,
      created_at: key.createdAt,
      last_used_at: null,
    })
    .onConflict((oc) => oc.column('access_key_id').doNothing())
    .returning('access_key_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** The key with its sealed secret and owner: the one query SigV4 verification makes. */
export async function findAccessKeyWithOwner(db: Queryable, accessKeyId: string): Promise<AccessKeyOwnerRow | undefined> {
  const row = await db
    .selectFrom('access_keys')
    .innerJoin('iam_users', 'iam_users.id', 'access_keys.user_id')
    .select([
      'access_keys.access_key_id',
      'access_keys.user_id',
      'access_keys.secret_ciphertext',
      'access_keys.status',
      'access_keys.created_at',
      'access_keys.last_used_at',
      'iam_users.account_id',
      'iam_users.name',
    ])
    .where('access_keys.access_key_id', '=', accessKeyId)
    .executeTakeFirst();
  return (
    row && {
      accessKeyId: row.access_key_id,
      userId: row.user_id,
      secretCiphertext: row.secret_ciphertext,
      status: row.status,
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
      accountId: row.account_id,
      userName: row.name,
    }
  );
}

/** Any one stored secret (the oldest), to tell whether the master key in use is the one it was sealed with. */
export async function sampleAccessKeySecret(db: Queryable): Promise<{ accessKeyId: string; secretCiphertext: string } | undefined> {
  const row = await db
    .selectFrom('access_keys')
    .select(['access_key_id', 'secret_ciphertext'])
    .orderBy('created_at')
    .orderBy('access_key_id')
    .limit(1)
    .executeTakeFirst();
  return row && { accessKeyId: row.access_key_id, secretCiphertext: row.secret_ciphertext };
}

export async function listAccessKeys(db: Queryable, userId: number): Promise<AccessKeyRow[]> {
  const rows = await db
    .selectFrom('access_keys')
    .select(['access_key_id', 'user_id', 'status', 'created_at', 'last_used_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('access_key_id')
    .execute();
  return rows.map((row) => ({
    accessKeyId: row.access_key_id,
    userId: row.user_id,
    status: row.status,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  }));
}

export async function countAccessKeys(db: Queryable, userId: number): Promise<number> {
  const row = await db
    .selectFrom('access_keys')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Resolves to false when the user has no such key. */
export async function setAccessKeyStatus(db: Queryable, userId: number, accessKeyId: string, status: AccessKeyStatus): Promise<boolean> {
  const result = await db
    .updateTable('access_keys')
    .set({ status })
    .where('access_key_id', '=', accessKeyId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function setAccessKeySecret(db: Queryable, userId: number, accessKeyId: string, secretCiphertext: string): Promise<boolean> {
  const result = await db
    .updateTable('access_keys')
    .set({ secret_ciphertext: secretCiphertext })
    .where('access_key_id', '=', accessKeyId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function recordAccessKeyUse(db: Queryable, accessKeyId: string, at: number): Promise<void> {
  await db.updateTable('access_keys').set({ last_used_at: at }).where('access_key_id', '=', accessKeyId).execute();
}

export async function deleteAccessKey(db: Queryable, userId: number, accessKeyId: string): Promise<boolean> {
  const result = await db.deleteFrom('access_keys').where('access_key_id', '=', accessKeyId).where('user_id', '=', userId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Creates or replaces the user's inline policy of that name. */
export async function putUserPolicy(db: Queryable, userId: number, name: string, document: string): Promise<void> {
  await db
    .insertInto('user_policies')
    .values({ user_id: userId, name, document })
    .onConflict((oc) => oc.columns(['user_id', 'name']).doUpdateSet({ document }))
    .execute();
}

/** Creates the policy only when the user has none by that name; resolves to whether it did. */
export async function insertUserPolicy(db: Queryable, userId: number, name: string, document: string): Promise<boolean> {
  const inserted = await db
    .insertInto('user_policies')
    .values({ user_id: userId, name, document })
    .onConflict((oc) => oc.columns(['user_id', 'name']).doNothing())
    .returning('name')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function findUserPolicy(db: Queryable, userId: number, name: string): Promise<string | undefined> {
  const row = await db.selectFrom('user_policies').select('document').where('user_id', '=', userId).where('name', '=', name).executeTakeFirst();
  return row?.document;
}

/** The user's inline policies in name order. */
export async function listUserPolicies(db: Queryable, userId: number): Promise<{ name: string; document: string }[]> {
  return db.selectFrom('user_policies').select(['name', 'document']).where('user_id', '=', userId).orderBy('name').execute();
}

export async function deleteUserPolicy(db: Queryable, userId: number, name: string): Promise<boolean> {
  const result = await db.deleteFrom('user_policies').where('user_id', '=', userId).where('name', '=', name).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function getRegistryPolicy(db: Queryable, registryId: string): Promise<{ document: string; updatedAt: number } | undefined> {
  const row = await db.selectFrom('registry_policies').select(['document', 'updated_at']).where('registry_id', '=', registryId).executeTakeFirst();
  return row && { document: row.document, updatedAt: row.updated_at };
}

export async function putRegistryPolicy(db: Queryable, registryId: string, document: string, now: number): Promise<void> {
  await db
    .insertInto('registry_policies')
    .values({ registry_id: registryId, document, updated_at: now })
    .onConflict((oc) => oc.column('registry_id').doUpdateSet({ document, updated_at: now }))
    .execute();
}

export async function deleteRegistryPolicy(db: Queryable, registryId: string): Promise<boolean> {
  const result = await db.deleteFrom('registry_policies').where('registry_id', '=', registryId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
