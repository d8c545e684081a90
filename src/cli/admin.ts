import { Command, InvalidArgumentError, Option } from 'commander';
import fs from 'node:fs';
import { AccessControl } from '../auth/access-control.js';
import { databaseUrlOf, type Config } from '../config.js';
import { DEFAULT_ACCOUNT_NAME } from '../identity/bootstrap.js';
import type { AccessKeyMetadata, Account, Identities, User } from '../identity/identities.js';
import { openIdentities } from '../identity/open.js';
import { openRegistry } from '../registry/open.js';
import { FsBlobStore } from '../storage/blobs/fs-blob-store.js';
import { openDatabase, type Database } from '../storage/meta/database.js';
import { addStorageOptions, loadConfigWith, type StorageOptions } from './storage-options.js';

/**
 * `stowage admin …`: identity administration straight on the storage, beside or without a
 * running server. Commands and output follow `aws iam …` where there is an equivalent.
 */
export function registerAdminCommands(program: Command): void {
  const admin = program.command('admin').description('manage accounts, users, access keys and policies');

  subcommand(admin, 'create-account', 'create an account')
    .requiredOption('--account-id <id>', 'the 12-digit account id')
    .option('--name <name>', 'a display name (default: the id)')
    .action(withIdentities(async (identities, options) => ({ Account: accountOutput(await identities.createAccount(options.accountId, options.name)) })));

  subcommand(admin, 'list-accounts', 'list the accounts').action(
    withIdentities(async (identities) => ({ Accounts: (await identities.listAccounts()).map(accountOutput) })),
  );

  accountCommand(admin, 'create-user', 'create an IAM user')
    .requiredOption('--user-name <name>', 'the user name')
    .action(withIdentities(async (identities, options) => ({ User: userOutput(await identities.createUser(options.accountId, options.userName)) })));

  accountCommand(admin, 'list-users', 'list the users of an account').action(
    withIdentities(async (identities, options) => ({ Users: (await identities.listUsers(options.accountId)).map(userOutput) })),
  );

  accountCommand(admin, 'delete-user', 'delete a user with its access keys and policies')
    .requiredOption('--user-name <name>', 'the user name')
    .action(withIdentities((identities, options) => identities.deleteUser(options.accountId, options.userName)));

  accountCommand(admin, 'create-access-key', 'create an access key; its secret is shown only now')
    .requiredOption('--user-name <name>', 'the user name')
    .action(
      withIdentities(async (identities, options) => {
        const key = await identities.createAccessKey(options.accountId, options.userName);
        const { UserName, AccessKeyId, Status, CreateDate } = accessKeyOutput(key);
        return { AccessKey: { UserName, AccessKeyId, Status, SecretAccessKey: key.secretAccessKey, CreateDate } };
      }),
    );

  accountCommand(admin, 'list-access-keys', 'list the access keys of a user (without secrets)')
    .requiredOption('--user-name <name>', 'the user name')
    .action(
      withIdentities(async (identities, options) => ({
        AccessKeyMetadata: (await identities.listAccessKeys(options.accountId, options.userName)).map(accessKeyOutput),
      })),
    );

  accountCommand(admin, 'update-access-key', 'activate or deactivate an access key')
    .requiredOption('--user-name <name>', 'the user name')
    .requiredOption('--access-key-id <id>', 'the access key id')
    .addOption(new Option('--status <status>', 'the new status').choices(['Active', 'Inactive']).makeOptionMandatory())
    .action(withIdentities((identities, options) => identities.setAccessKeyStatus(options.accountId, options.userName, options.accessKeyId, options.status)));

  accountCommand(admin, 'delete-access-key', 'delete an access key')
    .requiredOption('--user-name <name>', 'the user name')
    .requiredOption('--access-key-id <id>', 'the access key id')
    .action(withIdentities((identities, options) => identities.deleteAccessKey(options.accountId, options.userName, options.accessKeyId)));

  accountCommand(admin, 'put-user-policy', "create or replace a user's inline policy")
    .requiredOption('--user-name <name>', 'the user name')
    .requiredOption('--policy-name <name>', 'the policy name')
    .requiredOption('--policy-document <json>', 'the policy as JSON, or file://<path> to read it from a file', readPolicyDocument)
    .action(
      withIdentities((identities, options) =>
        identities.putUserPolicy(options.accountId, options.userName, options.policyName, options.policyDocument),
      ),
    );

  accountCommand(admin, 'list-user-policies', "list the names of a user's inline policies")
    .requiredOption('--user-name <name>', 'the user name')
    .action(withIdentities(async (identities, options) => ({ PolicyNames: await identities.listUserPolicies(options.accountId, options.userName) })));

  accountCommand(admin, 'get-user-policy', "show a user's inline policy")
    .requiredOption('--user-name <name>', 'the user name')
    .requiredOption('--policy-name <name>', 'the policy name')
    .action(
      withIdentities(async (identities, options) => {
        const policy = await identities.getUserPolicy(options.accountId, options.userName, options.policyName);
        return { UserName: options.userName, PolicyName: policy.policyName, PolicyDocument: JSON.parse(policy.document) as unknown };
      }),
    );

  accountCommand(admin, 'delete-user-policy', "delete a user's inline policy")
    .requiredOption('--user-name <name>', 'the user name')
    .requiredOption('--policy-name <name>', 'the policy name')
    .action(withIdentities((identities, options) => identities.deleteUserPolicy(options.accountId, options.userName, options.policyName)));

  accountCommand(admin, 'explain', 'say whether a user may perform an ECR action, and which policy statements decide it')
    .requiredOption('--user-name <name>', 'the user asking')
    .requiredOption('--action <action>', 'the ECR action, e.g. ecr:PutImage')
    .option('--repository-name <name>', 'the repository acted on (omit for registry-wide actions)')
    .option('--registry-id <id>', "the registry acted on (default: the user's account)")
    .option('--source-ip <ip>', 'the address the request comes from, for aws:SourceIp conditions')
    .option('--secure-transport', 'the request comes over TLS, for aws:SecureTransport conditions')
    .action(
      withIdentities(async (identities, options, { config, database }) => {
        const registry = openRegistry(config, { database, blobs: new FsBlobStore(config.dataDir) });
        const user = await identities.getUser(options.accountId, options.userName);
        const result = await new AccessControl(identities, registry, config.region).decide({
          caller: { accountId: user.accountId, userName: user.userName, arn: user.arn, type: 'User' },
          action: options.action,
          registryId: options.registryId ?? user.accountId,
          repositoryName: options.repositoryName,
          sourceIp: options.sourceIp,
          secureTransport: options.secureTransport === true,
        });
        return { Decision: result.decision, Explanation: result.explain().split('\n') };
      }),
    );
}

function subcommand(parent: Command, name: string, description: string): Command {
  return addStorageOptions(parent.command(name).description(description));
}

/** A command acting inside one account, the configured one unless --account-id names another. */
function accountCommand(parent: Command, name: string, description: string): Command {
  return subcommand(parent, name, description).option('--account-id <id>', 'the account (default: the configured accountId)');
}

// Commander hands actions loosely typed options; each command reads the ones it declared.
type CommandOptions = StorageOptions & Record<string, any>;

/**
 * Runs a command against the configured storage and prints its result as JSON. The
 * configured account is made to exist first, as the server does, so users can be
 * provisioned before the server's first start.
 */
function withIdentities(task: (identities: Identities, options: CommandOptions, storage: { config: Config; database: Database }) => Promise<object | void>) {
  return async (options: CommandOptions) => {
    const config = loadConfigWith(options);
    const database = await openDatabase({ url: databaseUrlOf(config) });
    try {
      const identities = await openIdentities(config, database);
      await identities.ensureAccount(config.accountId, DEFAULT_ACCOUNT_NAME);
      const result = await task(identities, { ...options, accountId: options.accountId ?? config.accountId }, { config, database });
      if (result) process.stdout.write(`${JSON.stringify(result, null, 4)}\n`);
    } finally {
      await database.close();
    }
  };
}

/** The document itself, or the contents of `file://<path>`, as the AWS CLI takes it. */
function readPolicyDocument(value: string): string {
  if (!value.startsWith('file://')) return value;
  const file = value.slice('file://'.length);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

function isoDate(milliseconds: number): string {
  return new Date(milliseconds).toISOString();
}

function accountOutput(account: Account) {
  return { AccountId: account.accountId, Name: account.name, CreateDate: isoDate(account.createdAt) };
}

function userOutput(user: User) {
  return { UserName: user.userName, Arn: user.arn, CreateDate: isoDate(user.createdAt) };
}

function accessKeyOutput(key: AccessKeyMetadata) {
  return { UserName: key.userName, AccessKeyId: key.accessKeyId, Status: key.status, CreateDate: isoDate(key.createdAt) };
}
