import type { Command } from 'commander';
import { queueRescans } from '../scanning/rescan.js';
import { importAdvisories } from '../scanning/vulndb/import.js';
import { SourceError } from '../scanning/vulndb/sources.js';
import { databaseState } from '../storage/meta/vulndb.js';
import { MaintenanceError } from './maintenance.js';
import { progressBar } from './progress.js';
import { addStorageOptions, loadConfigWith, withStorage, type StorageOptions } from './storage-options.js';

/**
 * `stowage vulndb import <path>`: imports OSV advisories (a zip such as osv.dev's
 * `<Ecosystem>/all.zip`, a .json file, or a directory of those) into the vulnerability
 * database, beside a running server or without one, then queues rescans of the
 * continuously scanned images the changed advisories concern. `stowage vulndb status`
 * prints the database's state. Results as JSON on stdout, progress on stderr.
 */
export function registerVulndbCommand(program: Command): void {
  const vulndb = program.command('vulndb').description('the vulnerability database that image scans match against');
  addStorageOptions(vulndb.command('import').description('import OSV advisories from a .zip, a .json file or a directory').argument('<path>', 'zip, json file or directory')).action(
    async (source: string, options: StorageOptions) => {
      await withStorage(loadConfigWith(options), async (registry) => {
        const database = registry.context.database;
        const progress = progressBar();
        let result;
        try {
          result = await importAdvisories(database, source, { now: () => Date.now(), progress: (done, total) => progress.update(done, total, 'advisories') });
        } catch (error) {
          if (error instanceof SourceError) throw new MaintenanceError(error.message);
          throw error;
        } finally {
          progress.stop();
        }
        const rescans = await queueRescans(registry.context, result.changed);
        const { database: state, ...counts } = result.summary;
        process.stdout.write(
          `${JSON.stringify({ ...counts, database: { updatedAt: new Date(state.updatedAt).toISOString(), advisories: state.advisories }, rescansQueued: rescans }, null, 4)}\n`,
        );
      });
    },
  );
  addStorageOptions(vulndb.command('status').description('when the vulnerability database was last updated, and its size')).action(async (options: StorageOptions) => {
    await withStorage(loadConfigWith(options), async (registry) => {
      const state = await databaseState(registry.context.database.db);
      const shown = state
        ? { updatedAt: new Date(state.updatedAt).toISOString(), importedAt: new Date(state.importedAt).toISOString(), advisories: state.advisories }
        : { advisories: 0 };
      process.stdout.write(`${JSON.stringify(shown, null, 4)}\n`);
    });
  });
}
