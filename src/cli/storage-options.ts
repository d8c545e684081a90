import type { Command } from 'commander';
import { loadConfig, type Config } from '../config.js';

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
