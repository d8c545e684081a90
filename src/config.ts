import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * The one typed configuration. Sources, later ones winning: built-in defaults, a JSON
 * config file (`--config`), environment variables (STOWAGE_*), command-line flags.
 */
/** A boolean from JSON, or from the text of an environment variable or flag. */
const booleanSetting = z.union([z.boolean(), z.enum(['true', 'false']).transform((text) => text === 'true')]);

export const configSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.coerce.number().int().min(0).max(65535).default(5000),
    /** Where the embedded stores live: blobs/, uploads/ and metadata.sqlite. */
    dataDir: z.string().min(1).default('./data'),
    /** Metadata database: `sqlite:<file>` or `postgres://…`; defaults to SQLite in dataDir. */
    databaseUrl: z.string().min(1).optional(),
    /** The account id that owns the registry (ECR's registryId). */
    accountId: z.string().regex(/^\d{12}$/, 'must be 12 digits').default('000000000000'),
    region: z.string().min(1).default('us-east-1'),
    /**
     * With a domain (e.g. `registry.example.com`, with a wildcard DNS record and TLS in front),
     * registries are addressed as ECR's are: `<account>.dkr.ecr.<region>.<domain>`.
     */
    registryDomain: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'must be a DNS domain name')
      .optional(),
    maxManifestBytes: z.coerce.number().int().positive().default(4 * 1024 * 1024),
    /** Upload sessions untouched this long are removed. */
    uploadTimeoutSeconds: z.coerce.number().int().positive().default(24 * 3600),
    /** How often abandoned uploads are looked for, and pull times are written. */
    maintenanceIntervalSeconds: z.coerce.number().positive().default(60),
    pullRecordIntervalSeconds: z.coerce.number().positive().default(5),
    /** How often lifecycle policies are applied (ECR: daily); 0 turns the schedule off. */
    lifecycleIntervalSeconds: z.coerce.number().min(0).default(24 * 3600),
    /** How often garbage is collected; 0 turns the schedule off. */
    gcIntervalSeconds: z.coerce.number().min(0).default(24 * 3600),
    /**
     * How long a blob stays after nothing references it (a client that was just told a blob
     * exists relies on it until its manifest is pushed). Keep it well above 10 minutes.
     */
    gcGracePeriodSeconds: z.coerce.number().min(0).default(24 * 3600),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /**
     * `required`: `/v2/` takes the login token of GetAuthorizationToken and authorizes every
     * request by policy, as ECR does. `disabled`: anyone may pull and push (development only).
     */
    dataPlaneAuth: z.enum(['required', 'disabled']).default('required'),
    /** Whether a push to a repository that does not exist creates it (ECR refuses: NAME_UNKNOWN). */
    createOnPush: booleanSetting.default(false),
    /** How long an authorization decision on `/v2/` is reused for the same caller, action and repository. */
    authorizationCacheSeconds: z.coerce.number().min(0).default(1),
    /**
     * Master key sealing access key secrets, base64 of 32 bytes. Without it the key is kept
     * in `<dataDir>/secrets.key`; nodes sharing one database must all be given the same key.
     */
    secretsKey: z.string().refine(isBase64Of32Bytes, 'must be the base64 encoding of 32 bytes').optional(),
    /** An access key for the `admin` user, provisioned at startup (usually from the environment). */
    rootAccessKeyId: z.string().regex(/^[A-Z0-9]{16,128}$/, 'must be 16 to 128 characters of A-Z and 0-9').optional(),
    rootSecretAccessKey: z
      .string()
      .regex(/^[\x21-\x7e]{8,128}$/, 'must be 8 to 128 printable characters without spaces')
      .optional(),
  })
  .strict()
  .refine((config) => (config.rootAccessKeyId === undefined) === (config.rootSecretAccessKey === undefined), {
    message: 'rootAccessKeyId and rootSecretAccessKey must be set together',
    path: ['rootAccessKeyId'],
  });

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** Environment variable for each setting. */
export const ENVIRONMENT_VARIABLES: Record<keyof Config, string> = {
  host: 'STOWAGE_HOST',
  port: 'STOWAGE_PORT',
  dataDir: 'STOWAGE_DATA_DIR',
  databaseUrl: 'STOWAGE_DATABASE_URL',
  accountId: 'STOWAGE_ACCOUNT_ID',
  region: 'STOWAGE_REGION',
  registryDomain: 'STOWAGE_REGISTRY_DOMAIN',
  maxManifestBytes: 'STOWAGE_MAX_MANIFEST_BYTES',
  uploadTimeoutSeconds: 'STOWAGE_UPLOAD_TIMEOUT_SECONDS',
  maintenanceIntervalSeconds: 'STOWAGE_MAINTENANCE_INTERVAL_SECONDS',
  pullRecordIntervalSeconds: 'STOWAGE_PULL_RECORD_INTERVAL_SECONDS',
  lifecycleIntervalSeconds: 'STOWAGE_LIFECYCLE_INTERVAL_SECONDS',
  gcIntervalSeconds: 'STOWAGE_GC_INTERVAL_SECONDS',
  gcGracePeriodSeconds: 'STOWAGE_GC_GRACE_PERIOD_SECONDS',
  logLevel: 'STOWAGE_LOG_LEVEL',
  dataPlaneAuth: 'STOWAGE_DATA_PLANE_AUTH',
  createOnPush: 'STOWAGE_CREATE_ON_PUSH',
  authorizationCacheSeconds: 'STOWAGE_AUTHORIZATION_CACHE_SECONDS',
  secretsKey: 'STOWAGE_SECRETS_KEY',
  rootAccessKeyId: 'STOWAGE_ROOT_ACCESS_KEY_ID',
  rootSecretAccessKey: 'STOWAGE_ROOT_SECRET_ACCESS_KEY',
};

export class ConfigError extends Error {}

export function loadConfig(options: {
  file?: string;
  env?: NodeJS.ProcessEnv;
  overrides?: Partial<Record<keyof Config, unknown>>;
}): Config {
  const fromFile = options.file ? readConfigFile(options.file) : {};
  const fromEnv: Record<string, unknown> = {};
  const env = options.env ?? process.env;
  for (const [key, variable] of Object.entries(ENVIRONMENT_VARIABLES)) {
    if (env[variable] !== undefined && env[variable] !== '') fromEnv[key] = env[variable];
  }
  const overrides = Object.fromEntries(Object.entries(options.overrides ?? {}).filter(([, value]) => value !== undefined));
  const result = configSchema.safeParse({ ...fromFile, ...fromEnv, ...overrides });
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'config'}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return result.data;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

function isBase64Of32Bytes(text: string): boolean {
  const key = Buffer.from(text.trim(), 'base64');
  return key.length === 32 && key.toString('base64') === text.trim();
}

export function databaseUrlOf(config: Config): string {
  return config.databaseUrl ?? `sqlite:${path.join(config.dataDir, 'metadata.sqlite')}`;
}
