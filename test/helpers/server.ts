import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type ConfigInput } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import type { Dialect } from '../../src/storage/meta/database.js';
import { freshDatabaseUrl } from './databases.js';

export interface TestServer extends RunningServer {
  dataDir: string;
  /** The metadata database, for commands run beside the server on the same storage. */
  databaseUrl: string;
  /** host:port, as image tools name a registry. */
  host: string;
}

/** The administrator's access key in every test server (so nothing is generated and printed). */
export const TEST_ROOT_CREDENTIALS = { accessKeyId: 'AKIASTOWAGETESTROOT1', secretAccessKey: 'stowage-test-root-secret' };

/**
 * Starts a registry in this process on a free loopback port, with its own data directory.
 * Protocol tests speak to an open registry (no data-plane authentication, repositories
 * created on push); tests of authentication ask for `dataPlaneAuth: 'required'`.
 */
export async function startTestServer(options: { dialect?: Dialect; config?: Partial<ConfigInput> } = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-test-'));
  const databaseUrl = await freshDatabaseUrl(options.dialect ?? 'sqlite', dataDir);
  const config = loadConfig({
    env: {},
    overrides: {
      port: 0,
      dataDir,
      databaseUrl,
      logLevel: 'silent',
      dataPlaneAuth: 'disabled',
      createOnPush: true,
      authorizationCacheSeconds: 0,
      rootAccessKeyId: TEST_ROOT_CREDENTIALS.accessKeyId,
      rootSecretAccessKey: TEST_ROOT_CREDENTIALS.secretAccessKey,
      ...options.config,
    },
  });
  const server = await startServer(config);
  return {
    ...server,
    dataDir,
    databaseUrl,
    host: new URL(server.url).host,
    async close() {
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
