import path from 'node:path';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { databaseUrlOf, type Config } from './config.js';
import { buildApp } from './http/app.js';
import { bootstrapIdentities, type BootstrapOutcome } from './identity/bootstrap.js';
import type { Identities } from './identity/identities.js';
import { openIdentities } from './identity/open.js';
import { runGarbageCollection } from './gc/run.js';
import { runLifecycle } from './jobs/lifecycle-run.js';
import { scheduleJob } from './jobs/schedule.js';
import { startScanWorker, type ScanWorker } from './scanning/worker.js';
import { settleLinkTouches } from './registry/link-touches.js';
import { openRegistry } from './registry/open.js';
import type { Registry } from './registry/registry.js';
import { FsBlobStore } from './storage/blobs/fs-blob-store.js';
import { openDatabase, type Database } from './storage/meta/database.js';
import { lastCompletedJobStart } from './storage/meta/jobs.js';

export interface RunningServer {
  app: FastifyInstance;
  registry: Registry;
  /** Accounts, users, access keys and their policies: what SigV4 and authorization look up. */
  identities: Identities;
  /** The address actually bound (port 0 picks a free one). */
  url: string;
  /** Runs queued image scans. */
  scanWorker: ScanWorker;
  close(): Promise<void>;
}

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, base: undefined });
}

export interface StartOptions {
  /** Where a generated administrator key is shown once (default: stderr). */
  announce?: (text: string) => void;
}

/** Opens storage, makes sure an administrator exists, starts the HTTP server and the background maintenance. */
export async function startServer(config: Config, logger: Logger = createLogger(config), options: StartOptions = {}): Promise<RunningServer> {
  const database = await openDatabase({ url: databaseUrlOf(config) });
  const identities = await prepareIdentities(config, database, logger, options).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  const blobs = new FsBlobStore(path.resolve(config.dataDir));
  await blobs.init();
  const registry = openRegistry(
    config,
    { database, blobs },
    { layerDownloadKey: identities.secrets.deriveKey('layer download URLs'), uploadIdKey: identities.secrets.deriveKey('upload session ids') },
  );
  const app = await buildApp({ registry, identities, logger, config });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

  const timers = [
    every(config.pullRecordIntervalSeconds, () => registry.pulls.flush(), logger, 'recording pull times'),
    every(config.maintenanceIntervalSeconds, () => registry.uploads.expireAbandoned(), logger, 'expiring uploads'),
  ];
  const jobs = [
    scheduleJob({
      intervalMs: config.lifecycleIntervalSeconds * 1000,
      lastRun: () => lastCompletedJobStart(database.db, 'lifecycle'),
      run: async () => {
        const summary = await runLifecycle(registry, 'schedule');
        if (summary) logger.info({ runId: summary.runId, repositories: summary.repositories, expired: summary.expired, failures: summary.failures.length }, 'lifecycle policies applied');
      },
      now: () => Date.now(),
      logger,
      what: 'the lifecycle run',
    }),
    scheduleJob({
      intervalMs: config.gcIntervalSeconds * 1000,
      lastRun: () => lastCompletedJobStart(database.db, 'gc'),
      run: async () => {
        const summary = await runGarbageCollection(registry, 'schedule', { gracePeriodMs: config.gcGracePeriodSeconds * 1000, dryRun: false });
        if (summary) logger.info(summary, 'garbage collected');
      },
      now: () => Date.now(),
      logger,
      what: 'the garbage collection',
    }),
  ];

  const scanWorker = startScanWorker(registry, logger);

  return {
    app,
    registry,
    identities,
    url,
    scanWorker,
    async close() {
      for (const timer of timers) clearInterval(timer);
      for (const job of jobs) job.stop();
      await closeGracefully(app);
      await scanWorker.stop();
      await registry.pulls.flush().catch((error) => logger.warn({ err: error }, 'could not record pull times'));
      await settleLinkTouches(database);
      await database.close();
    },
  };
}

async function prepareIdentities(config: Config, database: Database, logger: Logger, options: StartOptions): Promise<Identities> {
  const identities = await openIdentities(config, database);
  await identities.checkSecretsKey();
  if (config.secretsKey === undefined && database.dialect === 'postgres') {
    logger.warn('access key secrets are sealed with <dataDir>/secrets.key: give every node sharing this database the same STOWAGE_SECRETS_KEY');
  }
  const rootAccessKey =
    config.rootAccessKeyId !== undefined && config.rootSecretAccessKey !== undefined
      ? { accessKeyId: config.rootAccessKeyId, secretAccessKey: config.rootSecretAccessKey }
      : undefined;
  const outcome = await bootstrapIdentities(identities, { accountId: config.accountId, rootAccessKey, announce: options.announce });
  logBootstrap(logger, config.accountId, outcome);
  return identities;
}

/** Says what the bootstrap changed; key ids only, never a secret. */
function logBootstrap(logger: Logger, accountId: string, outcome: BootstrapOutcome): void {
  if (outcome.accountCreated) logger.info({ accountId }, 'created the default account');
  if (outcome.adminCreated) logger.info({ accountId }, 'created the admin user');
  const key = outcome.accessKey;
  if (key.source === 'generated') logger.info({ accessKeyId: key.accessKeyId }, 'generated an access key for admin (shown once)');
  if (key.source === 'configured') {
    if (key.change !== 'unchanged') logger.info({ accessKeyId: key.accessKeyId }, `${key.change} the configured access key of admin`);
    if (key.status === 'Inactive') logger.warn({ accessKeyId: key.accessKeyId }, 'the configured access key of admin is Inactive');
  }
}

function every(seconds: number, task: () => Promise<unknown>, logger: Logger, what: string): NodeJS.Timeout {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    task()
      .catch((error) => logger.warn({ err: error }, `failed ${what}`))
      .finally(() => (running = false));
  }, seconds * 1000);
  timer.unref();
  return timer;
}

/**
 * Stops accepting connections and waits for requests in flight. A keep-alive connection
 * whose last response finished just as closing began is not idle yet at that instant, so
 * idle connections are swept until the server has closed, and after a grace period the
 * remaining ones are cut.
 */
async function closeGracefully(app: FastifyInstance, graceMs = 10_000): Promise<void> {
  const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
  const cut = setTimeout(() => app.server.closeAllConnections(), graceMs);
  try {
    await app.close();
  } finally {
    clearInterval(sweep);
    clearTimeout(cut);
  }
}
