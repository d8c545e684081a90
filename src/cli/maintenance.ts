import { InvalidArgumentError, type Command } from 'commander';
import type { Config } from '../config.js';
import { runLifecycle } from '../jobs/lifecycle-run.js';
import type { Registry } from '../registry/registry.js';
import { listJobs } from '../storage/meta/jobs.js';
import { listExpiries } from '../storage/meta/lifecycle.js';
import { progressBar } from './progress.js';
import { addStorageOptions, loadConfigWith, withStorage, type StorageOptions } from './storage-options.js';

/**
 * Maintenance on the storage, beside a running server or without one: `stowage lifecycle …`
 * applies lifecycle policies and shows what they expired. Results are JSON on stdout.
 */
export function registerMaintenanceCommands(program: Command): void {
  const lifecycle = program.command('lifecycle').description('apply lifecycle policies and show what they expired');

  addStorageOptions(lifecycle.command('run').description('apply every lifecycle policy now (as the daily schedule does)')).action(
    withRegistry(async (registry) => {
      const progress = progressBar();
      try {
        const summary = await runLifecycle(registry, 'command', (done, total, repository) => progress.update(done, total, repository || 'done'));
        if (!summary) throw new MaintenanceError('a lifecycle run is already under way');
        return summary;
      } finally {
        progress.stop();
      }
    }),
  );

  addStorageOptions(lifecycle.command('history').description('images expired by lifecycle policies, newest first'))
    .option('--account-id <id>', 'only this registry')
    .option('--repository-name <name>', 'only this repository')
    .option('--run-id <id>', 'only this run', positiveInteger)
    .option('--max-items <n>', 'at most this many (default 100)', positiveInteger)
    .action(
      withRegistry(async (registry, options) => {
        const expiries = await listExpiries(registry.context.database.db, {
          registryId: options.accountId,
          repositoryName: options.repositoryName,
          runId: options.runId,
          limit: options.maxItems ?? 100,
        });
        const runs = await listJobs(registry.context.database.db, 'lifecycle', 10);
        return {
          expiries: expiries.map((expiry) => ({ ...expiry, pushedAt: new Date(expiry.pushedAt).toISOString(), expiredAt: new Date(expiry.expiredAt).toISOString() })),
          recentRuns: runs.map((run) => ({
            id: run.id,
            trigger: run.trigger,
            status: run.status,
            startedAt: new Date(run.createdAt).toISOString(),
            finishedAt: run.finishedAt === null ? null : new Date(run.finishedAt).toISOString(),
            summary: run.summary,
            failure: run.failure,
          })),
        };
      }),
    );
}

/** A maintenance command that could not do its work; its message is the whole explanation. */
export class MaintenanceError extends Error {}

// Commander hands actions loosely typed options; each command reads the ones it declared.
type CommandOptions = StorageOptions & Record<string, any>;

/** Runs a command against the configured storage and prints its result as JSON. */
function withRegistry(task: (registry: Registry, options: CommandOptions, config: Config) => Promise<object>) {
  return async (options: CommandOptions) => {
    const config = loadConfigWith(options);
    const result = await withStorage(config, (registry) => task(registry, options, config));
    process.stdout.write(`${JSON.stringify(result, null, 4)}\n`);
  };
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) throw new InvalidArgumentError('must be a positive integer');
  return number;
}
