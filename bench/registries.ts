import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandVersion, freePort, makeTempDir, removeTempDir, sleep, trackChild, which } from './system.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const STOWAGE_MAIN = path.join(ROOT, 'dist', 'main.js');
const DISTRIBUTION_COMMAND = 'docker-registry';

export type RegistryKind = 'stowage' | 'distribution';

export const REGISTRY_LABELS: Record<RegistryKind, string> = {
  stowage: 'Stowage',
  distribution: 'distribution',
};

/** A registry process serving on a loopback port, with its own fresh storage. */
export interface RunningRegistry {
  kind: RegistryKind;
  url: string;
  pid: number;
  dataDir: string;
  /** performance.now() when it first answered. */
  startedAt: number;
  /** Stops the process (SIGTERM, then SIGKILL) and removes its storage. */
  stop(): Promise<void>;
}

export function distributionInstalled(): boolean {
  return which(DISTRIBUTION_COMMAND) !== undefined;
}

export function distributionVersion(): string | undefined {
  return commandVersion(DISTRIBUTION_COMMAND, ['--version']);
}

export interface StartOptions {
  /** Extra node flags for Stowage, e.g. `--cpu-prof` to profile it. */
  nodeArgs?: string[];
  /** Serve this (prepared) data directory instead of a fresh one; it is removed on stop all the same. */
  dataDir?: string;
}

export function startRegistry(kind: RegistryKind, options: StartOptions = {}): Promise<RunningRegistry> {
  return kind === 'stowage' ? startStowage(options) : startDistribution();
}

/**
 * Settings that make Stowage comparable with the reference registry, which runs without
 * authentication: anyone may push and pull, and a push creates its repository. (A version
 * of Stowage that does not know a setting ignores its environment variable.)
 */
const STOWAGE_ENVIRONMENT = {
  STOWAGE_DATA_PLANE_AUTH: 'disabled',
  STOWAGE_CREATE_ON_PUSH: 'true',
};

/** The built `stowage serve` (dist/), its own data directory, log level warn. */
export async function startStowage(options: StartOptions = {}): Promise<RunningRegistry> {
  const dataDir = options.dataDir ?? makeTempDir('stowage');
  const port = await freePort();
  const inherited = Object.entries(process.env).filter(([key]) => !key.startsWith('STOWAGE_'));
  const env = { ...Object.fromEntries(inherited), ...STOWAGE_ENVIRONMENT };
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), STOWAGE_MAIN, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return running('stowage', child, `http://127.0.0.1:${port}`, dataDir);
}

/**
 * The CNCF distribution registry (Debian's docker-registry) with a generated configuration:
 * filesystem storage in a temporary directory, deletes enabled, the in-memory blob
 * descriptor cache of the packaged default configuration, errors-only logging, no access
 * log and no authentication.
 */
export async function startDistribution(): Promise<RunningRegistry> {
  const dataDir = makeTempDir('distribution');
  const port = await freePort();
  const storage = path.join(dataDir, 'storage');
  const config = path.join(dataDir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${storage}`,
      '  delete:',
      '    enabled: true',
      '  cache:',
      '    blobdescriptor: inmemory',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const child = spawn(DISTRIBUTION_COMMAND, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  return running('distribution', child, `http://127.0.0.1:${port}`, dataDir);
}

async function running(kind: RegistryKind, child: ChildProcess, url: string, dataDir: string): Promise<RunningRegistry> {
  trackChild(child);
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(String(chunk));
    if (output.length > 200) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const spawnFailed = new Promise<never>((_, reject) => child.once('error', reject));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killed = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
      if (!killed) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    removeTempDir(dataDir);
  };
  try {
    await Promise.race([
      waitUntilServing(url, child),
      spawnFailed,
      exited.then(() => {
        throw new Error(`${kind} exited with ${child.exitCode ?? child.signalCode} before serving:\n${output.join('')}`);
      }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { kind, url, pid: child.pid!, dataDir, startedAt: performance.now(), stop };
}

/** Polls `GET /v2/` until it answers (200, or 401 where authentication is on). */
async function waitUntilServing(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return new Promise(() => undefined); // the exit is reported elsewhere
    const status = await probe(`${url}/v2/`);
    if (status === 200 || status === 401) return;
    await sleep(50);
  }
  throw new Error(`${url} did not start serving within ${timeoutMs / 1000} s`);
}

function probe(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false, timeout: 1000 }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode));
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(undefined));
  });
}
