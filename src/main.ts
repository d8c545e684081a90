#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { registerAdminCommands } from './cli/admin.js';
import { registerGcCommand } from './cli/gc.js';
import { MaintenanceError, registerMaintenanceCommands } from './cli/maintenance.js';
import { registerSbomCommand } from './cli/sbom.js';
import { registerVulndbCommand } from './cli/vulndb.js';
import { addStorageOptions, loadConfigWith } from './cli/storage-options.js';
import { ConfigError } from './config.js';
import { isIdentityError } from './identity/errors.js';
import { createLogger, startServer } from './server.js';

const program = new Command()
  .name('stowage')
  .description('A self-hosted container registry that behaves like Amazon ECR')
  .showHelpAfterError()
  // Usage errors end in the catch below (exit status 2); subcommands inherit this.
  .exitOverride();

addStorageOptions(program.command('serve', { isDefault: true }).description('run the registry'))
  .option('--host <address>', 'address to listen on (default 127.0.0.1)')
  .option('-p, --port <port>', 'port to listen on (default 5000)')
  .option('--account-id <id>', 'account that owns the registry (default 000000000000)')
  .option('--region <region>', 'region the registry answers as (default us-east-1)')
  .option('--registry-domain <domain>', 'address registries as <account>.dkr.ecr.<region>.<domain>')
  .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
  .action(async (options) => {
    const config = loadConfigWith(options, {
      host: options.host,
      port: options.port,
      accountId: options.accountId,
      region: options.region,
      registryDomain: options.registryDomain,
      logLevel: options.logLevel,
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

registerAdminCommands(program);
registerMaintenanceCommands(program);
registerGcCommand(program);
registerVulndbCommand(program);
registerSbomCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    // Commander has printed the problem (or the help asked for).
    process.exit(error.exitCode === 0 ? 0 : 2);
  }
  if (error instanceof ConfigError) {
    console.error(`stowage: ${error.message}`);
    process.exit(2);
  }
  if (isIdentityError(error) || error instanceof MaintenanceError) {
    console.error(`stowage: ${error.message}`);
    process.exit(1);
  }
  console.error(error);
  process.exit(1);
});
