#!/usr/bin/env node
import { Command, Option } from 'commander';
import { ConfigError, loadConfig } from './config.js';
import { createLogger, startServer } from './server.js';

const program = new Command()
  .name('stowage')
  .description('A self-hosted container registry that behaves like Amazon ECR')
  .showHelpAfterError();

program
  .command('serve', { isDefault: true })
  .description('run the registry')
  .option('-c, --config <file>', 'JSON configuration file')
  .option('--host <address>', 'address to listen on (default 127.0.0.1)')
  .option('-p, --port <port>', 'port to listen on (default 5000)')
  .option('-d, --data-dir <dir>', 'directory for blobs and the embedded database (default ./data)')
  .option('--database-url <url>', 'metadata database: sqlite:<file> or postgres://…')
  .option('--account-id <id>', 'account that owns the registry (default 000000000000)')
  .option('--region <region>', 'region the registry answers as (default us-east-1)')
  .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
  .action(async (options) => {
    const config = loadConfig({
      file: options.config,
      overrides: {
        host: options.host,
        port: options.port,
        dataDir: options.dataDir,
        databaseUrl: options.databaseUrl,
        accountId: options.accountId,
        region: options.region,
        logLevel: options.logLevel,
      },
    });
    const logger = createLogger(config);
    const server = await startServer(config, logger);
    logger.info({ url: server.url, dataDir: config.dataDir }, 'stowage is serving');
    const stop = async (signal: string) => {
      logger.info({ signal }, 'shutting down');
      await server.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`stowage: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
