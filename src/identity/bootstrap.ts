import type { AccessKeyStatus, Identities } from './identities.js';

export const ADMIN_USER_NAME = 'admin';
export const ADMINISTRATOR_POLICY_NAME = 'AdministratorAccess';
export const ADMINISTRATOR_POLICY_DOCUMENT = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
});
export const DEFAULT_ACCOUNT_NAME = 'default';

export interface BootstrapOptions {
  /** The default account (the configured accountId). */
  accountId: string;
  /** The key the administrator must hold, when provisioned from the configuration. */
  rootAccessKey?: { accessKeyId: string; secretAccessKey: string };
  /** Shows a generated key to the operator, once; by default on stderr, never through the log. */
  announce?: (text: string) => void;
}

export type AdminAccessKeyOutcome =
  | { source: 'configured'; accessKeyId: string; change: 'created' | 'updated' | 'unchanged'; status: AccessKeyStatus }
  | { source: 'generated'; accessKeyId: string }
  | { source: 'existing' };

export interface BootstrapOutcome {
  accountCreated: boolean;
  adminCreated: boolean;
  policyCreated: boolean;
  accessKey: AdminAccessKeyOutcome;
}

/**
 * Makes sure someone can administer the registry: the default account exists with an
 * `admin` user allowed everything, holding the configured access key, or else a generated
 * one shown once when admin has none. Safe to run on every start, on every node.
 */
export async function bootstrapIdentities(identities: Identities, options: BootstrapOptions): Promise<BootstrapOutcome> {
  const { accountId } = options;
  const accountCreated = await identities.ensureAccount(accountId, DEFAULT_ACCOUNT_NAME);
  const adminCreated = await identities.ensureUser(accountId, ADMIN_USER_NAME);
  const policyCreated = await identities.ensureUserPolicy(accountId, ADMIN_USER_NAME, ADMINISTRATOR_POLICY_NAME, ADMINISTRATOR_POLICY_DOCUMENT);
  return { accountCreated, adminCreated, policyCreated, accessKey: await ensureAdminAccessKey(identities, options) };
}

async function ensureAdminAccessKey(identities: Identities, options: BootstrapOptions): Promise<AdminAccessKeyOutcome> {
  if (options.rootAccessKey) {
    const { change, status } = await identities.ensureAccessKey(options.accountId, ADMIN_USER_NAME, options.rootAccessKey);
    return { source: 'configured', accessKeyId: options.rootAccessKey.accessKeyId, change, status };
  }
  const generated = await identities.createAccessKeyIfNone(options.accountId, ADMIN_USER_NAME);
  if (!generated) return { source: 'existing' };
  const announce = options.announce ?? ((text: string) => void process.stderr.write(text));
  announce(
    'Stowage administrator access key (shown once):\n' +
      `AWS_ACCESS_KEY_ID=${generated.accessKeyId}\n` +
      `AWS_SECRET_ACCESS_KEY=${generated.secretAccessKey}\n`,
  );
  return { source: 'generated', accessKeyId: generated.accessKeyId };
}
