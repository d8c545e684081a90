import type { Kysely } from 'kysely';
import type { Database } from '../storage/meta/database.js';
import * as store from '../storage/meta/identities.js';
import type { AccessKeyStatus, UserRow } from '../storage/meta/identities.js';
import type { Queryable, Schema } from '../storage/meta/schema.js';
import { ACCESS_KEY_ID_PATTERN, generateAccessKeyId, generateSecretAccessKey, SECRET_ACCESS_KEY_PATTERN } from './credentials.js';
import { IdentityError } from './errors.js';
import { checkAccountId, checkAccountName, checkPolicyName, checkUserName, userArn } from './names.js';
import { checkPolicyDocumentShape, type PolicyDocumentValidator } from './policy-document.js';
import type { SecretBox } from './secret-box.js';

export type { AccessKeyStatus } from '../storage/meta/identities.js';

export interface Account {
  accountId: string;
  name: string;
  createdAt: number;
}

export interface User {
  accountId: string;
  userName: string;
  arn: string;
  createdAt: number;
}

/** What may be shown about an access key: everything but its secret. */
export interface AccessKeyMetadata {
  accessKeyId: string;
  userName: string;
  status: AccessKeyStatus;
  createdAt: number;
  lastUsedAt: number | null;
}

/** A key as it is created: the only time its secret is handed out by an administrative call. */
export interface NewAccessKey extends AccessKeyMetadata {
  secretAccessKey: string;
}

export interface Principal {
  accountId: string;
  userName: string;
  arn: string;
  type: 'User';
}

/** What SigV4 verification needs to check a request signed with an access key. */
export interface AccessKeyCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  status: AccessKeyStatus;
  principal: Principal;
}

export interface UserPolicy {
  policyName: string;
  document: string;
}

export interface IdentitiesOptions {
  database: Database;
  secrets: SecretBox;
  now?: () => number;
  /** Refuses bad identity policies; by default only their JSON shape is checked. */
  validatePolicyDocument?: PolicyDocumentValidator;
}

/** last_used_at is written at most this often per key, so signed requests rarely cost a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Accounts, IAM users, their access keys (secrets sealed at rest) and inline policies. */
export class Identities {
  private readonly db: Kysely<Schema>;
  /** The master key's box: also the source of derived signing keys (login tokens, download URLs). */
  readonly secrets: SecretBox;
  private readonly now: () => number;
  private readonly validatePolicyDocument: PolicyDocumentValidator;
  private readonly lastUseRecorded = new Map<string, number>();
  private secretsKeyConfirmed = false;

  constructor(options: IdentitiesOptions) {
    this.db = options.database.db;
    this.secrets = options.secrets;
    this.now = options.now ?? Date.now;
    this.validatePolicyDocument = options.validatePolicyDocument ?? checkPolicyDocumentShape;
  }

  async createAccount(accountId: string, name: string = accountId): Promise<Account> {
    const account = { id: accountId, name, createdAt: this.now() };
    if (!(await this.insertAccount(account))) throw new IdentityError('ACCOUNT_EXISTS', `account ${accountId} already exists`);
    return { accountId, name, createdAt: account.createdAt };
  }

  /** Creates the account unless it exists; resolves to whether it did. */
  async ensureAccount(accountId: string, name: string = accountId): Promise<boolean> {
    return this.insertAccount({ id: accountId, name, createdAt: this.now() });
  }

  async listAccounts(): Promise<Account[]> {
    const rows = await store.listAccounts(this.db);
    return rows.map((row) => ({ accountId: row.id, name: row.name, createdAt: row.createdAt }));
  }

  async createUser(accountId: string, userName: string): Promise<User> {
    checkUserName(userName);
    await this.requireAccount(accountId);
    const row = await store.insertUser(this.db, accountId, userName, this.now());
    if (!row) throw new IdentityError('USER_EXISTS', `user ${userName} already exists in account ${accountId}`);
    return toUser(row);
  }

  /** Creates the user unless it exists; resolves to whether it did. */
  async ensureUser(accountId: string, userName: string): Promise<boolean> {
    checkUserName(userName);
    await this.requireAccount(accountId);
    return (await store.insertUser(this.db, accountId, userName, this.now())) !== undefined;
  }

  async getUser(accountId: string, userName: string): Promise<User> {
    return toUser(await this.requireUser(this.db, accountId, userName));
  }

  async listUsers(accountId: string): Promise<User[]> {
    await this.requireAccount(accountId);
    return (await store.listUsers(this.db, accountId)).map(toUser);
  }

  /** Deletes the user with its access keys and policies. */
  async deleteUser(accountId: string, userName: string): Promise<void> {
    const user = await this.requireUser(this.db, accountId, userName);
    if (!(await store.deleteUser(this.db, user.id))) throw unknownUser(accountId, userName);
  }

  /**
   * Creates an Active key for the user: a generated one, or the id and secret given (for
   * keys that must be known in advance, such as one provisioned from the environment).
   */
  async createAccessKey(
    accountId: string,
    userName: string,
    given?: { accessKeyId: string; secretAccessKey: string },
  ): Promise<NewAccessKey> {
    if (given) checkChosenAccessKey(given.accessKeyId, given.secretAccessKey);
    const user = await this.requireUser(this.db, accountId, userName);
    return this.insertAccessKey(this.db, user, given ?? { accessKeyId: generateAccessKeyId(), secretAccessKey: generateSecretAccessKey() });
  }

  /**
   * Generates a key for the user only if the user has none, atomically: nodes starting
   * together over one database create one key between them. Resolves to the new key.
   */
  async createAccessKeyIfNone(accountId: string, userName: string): Promise<NewAccessKey | undefined> {
    return this.db.transaction().execute(async (trx) => {
      await store.lockUser(trx, accountId, userName);
      const user = await this.requireUser(trx, accountId, userName);
      if ((await store.countAccessKeys(trx, user.id)) > 0) return undefined;
      return this.insertAccessKey(trx, user, { accessKeyId: generateAccessKeyId(), secretAccessKey: generateSecretAccessKey() });
    });
  }

  /**
   * Makes the user hold exactly this key id with exactly this secret: creates it, or
   * replaces its secret when it differs. Its status is left as it is. A key that belongs to
   * someone else, or whose stored secret does not open under the master key, is refused:
   * overwriting it could lock out other nodes that share the database.
   */
  async ensureAccessKey(
    accountId: string,
    userName: string,
    wanted: { accessKeyId: string; secretAccessKey: string },
  ): Promise<{ change: 'created' | 'updated' | 'unchanged'; status: AccessKeyStatus }> {
    checkChosenAccessKey(wanted.accessKeyId, wanted.secretAccessKey);
    return this.db.transaction().execute(async (trx) => {
      await store.lockUser(trx, accountId, userName);
      const user = await this.requireUser(trx, accountId, userName);
      const existing = await store.findAccessKeyWithOwner(trx, wanted.accessKeyId);
      if (!existing) {
        const created = await this.insertAccessKey(trx, user, wanted);
        return { change: 'created' as const, status: created.status };
      }
      if (existing.userId !== user.id) {
        throw new IdentityError(
          'ACCESS_KEY_EXISTS',
          `access key ${wanted.accessKeyId} belongs to user ${existing.userName} of account ${existing.accountId}`,
        );
      }
      const stored = this.openSecret(existing.accessKeyId, existing.secretCiphertext);
      if (stored === wanted.secretAccessKey) return { change: 'unchanged' as const, status: existing.status };
      await store.setAccessKeySecret(trx, user.id, wanted.accessKeyId, this.secrets.seal(wanted.secretAccessKey, wanted.accessKeyId));
      return { change: 'updated' as const, status: existing.status };
    });
  }

  async listAccessKeys(accountId: string, userName: string): Promise<AccessKeyMetadata[]> {
    const user = await this.requireUser(this.db, accountId, userName);
    const rows = await store.listAccessKeys(this.db, user.id);
    return rows.map((row) => ({
      accessKeyId: row.accessKeyId,
      userName: user.name,
      status: row.status,
      createdAt: row.createdAt,
      lastUsedAt: row.lastUsedAt,
    }));
  }

  async setAccessKeyStatus(accountId: string, userName: string, accessKeyId: string, status: AccessKeyStatus): Promise<void> {
    if (status !== 'Active' && status !== 'Inactive') {
      throw new IdentityError('INVALID_PARAMETER', `status must be Active or Inactive, not '${String(status)}'`);
    }
    const user = await this.requireUser(this.db, accountId, userName);
    if (!(await store.setAccessKeyStatus(this.db, user.id, accessKeyId, status))) throw unknownAccessKey(accessKeyId, userName);
  }

  async deleteAccessKey(accountId: string, userName: string, accessKeyId: string): Promise<void> {
    const user = await this.requireUser(this.db, accountId, userName);
    if (!(await store.deleteAccessKey(this.db, user.id, accessKeyId))) throw unknownAccessKey(accessKeyId, userName);
    this.lastUseRecorded.delete(accessKeyId);
  }

  /** Creates or replaces the user's inline policy, once the validator accepts it. */
  async putUserPolicy(accountId: string, userName: string, policyName: string, documentText: string): Promise<void> {
    checkPolicyName(policyName);
    this.validatePolicyDocument(documentText);
    const user = await this.requireUser(this.db, accountId, userName);
    await store.putUserPolicy(this.db, user.id, policyName, documentText);
  }

  /** Creates the policy unless the user has one by that name (which is left as it is); resolves to whether it did. */
  async ensureUserPolicy(accountId: string, userName: string, policyName: string, documentText: string): Promise<boolean> {
    checkPolicyName(policyName);
    this.validatePolicyDocument(documentText);
    const user = await this.requireUser(this.db, accountId, userName);
    return store.insertUserPolicy(this.db, user.id, policyName, documentText);
  }

  async getUserPolicy(accountId: string, userName: string, policyName: string): Promise<UserPolicy> {
    const user = await this.requireUser(this.db, accountId, userName);
    const document = await store.findUserPolicy(this.db, user.id, policyName);
    if (document === undefined) throw unknownPolicy(policyName, userName);
    return { policyName, document };
  }

  /** The names of the user's inline policies, in order. */
  async listUserPolicies(accountId: string, userName: string): Promise<string[]> {
    return (await this.listUserPolicyDocuments(accountId, userName)).map((policy) => policy.policyName);
  }

  /** The user's inline policies with their documents: what authorization evaluates. */
  async listUserPolicyDocuments(accountId: string, userName: string): Promise<UserPolicy[]> {
    const user = await this.requireUser(this.db, accountId, userName);
    const rows = await store.listUserPolicies(this.db, user.id);
    return rows.map((row) => ({ policyName: row.name, document: row.document }));
  }

  async deleteUserPolicy(accountId: string, userName: string, policyName: string): Promise<void> {
    const user = await this.requireUser(this.db, accountId, userName);
    if (!(await store.deleteUserPolicy(this.db, user.id, policyName))) throw unknownPolicy(policyName, userName);
  }

  /**
   * The key with its secret and the principal it signs for, Inactive keys included (the
   * caller refuses them); undefined for a key that does not exist.
   */
  async findAccessKey(accessKeyId: string): Promise<AccessKeyCredentials | undefined> {
    const row = await store.findAccessKeyWithOwner(this.db, accessKeyId);
    if (!row) return undefined;
    return {
      accessKeyId: row.accessKeyId,
      secretAccessKey: this.openSecret(row.accessKeyId, row.secretCiphertext),
      status: row.status,
      principal: { accountId: row.accountId, userName: row.userName, arn: userArn(row.accountId, row.userName), type: 'User' },
    };
  }

  /**
   * Refuses a master key other than the one the stored secrets were sealed with (a node or
   * a command run without the shared STOWAGE_SECRETS_KEY): secrets sealed under it would
   * not open anywhere else. Checked before every seal; the server also checks at start.
   */
  async checkSecretsKey(db: Queryable = this.db): Promise<void> {
    if (this.secretsKeyConfirmed) return;
    const sample = await store.sampleAccessKeySecret(db);
    if (!sample) return;
    if (this.secrets.open(sample.secretCiphertext, sample.accessKeyId) === undefined) {
      throw new IdentityError(
        'SECRET_UNREADABLE',
        'the stored access key secrets were sealed with another secrets key: use the same STOWAGE_SECRETS_KEY ' +
          '(or <dataDir>/secrets.key) on every node and for stowage admin',
      );
    }
    this.secretsKeyConfirmed = true;
  }

  /** Notes that a request signed with the key was accepted; written at most once a minute per key. */
  async recordAccessKeyUse(accessKeyId: string): Promise<void> {
    const now = this.now();
    const recorded = this.lastUseRecorded.get(accessKeyId);
    if (recorded !== undefined && now - recorded < LAST_USED_RESOLUTION_MS) return;
    this.lastUseRecorded.set(accessKeyId, now);
    await store.recordAccessKeyUse(this.db, accessKeyId, now);
  }

  private async insertAccount(account: { id: string; name: string; createdAt: number }): Promise<boolean> {
    checkAccountId(account.id);
    checkAccountName(account.name);
    return store.insertAccount(this.db, account);
  }

  private async requireAccount(accountId: string): Promise<void> {
    checkAccountId(accountId);
    if (!(await store.findAccount(this.db, accountId))) throw new IdentityError('ACCOUNT_UNKNOWN', `account ${accountId} does not exist`);
  }

  private async requireUser(db: Queryable, accountId: string, userName: string): Promise<UserRow> {
    checkAccountId(accountId);
    checkUserName(userName);
    const user = await store.findUser(db, accountId, userName);
    if (user) return user;
    if (!(await store.findAccount(db, accountId))) throw new IdentityError('ACCOUNT_UNKNOWN', `account ${accountId} does not exist`);
    throw unknownUser(accountId, userName);
  }

  private async insertAccessKey(
    db: Queryable,
    user: UserRow,
    key: { accessKeyId: string; secretAccessKey: string },
  ): Promise<NewAccessKey> {
    await this.checkSecretsKey(db);
    const createdAt = this.now();
    const inserted = await store.insertAccessKey(db, {
      accessKeyId: key.accessKeyId,
      userId: user.id,
      secretCiphertext: this.secrets.seal(key.secretAccessKey, key.accessKeyId),
      status: 'Active',
      createdAt,
    });
    if (!inserted) throw new IdentityError('ACCESS_KEY_EXISTS', `access key ${key.accessKeyId} already exists`);
    return { ...key, userName: user.name, status: 'Active', createdAt, lastUsedAt: null };
  }

  private openSecret(accessKeyId: string, sealed: string): string {
    const secret = this.secrets.open(sealed, accessKeyId);
    if (secret === undefined) {
      throw new IdentityError(
        'SECRET_UNREADABLE',
        `the secret of access key ${accessKeyId} does not open with this secrets key: ` +
          'every node must use the secrets key it was stored with (STOWAGE_SECRETS_KEY or <dataDir>/secrets.key)',
      );
    }
    return secret;
  }
}

function checkChosenAccessKey(accessKeyId: string, secretAccessKey: string): void {
  if (!ACCESS_KEY_ID_PATTERN.test(accessKeyId)) {
    throw new IdentityError('INVALID_PARAMETER', 'access key id must be 16 to 128 characters of A-Z and 0-9');
  }
  if (!SECRET_ACCESS_KEY_PATTERN.test(secretAccessKey)) {
    throw new IdentityError('INVALID_PARAMETER', 'secret access key must be 8 to 128 printable characters without spaces');
  }
}

function toUser(row: UserRow): User {
  return { accountId: row.accountId, userName: row.name, arn: userArn(row.accountId, row.name), createdAt: row.createdAt };
}

function unknownUser(accountId: string, userName: string): IdentityError {
  return new IdentityError('USER_UNKNOWN', `user ${userName} does not exist in account ${accountId}`);
}

function unknownAccessKey(accessKeyId: string, userName: string): IdentityError {
  return new IdentityError('ACCESS_KEY_UNKNOWN', `user ${userName} has no access key ${accessKeyId}`);
}

function unknownPolicy(policyName: string, userName: string): IdentityError {
  return new IdentityError('POLICY_UNKNOWN', `user ${userName} has no policy ${policyName}`);
}
