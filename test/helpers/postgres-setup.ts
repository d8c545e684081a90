import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Gives the metadata tests a PostgreSQL server: the one named by STOWAGE_TEST_POSTGRES_URL,
 * or else a throwaway cluster started here (initdb + pg_ctl as the postgres user) and
 * removed after the run. Without PostgreSQL binaries the PostgreSQL variants are skipped
 * locally; under CI (CI=true) that is an error.
 */
export default async function setup(): Promise<(() => void) | undefined> {
  if (process.env.STOWAGE_TEST_POSTGRES_URL) return undefined;
  const initdb = which('initdb');
  const pgCtl = which('pg_ctl');
  if (!initdb || !pgCtl) {
    if (process.env.CI) throw new Error('PostgreSQL binaries (initdb, pg_ctl) are required under CI');
    console.warn('initdb/pg_ctl not found: PostgreSQL variants of the metadata tests are skipped');
    return undefined;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-pg-'));
  const dataDir = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) fs.chmodSync(dir, 0o777);
  const run = (command: string, args: string[]) => {
    const full = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] as const : [command, args] as const;
    execFileSync(full[0], full[1], { stdio: 'pipe' });
  };
  const port = await freePort();
  run(initdb, ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--locale=C', '-E', 'UTF8']);
  run(pgCtl, [
    '-D', dataDir, '-l', path.join(dir, 'server.log'), '-w', '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
    'start',
  ]);
  process.env.STOWAGE_TEST_POSTGRES_URL = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return () => {
    try {
      run(pgCtl, ['-D', dataDir, '-m', 'immediate', 'stop']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

function which(command: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const found = result.stdout.trim();
  return result.status === 0 && found ? found : undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
