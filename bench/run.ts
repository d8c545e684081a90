/**
 * Stowage against the CNCF distribution registry on loopback: blob push and pull, small
 * image pushes, manifest GET load and resident memory. `npm run bench -- --help` lists the
 * options.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeRandomFile, type BlobFile } from './data.js';
import { curlVersion } from './curl.js';
import { wrkInstalled } from './load.js';
import { parseOptions, type BenchOptions } from './options.js';
import { distributionInstalled, distributionVersion, REGISTRY_LABELS, type RegistryKind } from './registries.js';
import { resultsTable, roundsTable, writeResults, type Results } from './report.js';
import { cleanUpNow, commandVersion, installCleanupHandlers, makeTempDir, removeTempDir } from './system.js';
import { runBigPush, runRound } from './workloads.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MIB = 1024 * 1024;

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  installCleanupHandlers();
  if (!existsSync(path.join(ROOT, 'dist', 'main.js'))) throw new Error('dist/main.js is missing: run `npm run build` first');

  const withDistribution = !options.stowageOnly && distributionInstalled();
  if (!withDistribution && !options.stowageOnly) {
    log('docker-registry is not installed (apt-get install docker-registry): measuring Stowage alone');
  }
  if (options.only.has('manifest') && !wrkInstalled()) log('wrk is not installed: manifest GET load runs in-process');
  const kinds: RegistryKind[] = withDistribution ? ['stowage', 'distribution'] : ['stowage'];
  const startLoad = os.loadavg();
  const started = new Date();

  const dataDir = makeTempDir('data');
  const scratchDir = makeTempDir('scratch');
  const files: { monolithic?: BlobFile; chunked?: BlobFile } = {};
  if (options.only.has('push') || options.only.has('pull')) {
    log(`generating ${options.blobBytes / MIB} MiB test blobs in ${dataDir}`);
    files.monolithic = await writeRandomFile(dataDir, 'monolithic.bin', options.blobBytes);
    if (options.only.has('push')) {
      // curl uploads each chunk from its own file.
      const parts = options.blobClient === 'curl' ? options.chunkBytes : undefined;
      files.chunked = await writeRandomFile(dataDir, 'chunked.bin', options.blobBytes, parts);
    }
  }

  const results: Results = { stowage: [], distribution: [] };
  const perRound = [...options.only].some((workload) => workload !== 'big');
  if (perRound) {
    for (let round = 1; round <= options.rounds; round++) {
      // Alternate the order (A then B, B then A) so that neither always runs first.
      const order = round % 2 === 1 ? kinds : [...kinds].reverse();
      for (const kind of order) {
        log(`\n== round ${round}/${options.rounds}: ${REGISTRY_LABELS[kind]}`);
        results[kind].push(await runRound({ kind, options, files, scratchDir, log: (line) => log(`  ${line}`) }));
      }
    }
  }

  if (options.only.has('big')) {
    log(`\n== memory check: ${options.bigBytes / MIB} MiB blob push to ${REGISTRY_LABELS.stowage}`);
    const big = await writeRandomFile(dataDir, 'big.bin', options.bigBytes);
    const metrics = await runBigPush(big, options, (line) => log(`  ${line}`));
    removeTempDir(dataDir);
    if (results.stowage.length === 0) results.stowage.push({});
    Object.assign(results.stowage[results.stowage.length - 1]!, metrics);
  }

  const table = resultsTable(results, withDistribution);
  log(`\n${table}\n`);
  const file = path.resolve(ROOT, options.out);
  writeResults(file, {
    date: started,
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    machine: machineFacts(withDistribution, startLoad),
    settings: settingsOf(options, withDistribution),
    table,
    rounds: options.rounds > 1 ? roundsTable(results) : '',
    notes: [
      'Values are medians over the rounds; throughput and memory in decimal megabytes (10^6 bytes).',
      'Each round starts every registry afresh on empty storage; the order alternates per round.',
      '`sync` runs before each workload, so that one workload\'s pending writeback does not slow the next.',
      options.blobClient === 'curl'
        ? 'Blob pushes and pulls (and the memory check) are made with curl, one process (and connection) per request, for both registries alike: it streams from and to files with little CPU, where a Node client moving hundreds of megabytes per second takes as much CPU as the registry it measures. Small pushes and manifest GETs stay on node:http and wrk.'
        : 'Blob pushes and pulls (and the memory check) are made with the benchmark\'s own node:http client (`--client node`), which on a small machine competes with the registry for the CPU.',
      'Memory is VmRSS from /proc/<pid>/status: 2 s and 15 s after the registry first answered (V8 returns the startup garbage some 8 to 10 s after start), and the highest value sampled every 50 ms during the workloads (or VmHWM, if higher).',
      'The machine is shared (other jobs ran beside the benchmark): see the load averages above, and the spread in "Every round".',
    ],
  });
  log(`results written to ${path.relative(process.cwd(), file) || file}`);
  removeTempDir(dataDir);
  removeTempDir(scratchDir);
}

function machineFacts(withDistribution: boolean, startLoad: number[]): Record<string, string> {
  const loads = (values: number[]) => values.map((value) => value.toFixed(2)).join(' ');
  return {
    nproc: String(os.availableParallelism()),
    CPU: os.cpus()[0]?.model ?? 'unknown',
    memory: `${Math.round(os.totalmem() / 1024 ** 3)} GiB`,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    distribution: withDistribution ? (distributionVersion() ?? 'unknown') : 'not installed',
    'load generator': wrkInstalled() ? (commandVersion('wrk', ['-v'])?.replace(/\s*Copyright.*$/, '') ?? 'wrk') : 'in-process (wrk not installed)',
    'load average (1/5/15 min) at start': loads(startLoad),
    'load average at end': loads(os.loadavg()),
  };
}

function settingsOf(options: BenchOptions, withDistribution: boolean): Record<string, string> {
  return {
    mode: options.quick ? 'quick' : 'full',
    rounds: String(options.rounds),
    registries: withDistribution ? 'Stowage, distribution' : 'Stowage',
    workloads: [...options.only].join(', '),
    'push/pull blob': `${options.blobBytes / MIB} MiB, chunked in ${options.chunkBytes / MIB} MiB PATCHes, pulled ${options.pullRepeats}× per round`,
    'small image pushes': `${options.smallOps} sequential, ${options.smallOps} over ${options.smallConcurrency} clients (config + layer blob + OCI manifest each)`,
    'manifest GET': `${options.connections} connections, ${options.durationSeconds} s per run after a short warm-up, ${options.wrkThreads} wrk thread(s)`,
    'memory check': `${options.bigBytes / MIB} MiB monolithic push to Stowage`,
    'blob push/pull client': options.blobClient === 'curl' ? `curl, one process per request (${curlVersion()?.split(' ').slice(0, 2).join(' ') ?? 'version unknown'})` : 'node:http (in the benchmark process)',
  };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  cleanUpNow();
  process.exit(1);
});
