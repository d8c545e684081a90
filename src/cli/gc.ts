import os from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import type { GcPhase } from '../gc/collect.js';
import { parseDuration } from '../gc/duration.js';
import { runGarbageCollection } from '../gc/run.js';
import { MaintenanceError } from './maintenance.js';
import { progressBar } from './progress.js';
import { addStorageOptions, loadConfigWith, withStorage, type StorageOptions } from './storage-options.js';

const PHASE_LABELS: Record<GcPhase, string> = {
  links: 'unreferenced links',
  blobs: 'blobs without links',
  orphans: 'orphan files',
  uploads: 'abandoned uploads',
};

/**
 * `stowage gc [--grace-period <duration>] [--dry-run]`: online garbage collection on the
 * configured storage, beside a running server or without one (see gc/collect.ts). Prints the
 * summary as JSON on stdout, a progress bar on stderr.
 */
export function registerGcCommand(program: Command): void {
  addStorageOptions(program.command('gc').description('remove blobs that no image references any longer, while the registry keeps serving'))
    .option('--grace-period <duration>', 'spare links and files younger than this, e.g. 0, 30m, 24h, 7d (default: the gcGracePeriodSeconds setting, 24h)', durationOption)
    .option('--dry-run', 'count what would be removed and change nothing')
    .action(async (options: StorageOptions & { gracePeriod?: number; dryRun?: boolean }) => {
      const config = loadConfigWith(options);
      // Maintenance gives way to serving: a server on the same machine keeps the CPU it needs.
      lowerCpuPriority();
      await withStorage(config, async (registry) => {
        const progress = progressBar();
        let summary;
        try {
          summary = await runGarbageCollection(registry, 'command', {
            gracePeriodMs: options.gracePeriod ?? config.gcGracePeriodSeconds * 1000,
            dryRun: options.dryRun === true,
            progress: (phase, done, total) => progress.update(done, total, PHASE_LABELS[phase]),
          });
        } finally {
          progress.stop();
        }
        if (!summary) throw new MaintenanceError('a garbage collection is already under way');
        process.stdout.write(`${JSON.stringify(summary, null, 4)}\n`);
      });
    });
}

function durationOption(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** Runs this process at a lower CPU priority (nice 10), where the system allows it. */
function lowerCpuPriority(): void {
  try {
    os.setPriority(Math.max(os.getPriority(), 10));
  } catch {
    // Not permitted here: run at the usual priority.
  }
}
