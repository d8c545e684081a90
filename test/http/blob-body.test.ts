import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sendBlob } from '../../src/http/blob-body.js';
import type { BlobContent } from '../../src/registry/blob-content.js';
import type { BlobReader, ByteRange } from '../../src/storage/blobs/blob-store.js';

const MiB = 1024 * 1024;
const WAIT = { timeout: 10_000, interval: 10 };

/** A reader over memory that records what is asked of it; it can fail, or hold the blob shorter than its size. */
class MemoryReader implements BlobReader {
  readonly reads: number[] = [];
  closes = 0;

  constructor(
    private readonly data: Buffer,
    private readonly options: { failAtRead?: number; actualLength?: number } = {},
  ) {}

  get size(): number {
    return this.data.length;
  }

  async read(buffer: Uint8Array, position: number, length = buffer.byteLength): Promise<number> {
    if (this.closes > 0) throw new Error('read after close');
    this.reads.push(position);
    await new Promise((resolve) => setImmediate(resolve));
    if (this.options.failAtRead !== undefined && this.reads.length > this.options.failAtRead) throw new Error('disk on fire');
    const end = Math.min(this.options.actualLength ?? this.data.length, position + Math.min(length, buffer.byteLength));
    if (position >= end) return 0;
    this.data.copy(buffer, 0, position, end);
    return end - position;
  }

  async close(): Promise<void> {
    this.closes++;
  }
}

/** Deterministic bytes that differ at every offset (so a misplaced chunk shows). */
function content(size: number): Buffer {
  const data = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) data.writeUInt32BE(i, i);
  return data;
}

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

interface Served {
  size: number;
  range?: ByteRange;
  content: BlobContent;
}

describe('sendBlob', () => {
  let app: FastifyInstance;
  let base: string;
  let next: (() => Served) | undefined;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  beforeAll(async () => {
    app = Fastify();
    app.get('/blob', async (_request, reply) => {
      const served = next!();
      reply.header('Content-Type', 'application/octet-stream').header('X-Extra', 'kept');
      await sendBlob(reply, { size: served.size, range: served.range, content: served.content });
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    agent.destroy();
    await app.close();
  });

  function get(): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      http
        .get(`${base}/blob`, { agent }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
          response.on('error', reject);
          response.on('aborted', () => reject(new Error('aborted')));
        })
        .on('error', reject);
    });
  }

  it('sends a blob of several buffers whole, with its length and the headers set before', async () => {
    const data = content(5 * MiB + 123);
    const reader = new MemoryReader(data);
    next = () => ({ size: data.length, content: { reader } });
    const response = await get();
    expect(response.status).toBe(200);
    expect(response.headers['content-length']).toBe(String(data.length));
    expect(response.headers['x-extra']).toBe('kept');
    expect(sha(response.body)).toBe(sha(data));
    await vi.waitFor(() => expect(reader.closes).toBe(1), WAIT);
    // Sequential reads, each starting where the previous ended.
    expect(reader.reads[0]).toBe(0);
    expect(reader.reads).toEqual([...reader.reads].sort((a, b) => a - b));
  });

  it('sends a range spanning several buffers as 206, and keeps the connection usable', async () => {
    const data = content(4 * MiB);
    const range = { start: 1000, end: 3 * MiB + 5 };
    const reader = new MemoryReader(data);
    next = () => ({ size: data.length, range, content: { reader } });
    const response = await get();
    expect(response.status).toBe(206);
    expect(response.headers['content-range']).toBe(`bytes ${range.start}-${range.end}/${data.length}`);
    expect(response.headers['content-length']).toBe(String(range.end - range.start + 1));
    expect(response.body.equals(data.subarray(range.start, range.end + 1))).toBe(true);
    expect(reader.reads[0]).toBe(range.start);
    await vi.waitFor(() => expect(reader.closes).toBe(1), WAIT);

    // The next request on the same keep-alive connection is answered normally.
    const small = content(100);
    next = () => ({ size: small.length, range: { start: 99, end: 99 }, content: { reader: new MemoryReader(small) } });
    const last = await get();
    expect(last.status).toBe(206);
    expect(last.body.equals(small.subarray(99))).toBe(true);
  });

  it('sends an empty blob without reading', async () => {
    const reader = new MemoryReader(Buffer.alloc(0));
    next = () => ({ size: 0, content: { reader } });
    const response = await get();
    expect(response.status).toBe(200);
    expect(response.headers['content-length']).toBe('0');
    expect(response.body.length).toBe(0);
    expect(reader.reads).toEqual([]);
    await vi.waitFor(() => expect(reader.closes).toBe(1), WAIT);
  });

  it('sends a stream when the store has no reader', async () => {
    const data = content(3 * MiB);
    next = () => ({ size: data.length, content: { stream: Readable.from([data.subarray(0, MiB), data.subarray(MiB)]) } });
    const response = await get();
    expect(response.status).toBe(200);
    expect(response.headers['content-length']).toBe(String(data.length));
    expect(sha(response.body)).toBe(sha(data));
  });

  for (const [what, options] of [
    ['a read fails', { failAtRead: 2 }],
    ['the content ends before its size', { actualLength: 2 * MiB + 10 }],
  ] as const) {
    it(`cuts the connection when ${what} mid-transfer, and closes the reader`, async () => {
      const data = content(6 * MiB);
      const reader = new MemoryReader(data, options);
      next = () => ({ size: data.length, content: { reader } });
      await expect(get()).rejects.toThrow();
      await vi.waitFor(() => expect(reader.closes).toBe(1), WAIT);
    });
  }

  it('stops reading and closes the reader when the client hangs up', async () => {
    const data = content(64 * MiB);
    const reader = new MemoryReader(data);
    next = () => ({ size: data.length, content: { reader } });
    await new Promise<void>((resolve, reject) => {
      const request = http.get(`${base}/blob`, { agent: false }, (response) => {
        response.once('data', () => {
          request.destroy();
          resolve();
        });
      });
      request.on('error', () => undefined);
      request.setTimeout(10_000, () => reject(new Error('no data')));
    });
    await vi.waitFor(() => expect(reader.closes).toBe(1), WAIT);
    const readsAtClose = reader.reads.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reader.reads.length).toBe(readsAtClose);
    expect(readsAtClose).toBeLessThan(64);
  });

  it('reads no further ahead than its buffers while the client does not read', async () => {
    const data = content(64 * MiB);
    const reader = new MemoryReader(data);
    next = () => ({ size: data.length, content: { reader } });
    let paused: http.IncomingMessage | undefined;
    const received = new Promise<Buffer>((resolve, reject) => {
      http
        .get(`${base}/blob`, { agent: false }, (response) => {
          response.pause();
          paused = response;
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve(Buffer.concat(chunks)));
          response.on('error', reject);
        })
        .on('error', reject);
    });
    await vi.waitFor(() => expect(paused).toBeDefined(), WAIT);
    // The socket buffers fill up, then the transfer stalls: reads stop far short of the blob.
    let reads = -1;
    await vi.waitFor(async () => {
      const before = reader.reads.length;
      await new Promise((resolve) => setTimeout(resolve, 200));
      reads = reader.reads.length;
      expect(reads).toBe(before);
    }, WAIT);
    expect(reads).toBeLessThan(40); // 64 reads of 1 MiB would be the whole blob
    paused!.resume();
    expect(sha(await received)).toBe(sha(data));
    await vi.waitFor(() => expect(reader.closes).toBe(1), WAIT);
  });
});
