import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { trackChild, which } from './system.js';

/** What a fixed-duration GET load run measured. */
export interface LoadResult {
  requestsPerSecond: number;
  p99Ms: number;
  /** Responses other than 2xx/3xx, and socket errors: a run with any is not trusted. */
  errors: number;
  tool: 'wrk' | 'in-process';
}

export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  connections: number;
  durationSeconds: number;
  threads: number;
  /** A directory for the wrk script. */
  scratchDir: string;
}

export function wrkInstalled(): boolean {
  return which('wrk') !== undefined;
}

/** Runs wrk when it is installed, otherwise an in-process keep-alive load of the same shape. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return wrkInstalled() ? runWrk(spec) : runInProcess(spec);
}

async function runWrk(spec: LoadSpec): Promise<LoadResult> {
  const script = path.join(spec.scratchDir, 'headers.lua');
  writeFileSync(
    script,
    Object.entries(spec.headers)
      .map(([name, value]) => `wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}\n`)
      .join(''),
  );
  const args = [
    '-t', String(Math.min(spec.threads, spec.connections)),
    '-c', String(spec.connections),
    '-d', `${spec.durationSeconds}s`,
    '--latency',
    '-s', script,
    spec.url,
  ];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    trackChild(child);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (code === 0) resolve(text);
      else reject(new Error(`wrk exited with ${code}:\n${text}`));
    });
  });
  return parseWrkOutput(output);
}

/** Reads `Requests/sec`, the 99% latency line, non-2xx responses and socket errors from wrk's report. */
export function parseWrkOutput(output: string): LoadResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(output);
  if (!rps || !p99) throw new Error(`cannot read wrk output:\n${output}`);
  const scale: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
  let errors = 0;
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(output);
  if (non2xx) errors += Number(non2xx[1]);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  if (socket) errors += socket.slice(1).reduce((sum, value) => sum + Number(value), 0);
  return { requestsPerSecond: Number(rps[1]), p99Ms: Number(p99[1]) * scale[p99[2]!]!, errors, tool: 'wrk' };
}

/** `connections` keep-alive loops, each sending its next GET as soon as the last one is answered. */
async function runInProcess(spec: LoadSpec): Promise<LoadResult> {
  const url = new URL(spec.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections, maxFreeSockets: spec.connections });
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + spec.durationSeconds * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const sent = performance.now();
      const request = http.get(
        { host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, headers: spec.headers, agent },
        (response) => {
          response.resume();
          response.once('end', () => {
            if ((response.statusCode ?? 0) >= 400) errors++;
            latencies.push(performance.now() - sent);
            resolve();
          });
        },
      );
      request.once('error', () => {
        errors++;
        resolve();
      });
    });
  const loop = async () => {
    while (performance.now() < deadline) await one();
  };
  await Promise.all(Array.from({ length: spec.connections }, loop));
  const elapsedSeconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.99) - 1)] ?? Number.NaN;
  return { requestsPerSecond: latencies.length / elapsedSeconds, p99Ms: p99, errors, tool: 'in-process' };
}
