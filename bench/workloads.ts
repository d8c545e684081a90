import { randomUUID } from 'node:crypto';
import { OCI_MANIFEST, RegistryClient } from './client.js';
import type { BlobFile } from './data.js';
import { runLoad } from './load.js';
import type { BenchOptions } from './options.js';
import { REGISTRY_LABELS, startRegistry, type RegistryKind, type RunningRegistry, type StartOptions } from './registries.js';
import type { Metrics } from './report.js';
import { flushFilesystems, memoryOf, RssSampler, sleep } from './system.js';

/** Throughput and memory are reported in decimal megabytes (10^6 bytes). */
const MB = 1_000_000;
const MIB = 1024 * 1024;
/** When the memory of a fresh, untouched registry is read: just after start, and idle. */
const STARTED_MS = 2000;
/** V8's memory reducer gives back the startup garbage some 8 to 10 s after start. */
const IDLE_MS = 15_000;

const BLOB_REPOSITORY = 'bench/blobs';
const SMALL_REPOSITORY = 'bench/small';
const MANIFEST_REPOSITORY = 'bench/manifest';

export interface RoundInput {
  kind: RegistryKind;
  options: BenchOptions;
  /** Pre-generated blobs: one for the monolithic push (also pulled), one for the chunked push. */
  files: { monolithic?: BlobFile; chunked?: BlobFile };
  scratchDir: string;
  log: (line: string) => void;
}

/**
 * One round for one registry: a fresh process on fresh storage, idle memory, then the
 * selected workloads in a fixed order while the resident memory is sampled.
 */
export async function runRound(input: RoundInput): Promise<Metrics> {
  const { kind, options, files, log } = input;
  const metrics: Metrics = {};
  const registry = await startRegistry(kind, startOptions(options));
  const client = new RegistryClient(registry.url, options.blobClient);
  try {
    metrics['memory.start'] = await rssAt(registry, STARTED_MS);
    metrics['memory.idle'] = await rssAt(registry, IDLE_MS);
    log(`RSS ${fmt(metrics['memory.start'])} MB after start, ${fmt(metrics['memory.idle'])} MB idle`);
    const sampler = new RssSampler(registry.pid).start();

    if (options.only.has('push')) {
      const monolithic = required(files.monolithic, 'monolithic blob');
      const chunked = required(files.chunked, 'chunked blob');
      flushFilesystems();
      let seconds = await timed(() => client.pushFileMonolithic(BLOB_REPOSITORY, monolithic));
      metrics['push.monolithic'] = monolithic.size / MB / seconds;
      log(`push ${mib(monolithic.size)} monolithic: ${fmt(metrics['push.monolithic'])} MB/s`);
      flushFilesystems();
      seconds = await timed(() => client.pushFileChunked(BLOB_REPOSITORY, chunked, options.chunkBytes));
      metrics['push.chunked'] = chunked.size / MB / seconds;
      log(`push ${mib(chunked.size)} in ${mib(options.chunkBytes)} chunks: ${fmt(metrics['push.chunked'])} MB/s`);
    }

    if (options.only.has('pull')) {
      const blob = required(files.monolithic, 'monolithic blob');
      if (!(await client.blobExists(BLOB_REPOSITORY, blob.digest))) {
        await client.pushFileMonolithic(BLOB_REPOSITORY, blob);
      }
      flushFilesystems();
      let bytes = 0;
      const seconds = await timed(async () => {
        for (let i = 0; i < options.pullRepeats; i++) {
          const received = await client.pullBlob(BLOB_REPOSITORY, blob.digest);
          if (received !== blob.size) throw new Error(`pulled ${received} bytes of a ${blob.size}-byte blob`);
          bytes += received;
        }
      });
      metrics.pull = bytes / MB / seconds;
      log(`pull ${mib(blob.size)} ×${options.pullRepeats}: ${fmt(metrics.pull)} MB/s`);
    }

    if (options.only.has('small')) {
      flushFilesystems();
      const ops = options.smallOps;
      let seconds = await timed(async () => {
        for (let i = 0; i < ops; i++) await client.pushSmallImage(SMALL_REPOSITORY, `seq-${i}`, randomUUID());
      });
      metrics['small.sequential'] = ops / seconds;
      log(`${ops} small image pushes, sequential: ${fmt(metrics['small.sequential'])} ops/s`);
      flushFilesystems();
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < ops; i = next++) await client.pushSmallImage(SMALL_REPOSITORY, `par-${i}`, randomUUID());
      };
      seconds = await timed(() => Promise.all(Array.from({ length: options.smallConcurrency }, worker)));
      metrics['small.concurrent'] = ops / seconds;
      log(`${ops} small image pushes, ${options.smallConcurrency} clients: ${fmt(metrics['small.concurrent'])} ops/s`);
    }

    if (options.only.has('manifest')) {
      await client.pushSmallImage(MANIFEST_REPOSITORY, 'latest', randomUUID());
      const check = await client.getManifest(MANIFEST_REPOSITORY, 'latest');
      if (check.status !== 200) throw new Error(`manifest GET answers ${check.status}: ${check.body.toString('utf8')}`);
      flushFilesystems();
      const spec = {
        url: `${registry.url}/v2/${MANIFEST_REPOSITORY}/manifests/latest`,
        headers: { Accept: OCI_MANIFEST },
        connections: options.connections,
        threads: options.wrkThreads,
        scratchDir: input.scratchDir,
      };
      // A short warm-up (JIT, caches, connection setup) that is not counted.
      await runLoad({ ...spec, durationSeconds: options.quick ? 1 : 2 });
      const result = await runLoad({ ...spec, durationSeconds: options.durationSeconds });
      if (result.errors > 0) throw new Error(`manifest GET load had ${result.errors} failed requests`);
      metrics['manifest.rps'] = result.requestsPerSecond;
      metrics['manifest.p99'] = result.p99Ms;
      log(
        `manifest GET, ${options.connections} connections, ${options.durationSeconds} s (${result.tool}): ` +
          `${fmt(result.requestsPerSecond)} req/s, p99 ${fmt(result.p99Ms, 2)} ms`,
      );
    }

    const sampled = sampler.stop();
    metrics['memory.peak'] = Math.max(sampled, memoryOf(registry.pid)?.hwm ?? 0) / MB;
    log(`peak RSS ${fmt(metrics['memory.peak'])} MB`);
    return metrics;
  } finally {
    client.close();
    await registry.stop();
  }
}

/**
 * The memory check: one large blob pushed monolithically to a fresh Stowage. Memory must
 * stay flat, since the bytes stream from the socket to the file.
 */
export async function runBigPush(file: BlobFile, options: BenchOptions, log: (line: string) => void): Promise<Metrics> {
  const registry = await startRegistry('stowage', startOptions(options));
  const client = new RegistryClient(registry.url, options.blobClient);
  try {
    const before = await rssAt(registry, IDLE_MS);
    const sampler = new RssSampler(registry.pid).start();
    flushFilesystems();
    const seconds = await timed(() => client.pushFileMonolithic(BLOB_REPOSITORY, file));
    const peak = Math.max(sampler.stop(), memoryOf(registry.pid)?.hwm ?? 0) / MB;
    const metrics: Metrics = {
      'big.idle': before,
      'big.peak': peak,
      'big.growth': peak - before,
      'big.throughput': file.size / MB / seconds,
    };
    log(
      `${REGISTRY_LABELS.stowage}: push ${mib(file.size)} monolithic: ${fmt(metrics['big.throughput'])} MB/s, ` +
        `RSS ${fmt(before)} MB before, peak ${fmt(peak)} MB`,
    );
    return metrics;
  } finally {
    client.close();
    await registry.stop();
  }
}

function startOptions(options: BenchOptions): StartOptions {
  const dir = options.cpuProfileDir;
  return dir ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] } : {};
}

/** VmRSS in MB once `msAfterStart` has passed since the registry began serving. */
async function rssAt(registry: RunningRegistry, msAfterStart: number): Promise<number> {
  await sleep(Math.max(0, registry.startedAt + msAfterStart - performance.now()));
  const memory = memoryOf(registry.pid);
  if (!memory) throw new Error(`cannot read the memory of process ${registry.pid}`);
  return memory.rss / MB;
}

async function timed(task: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await task();
  return (performance.now() - started) / 1000;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} was not prepared`);
  return value;
}

function mib(bytes: number): string {
  return bytes >= 1024 * MIB && bytes % (1024 * MIB) === 0 ? `${bytes / (1024 * MIB)} GiB` : `${Math.round(bytes / MIB)} MiB`;
}

export function fmt(value: number | undefined, digits = 1): string {
  return value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);
}
