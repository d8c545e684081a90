import type { Command } from 'commander';
import { databaseUrlOf, loadConfig, type Config } from '../config.js';
import { openRegistry } from '../registry/open.js';
import type { Registry } from '../registry/registry.js';
import { FsBlobStore } from '../storage/blobs/fs-blob-store.js';
import { openDatabase } from '../storage/meta/database.js';

/** The options that find the configuration and the storage, the same for `serve` and `admin`. */
export interface StorageOptions {
  config?: string;
  dataDir?: string;
  databaseUrl?: string;
}

export function addStorageOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'JSON configuration file')
    .option('-d, --data-dir <dir>', 'directory for blobs and the embedded database (default ./data)')
    .option('--database-url <url>', 'metadata database: sqlite:<file> or postgres://…');
}

/** The configuration from defaults, the file, the environment, these options and further flags. */
export function loadConfigWith(options: StorageOptions, overrides: Partial<Record<keyof Config, unknown>> = {}): Config {
  return loadConfig({
    file: options.config,
    overrides: { dataDir: options.dataDir, databaseUrl: options.databaseUrl, ...overrides },
  });
}

/** Opens the configured storage as a registry for the length of `task`, then closes it. */
export async function withStorage<T>(config: Config, task: (registry: Registry) => Promise<T>): Promise<T> {
  const database = await openDatabase({ url: databaseUrlOf(config) });
  try {
    const blobs = new FsBlobStore(config.dataDir);
    await blobs.init();
    return await task(openRegistry(config, { database, blobs }));
  } finally {
    await database.close();
  }
}
