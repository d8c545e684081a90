import path from 'node:path';
import { parseArgs } from 'node:util';
import type { BlobTransport } from './client.js';
import { curlInstalled } from './curl.js';

/** Workloads that can be chosen with `--only`. */
export const WORKLOADS = ['push', 'pull', 'small', 'manifest', 'big'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export interface BenchOptions {
  rounds: number;
  quick: boolean;
  only: Set<WorkloadName>;
  /** Size of the blobs pushed and pulled in the push and pull workloads. */
  blobBytes: number;
  /** PATCH chunk size of the chunked push. */
  chunkBytes: number;
  /** How often the blob is pulled per round (the throughput is over all of them). */
  pullRepeats: number;
  /** Small image pushes per run, sequential and concurrent each. */
  smallOps: number;
  smallConcurrency: number;
  /** Manifest GET load: connections, seconds per run, wrk threads. */
  connections: number;
  durationSeconds: number;
  wrkThreads: number;
  /** Size of the blob of the memory check (Stowage only). */
  bigBytes: number;
  /** Skip the reference registry even when it is installed. */
  stowageOnly: boolean;
  /** Where the results are written (markdown). */
  out: string;
  /** The client of the blob push and pull workloads and the memory check: curl when installed. */
  blobClient: BlobTransport;
  /** When set, Stowage runs with `node --cpu-prof` and writes its profiles here. */
  cpuProfileDir: string | undefined;
}

const MIB = 1024 * 1024;

const USAGE = `usage: npm run bench -- [options]

  --rounds N          rounds, each registry started fresh per round (default 3; --quick: 1)
  --quick             small sizes, one round, short load runs (for development)
  --only LIST         comma-separated workloads: ${WORKLOADS.join(',')} (default: all)
  --blob-mib N        blob size for push and pull (default 512; --quick: 64)
  --chunk-mib N       PATCH chunk size (default 16)
  --small-ops N       small image pushes per mode (default 500; --quick: 100)
  --duration S        seconds per manifest GET run (default 10; --quick: 3)
  --connections N     manifest GET connections (default 32)
  --wrk-threads N     wrk threads (default 1)
  --big-mib N         blob size of the memory check (default 2048; --quick: 256)
  --client C          client of blob pushes and pulls: curl or node (default: curl when installed)
  --stowage-only      do not start the reference registry
  --out FILE          results file (default bench/results.md; --quick: .bench/results-quick.md)
  --cpu-prof DIR      run Stowage under node --cpu-prof, writing one profile per start to DIR
  -h, --help          this text
`;

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      'blob-mib': { type: 'string' },
      'chunk-mib': { type: 'string' },
      'small-ops': { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      'wrk-threads': { type: 'string' },
      'big-mib': { type: 'string' },
      client: { type: 'string' },
      'stowage-only': { type: 'boolean', default: false },
      out: { type: 'string' },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const quick = values.quick === true;
  const only = new Set<WorkloadName>();
  for (const name of (values.only ?? WORKLOADS.join(',')).split(',').map((part) => part.trim()).filter(Boolean)) {
    if (!(WORKLOADS as readonly string[]).includes(name)) {
      throw new Error(`unknown workload ${JSON.stringify(name)}; choose from ${WORKLOADS.join(', ')}`);
    }
    only.add(name as WorkloadName);
  }
  return {
    rounds: positive(values.rounds, quick ? 1 : 3, '--rounds'),
    quick,
    only,
    blobBytes: positive(values['blob-mib'], quick ? 64 : 512, '--blob-mib') * MIB,
    chunkBytes: positive(values['chunk-mib'], 16, '--chunk-mib') * MIB,
    pullRepeats: quick ? 2 : 3,
    smallOps: positive(values['small-ops'], quick ? 100 : 500, '--small-ops'),
    smallConcurrency: 16,
    connections: positive(values.connections, 32, '--connections'),
    durationSeconds: positive(values.duration, quick ? 3 : 10, '--duration'),
    wrkThreads: positive(values['wrk-threads'], 1, '--wrk-threads'),
    bigBytes: positive(values['big-mib'], quick ? 256 : 2048, '--big-mib') * MIB,
    blobClient: blobClient(values.client),
    stowageOnly: values['stowage-only'] === true,
    out: values.out ?? (quick ? '.bench/results-quick.md' : 'bench/results.md'),
    cpuProfileDir: values['cpu-prof'] === undefined ? undefined : path.resolve(values['cpu-prof']),
  };
}

function blobClient(text: string | undefined): BlobTransport {
  if (text === undefined) return curlInstalled() ? 'curl' : 'node';
  if (text !== 'curl' && text !== 'node') throw new Error(`--client is curl or node, not ${JSON.stringify(text)}`);
  if (text === 'curl' && !curlInstalled()) throw new Error('--client curl: curl is not installed');
  return text;
}

function positive(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${flag} needs a positive integer, not ${JSON.stringify(text)}`);
  return value;
}
