import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const STOWAGE_MAIN = path.join(ROOT, 'dist', 'main.js');
const START_TIMEOUT_MS = 30_000;

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  host: string;
  /** Log lines seen so far (JSON strings). */
  log: string[];
  /** What the server wrote to stderr so far, in chunks. */
  stderr: string[];
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Runs the built `stowage serve` as a separate process (`npm test` builds dist/ first) and
 * resolves once it is serving. Used where a test must kill the server or read its output.
 */
export async function spawnServer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [STOWAGE_MAIN, 'serve', '--port', '0', '--log-level', 'info', ...args], {
    // Like startTestServer: an open registry unless the test asks otherwise.
    env: { ...process.env, STOWAGE_DATA_PLANE_AUTH: 'disabled', STOWAGE_CREATE_ON_PUSH: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk) => stderr.push(String(chunk)));
  const url = await new Promise<string>((resolve, reject) => {
    // A server that never says it is serving must not outlive the test that started it.
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`stowage did not start serving within ${START_TIMEOUT_MS} ms: ${stderr.join('')}`));
    }, START_TIMEOUT_MS);
    child.once('exit', () => clearTimeout(deadline));
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      log.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'stowage is serving' && entry.url) {
          clearTimeout(deadline);
          resolve(entry.url);
        }
      } catch {
        // not JSON: keep it in the log only
      }
    });
    child.once('exit', (code) => reject(new Error(`stowage exited with ${code} before serving: ${stderr.join('')}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    url,
    host: new URL(url).host,
    log,
    stderr,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
