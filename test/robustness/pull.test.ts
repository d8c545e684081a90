import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OciClient } from '../helpers/oci-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ContentSource } from './support.js';

const MiB = 1024 * 1024;
const WAIT = { timeout: 10_000, interval: 20 };
const NAME = 'pull/edges';

/** Files under `directory` that this process (the in-process server) holds open. */
function openFilesUnder(directory: string): string[] {
  const open: string[] = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(`${directory}/`)) open.push(target);
    } catch {
      // closed while listing
    }
  }
  return open;
}

interface Pulled {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Whether the connection was cut before the declared length arrived. */
  cut: boolean;
}

function pull(url: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Pulled> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      let cut = false;
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('aborted', () => (cut = true));
      response.on('error', () => (cut = true));
      response.on('close', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks), cut: cut || !response.complete }));
    });
    request.on('error', reject);
    request.end();
  });
}

/** Starts a GET and hangs up once `after` happened: the first body bytes arrived, or only the headers. */
function pullAndHangUp(url: string, after: 'data' | 'headers', headers: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false, headers }, (response) => {
      if (after === 'headers') {
        response.pause();
        request.destroy();
        resolve();
        return;
      }
      response.once('data', () => {
        request.destroy();
        resolve();
      });
    });
    request.on('error', (error) => {
      if (!request.destroyed) reject(error);
    });
  });
}

describe('blob pulls: ranges, HEAD, hang-ups and damaged content', () => {
  let server: TestServer;
  let client: OciClient;
  let blobsDir: string;
  const source = new ContentSource('pull edges', 24 * MiB + 17);
  let data: Buffer;
  let digest: string;
  let url: string;
  // A file handle left open is closed by the garbage collector, with a warning: none may appear.
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.message);

  beforeAll(async () => {
    process.on('warning', onWarning);
    server = await startTestServer();
    client = new OciClient(server.url);
    blobsDir = path.join(server.dataDir, 'blobs');
    data = source.slice(0, source.size);
    digest = await client.pushBlob(NAME, data);
    url = `${server.url}/v2/${NAME}/blobs/${digest}`;
  });
  afterAll(async () => {
    process.off('warning', onWarning);
    await server.close();
  });

  /** No blob file open, now or left to the garbage collector. */
  async function expectNoOpenBlobFiles(): Promise<void> {
    await vi.waitFor(() => expect(openFilesUnder(blobsDir)).toEqual([]), WAIT);
    expect(warnings.filter((message) => /garbage collection/i.test(message))).toEqual([]);
  }

  it('serves the whole blob, byte for byte, and leaves no file open', async () => {
    const response = await pull(url);
    expect(response.status).toBe(200);
    expect(response.cut).toBe(false);
    expect(response.headers['content-length']).toBe(String(data.length));
    expect(response.headers['docker-content-digest']).toBe(digest);
    expect(response.headers['docker-distribution-api-version']).toBe('registry/2.0');
    expect(`sha256:${createHash('sha256').update(response.body).digest('hex')}`).toBe(digest);
    await expectNoOpenBlobFiles();
  });

  it('serves ranges that span several read buffers, start at odd offsets or run to the end', async () => {
    for (const [header, start, end] of [
      [`bytes=1000-${3 * MiB + 5}`, 1000, 3 * MiB + 5],
      [`bytes=${MiB - 1}-${MiB}`, MiB - 1, MiB],
      [`bytes=${data.length - 10}-`, data.length - 10, data.length - 1],
      ['bytes=-5', data.length - 5, data.length - 1],
      [`bytes=0-${data.length + 100}`, 0, data.length - 1],
    ] as const) {
      const response = await pull(url, { headers: { Range: header } });
      expect(response.status, header).toBe(206);
      expect(response.headers['content-range'], header).toBe(`bytes ${start}-${end}/${data.length}`);
      expect(response.body.equals(data.subarray(start, end + 1)), header).toBe(true);
    }
    await expectNoOpenBlobFiles();
  });

  it('answers an unsatisfiable range with 416 and opens nothing', async () => {
    const response = await pull(url, { headers: { Range: `bytes=${data.length}-` } });
    expect(response.status).toBe(416);
    expect(response.headers['content-range']).toBe(`bytes */${data.length}`);
    expect(openFilesUnder(blobsDir)).toEqual([]);
  });

  it('answers HEAD with the length and digest and no body', async () => {
    const response = await pull(url, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers['content-length']).toBe(String(data.length));
    expect(response.headers['docker-content-digest']).toBe(digest);
    expect(response.body.length).toBe(0);
    expect(openFilesUnder(blobsDir)).toEqual([]);
  });

  for (const after of ['data', 'headers'] as const) {
    it(`closes the blob file when the client hangs up mid-transfer (after the ${after})`, async () => {
      for (let i = 0; i < 5; i++) {
        await pullAndHangUp(url, after, i % 2 === 1 ? { Range: 'bytes=100-' } : {});
      }
      await expectNoOpenBlobFiles();
      // And the registry serves on.
      const response = await pull(url, { headers: { Range: 'bytes=5-9' } });
      expect(response.body.equals(data.subarray(5, 10))).toBe(true);
    });
  }

  it('cuts the connection when the stored blob is shorter than recorded, and closes the file', async () => {
    const damaged = source.slice(0, 3 * MiB);
    const damagedDigest = await client.pushBlob(NAME, damaged);
    const file = path.join(blobsDir, 'sha256', damagedDigest.slice(7, 9), damagedDigest.slice(7));
    fs.truncateSync(file, 2 * MiB + 3);
    const response = await pull(`${server.url}/v2/${NAME}/blobs/${damagedDigest}`);
    expect(response.status).toBe(200);
    expect(response.headers['content-length']).toBe(String(damaged.length));
    expect(response.cut).toBe(true);
    expect(response.body.length).toBeLessThan(damaged.length);
    await expectNoOpenBlobFiles();
  });
});
