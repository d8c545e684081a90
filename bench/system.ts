import { spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Everything the benchmark leaves behind while it runs (child processes, temporary
 * directories) is tracked here and removed on exit, on Ctrl-C and on errors.
 */
const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

export function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `stowage-bench-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Kills what is still running and removes the temporary directories (synchronous: also usable on exit). */
export function cleanUpNow(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

export function installCleanupHandlers(): void {
  process.once('exit', cleanUpNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping registries and removing temporary files\n`);
      cleanUpNow();
      process.exit(130);
    });
  }
}

/** A free TCP port on the loopback interface (asked of the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resident memory of a process in bytes: the current (VmRSS) and the peak since it started (VmHWM). */
export function memoryOf(pid: number): { rss: number; hwm: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  };
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

/** Samples a process's VmRSS every few milliseconds and keeps the highest value seen. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  peak = 0;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 50,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  sample(): void {
    const memory = memoryOf(this.pid);
    if (memory && memory.rss > this.peak) this.peak = memory.rss;
  }

  /** Stops sampling and returns the highest VmRSS seen. */
  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    return this.peak;
  }
}

/** Writes dirty pages out so that one workload's pending writeback does not slow the next. */
export function flushFilesystems(): void {
  spawnSync('sync', { stdio: 'ignore' });
}

/** The first line a command prints when asked for its version (some exit non-zero doing so). */
export function commandVersion(command: string, args: string[]): string | undefined {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) return undefined;
  return `${result.stdout}\n${result.stderr}`.trim().split('\n')[0]?.trim() || undefined;
}

export function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
