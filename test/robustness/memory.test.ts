import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from '../helpers/process.js';
import { ContentSource, streamDigest, streamRequest } from './support.js';

const MiB = 1024 * 1024;
const BLOB_BYTES = 1024 * MiB;
const CHUNK_BYTES = 64 * MiB;
/** Peak growth of the server's resident set over its idle baseline that still counts as flat for a 1 GiB blob. */
const MAX_RSS_GROWTH = 150 * MiB;

/** A `kB` field of /proc/<pid>/status, in bytes. */
function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Resets the kernel's peak-RSS mark of `pid`; false where that is not permitted. */
function resetPeak(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples the resident set of `pid` every ~100 ms and keeps the largest value. */
function sampleRss(pid: number) {
  let peak = 0;
  let samples = 0;
  const take = () => {
    peak = Math.max(peak, statusField(pid, 'VmRSS'));
    samples++;
  };
  take();
  const timer = setInterval(take, 100);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { peak, samples };
    },
  };
}

const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

describe('server memory while streaming a 1 GiB blob', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-memory-'));
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the resident set flat through a monolithic upload, a chunked upload and a download', async () => {
    server = await spawnServer(['--data-dir', dataDir]);
    const pid = server.child.pid!;
    const url = server.url;

    // Warm up every path once with a small blob, so that the baseline includes loaded code.
    const small = new ContentSource('warm-up', 4 * MiB);
    const smallDigest = await small.digest();
    const warm = await streamRequest(`${url}/v2/mem/warm/blobs/uploads/?digest=${smallDigest}`, 'POST', { 'Content-Length': small.size }, small.stream());
    expect(warm.status).toBe(201);
    expect((await streamDigest(`${url}/v2/mem/warm/blobs/${smallDigest}`)).digest).toBe(smallDigest);

    const source = new ContentSource('one gibibyte', BLOB_BYTES);
    const digest = await source.digest();
    const baseline = statusField(pid, 'VmRSS');
    const peakMarkReset = resetPeak(pid);
    const sampler = sampleRss(pid);

    // Monolithic: POST then one PUT carrying the whole body.
    const session = await streamRequest(`${url}/v2/mem/monolithic/blobs/uploads/`, 'POST', { 'Content-Length': 0 });
    expect(session.status).toBe(202);
    const put = await streamRequest(
      `${url}${session.headers.location}?digest=${digest}`,
      'PUT',
      { 'Content-Type': 'application/octet-stream', 'Content-Length': BLOB_BYTES },
      source.stream(),
    );
    expect(put.status).toBe(201);

    // Chunked: PATCHes of 64 MiB with Content-Range, then PUT without a body.
    const chunked = await streamRequest(`${url}/v2/mem/chunked/blobs/uploads/`, 'POST', { 'Content-Length': 0 });
    expect(chunked.status).toBe(202);
    const location = `${url}${chunked.headers.location}`;
    for (let offset = 0; offset < BLOB_BYTES; offset += CHUNK_BYTES) {
      const patch = await streamRequest(
        location,
        'PATCH',
        { 'Content-Type': 'application/octet-stream', 'Content-Range': `${offset}-${offset + CHUNK_BYTES - 1}`, 'Content-Length': CHUNK_BYTES },
        source.stream(offset, offset + CHUNK_BYTES),
      );
      expect(patch.status).toBe(202);
      expect(patch.headers.range).toBe(`0-${offset + CHUNK_BYTES - 1}`);
    }
    const done = await streamRequest(`${location}?digest=${digest}`, 'PUT', { 'Content-Length': 0 });
    expect(done.status).toBe(201);

    // And back, from each repository.
    expect(await streamDigest(`${url}/v2/mem/monolithic/blobs/${digest}`)).toEqual({ status: 200, digest, size: BLOB_BYTES });
    expect(await streamDigest(`${url}/v2/mem/chunked/blobs/${digest}`)).toEqual({ status: 200, digest, size: BLOB_BYTES });

    const { peak: sampledPeak, samples } = sampler.stop();
    const kernelPeak = peakMarkReset ? statusField(pid, 'VmHWM') : 0;
    const peak = Math.max(sampledPeak, kernelPeak);
    console.log(
      `server RSS: baseline ${mib(baseline)}, sampled peak ${mib(sampledPeak)} (${samples} samples)` +
        (peakMarkReset ? `, kernel peak ${mib(kernelPeak)}` : '') +
        `, growth ${mib(peak - baseline)} for 3 GiB streamed`,
    );
    expect(samples).toBeGreaterThan(10);
    expect(peak - baseline).toBeLessThan(MAX_RSS_GROWTH);
    // The blob is stored once, whole.
    expect(fs.statSync(path.join(dataDir, 'blobs', 'sha256', digest.slice(7, 9), digest.slice(7))).size).toBe(BLOB_BYTES);
  }, 300_000);
});
