import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, runForBytes, tryRun } from './images.js';

/**
 * A private containerd daemon for one test file: its own root, state and socket in a
 * temporary directory, only the plugins an image pull and push need, and `ctr` pointed at it.
 */
export interface Containerd {
  socket: string;
  /** Runs `ctr --address <socket> --namespace <namespace> …` and resolves with stdout. */
  ctr(namespace: string, ...args: string[]): Promise<string>;
  /** `ctr content get <digest>`: the bytes containerd stored for a digest. */
  content(namespace: string, digest: string): Promise<Buffer>;
  /** The daemon's log so far, for error messages. */
  log(): string;
  stop(): Promise<void>;
}

const DISABLED_PLUGINS = [
  'io.containerd.grpc.v1.cri',
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.tracing.processor.v1.otlp',
  'io.containerd.internal.v1.tracing',
];

export async function startContainerd(): Promise<Containerd> {
  // Short path: a unix socket path must stay under 108 bytes.
  const dir = path.join(os.tmpdir(), `ctd-${randomBytes(6).toString('hex')}`);
  fs.mkdirSync(dir, { mode: 0o700 });
  const socket = path.join(dir, 'containerd.sock');
  const configFile = path.join(dir, 'config.toml');
  fs.writeFileSync(
    configFile,
    [
      'version = 2',
      `root = ${JSON.stringify(path.join(dir, 'root'))}`,
      `state = ${JSON.stringify(path.join(dir, 'state'))}`,
      `disabled_plugins = ${JSON.stringify(DISABLED_PLUGINS)}`,
      '[grpc]',
      `  address = ${JSON.stringify(socket)}`,
      '[ttrpc]',
      `  address = ${JSON.stringify(`${socket}.ttrpc`)}`,
      '[debug]',
      '  address = ""',
      '[metrics]',
      '  address = ""',
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = ${JSON.stringify(path.join(dir, 'opt'))}`,
      '',
    ].join('\n'),
  );

  const logFile = path.join(dir, 'containerd.log');
  const logFd = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn('containerd', ['--config', configFile], { stdio: ['ignore', logFd, logFd] });
  fs.closeSync(logFd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const readLog = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
  // Should the test process die first, do not leave the daemon behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  // Ready when ctr can talk to it; bounded wait.
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const log = readLog();
      await stop();
      throw new Error(`containerd exited before serving:\n${log.slice(-4000)}`);
    }
    // A busy machine can make one probe outlast its timeout: that is "not yet", like a refusal.
    const probe = await tryRun('ctr', ['--address', socket, 'version'], { timeoutMs: 5_000 }).catch((error: Error) => ({ code: null, stderr: error.message }));
    if (probe.code === 0) break;
    if (attempt >= 100) {
      const log = readLog();
      await stop();
      throw new Error(`containerd did not answer on ${socket}: ${probe.stderr}\n${log.slice(-4000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    socket,
    ctr: (namespace, ...args) => run('ctr', ['--address', socket, '--namespace', namespace, ...args], { timeoutMs: 60_000 }),
    content: (namespace, digest) => runForBytes('ctr', ['--address', socket, '--namespace', namespace, 'content', 'get', digest]),
    log: readLog,
    stop,
  };
}

export interface CtrImage {
  ref: string;
  type: string;
  digest: string;
  platforms: string[];
}

/** Parses `ctr images ls`: REF TYPE DIGEST SIZE (two words) PLATFORMS LABELS. */
export function parseImageList(output: string): CtrImage[] {
  return output
    .trim()
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [ref, type, digest, , , platforms] = line.trim().split(/\s+/);
      return { ref: ref!, type: type!, digest: digest!, platforms: (platforms ?? '').split(',').filter(Boolean) };
    });
}
