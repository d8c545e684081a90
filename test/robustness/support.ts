import { createCipheriv, createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';

/** A response read off the wire by the raw client. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The parsed OCI error body, or undefined when the body is not one. */
export function ociErrorCodes(response: RawResponse | { body: string }): string[] | undefined {
  try {
    const parsed = JSON.parse(response.body) as { errors?: { code?: unknown; message?: unknown }[] };
    if (!Array.isArray(parsed.errors) || parsed.errors.length === 0) return undefined;
    if (!parsed.errors.every((e) => typeof e.code === 'string' && typeof e.message === 'string')) return undefined;
    return parsed.errors.map((e) => e.code as string);
  } catch {
    return undefined;
  }
}

/**
 * Parses an HTTP/1.1 response from the bytes received so far; undefined while it is
 * incomplete. Handles Content-Length and chunked bodies; a body of unknown length ends
 * with the connection (`ended`).
 */
function parseResponse(data: Buffer, ended: boolean, method: string): RawResponse | undefined {
  const headEnd = data.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const [statusLine, ...lines] = data.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = data.subarray(headEnd + 4);
  if (method === 'HEAD' || status === 204 || status === 304) return { status, headers, body: '' };
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    const parts: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const lineEnd = rest.indexOf('\r\n', offset);
      if (lineEnd < 0) return undefined;
      const size = parseInt(rest.subarray(offset, lineEnd).toString('latin1'), 16);
      if (size === 0) return { status, headers, body: Buffer.concat(parts).toString('utf8') };
      if (rest.length < lineEnd + 2 + size + 2) return undefined;
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      offset = lineEnd + 2 + size + 2;
    }
  }
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (rest.length < length) return undefined;
    return { status, headers, body: rest.subarray(0, length).toString('utf8') };
  }
  return ended ? { status, headers, body: rest.toString('utf8') } : undefined;
}

export interface RawConnection {
  socket: net.Socket;
  /** The server's answer; rejects if the connection ends first. */
  response: Promise<RawResponse>;
}

/**
 * Opens a connection and writes `head` (request line and headers, sent byte for byte,
 * so nothing normalises the path) and optionally the start of a body. The caller decides
 * whether to send the rest.
 */
export function openRaw(host: string, head: string, body?: Buffer | string): Promise<RawConnection> {
  const [hostname, port] = splitHost(host);
  const method = head.slice(0, head.indexOf(' '));
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, hostname);
    const received: Buffer[] = [];
    const response = new Promise<RawResponse>((resolveResponse, rejectResponse) => {
      const settle = (ended: boolean) => {
        const parsed = parseResponse(Buffer.concat(received), ended, method);
        if (parsed) resolveResponse(parsed);
        else if (ended) rejectResponse(new Error('connection closed without a complete response'));
      };
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk);
        settle(false);
      });
      socket.on('close', () => settle(true));
      socket.on('error', () => undefined); // surfaces as a close without a response
    });
    response.catch(() => undefined); // callers that hang up do not wait for it
    socket.once('connect', () => {
      socket.write(Buffer.from(head, 'latin1'));
      if (body !== undefined) socket.write(body);
      resolve({ socket, response });
    });
    socket.once('error', reject);
  });
}

/** One complete request on its own connection, with `Connection: close`. */
export async function rawRequest(
  host: string,
  method: string,
  target: string,
  options: { headers?: Record<string, string | number>; body?: Buffer | string } = {},
): Promise<RawResponse> {
  const headers: Record<string, string | number> = { Host: host, Connection: 'close', ...options.headers };
  if (options.body !== undefined && headers['Content-Length'] === undefined && headers['Transfer-Encoding'] === undefined) {
    headers['Content-Length'] = Buffer.byteLength(options.body);
  }
  const head = `${method} ${target} HTTP/1.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;
  const connection = await openRaw(host, head, options.body);
  try {
    return await connection.response;
  } finally {
    connection.socket.destroy();
  }
}

function splitHost(host: string): [string, number] {
  const colon = host.lastIndexOf(':');
  return [host.slice(0, colon).replace(/^\[|\]$/g, ''), Number(host.slice(colon + 1))];
}

/**
 * Every file and directory under `root` with its size and content hash, so two snapshots
 * show whether anything was created, removed or changed. SQLite's files change under
 * reads and background writes (pull times), so only their presence is compared; the
 * metadata is compared through the API instead.
 */
export function snapshotTree(root: string): Record<string, string> {
  const entries: Record<string, string> = {};
  const walk = (directory: string) => {
    for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
      const full = path.join(directory, entry.name);
      const relative = path.relative(root, full);
      if (entry.isDirectory()) {
        entries[`${relative}/`] = 'dir';
        walk(full);
      } else if (/\.sqlite(-wal|-shm|-journal)?$/.test(entry.name)) {
        entries[relative] = 'present';
      } else {
        const content = fs.readFileSync(full);
        entries[relative] = `${content.length}:${createHash('sha256').update(content).digest('hex')}`;
      }
    }
  };
  walk(root);
  return entries;
}

/** Files (not directories) directly in `directory`, or none when it does not exist. */
export function filesIn(directory: string): string[] {
  try {
    return fs.readdirSync(directory, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
  } catch {
    return [];
  }
}

/**
 * Deterministic pseudo-random bytes: AES-128-CTR over zeros, keyed by `seed`. Any
 * range can be produced on its own, and a stream of any length needs no memory beyond
 * one chunk.
 */
export class ContentSource {
  private readonly key: Buffer;

  constructor(
    seed: string,
    readonly size: number,
  ) {
    this.key = createHash('sha256').update(seed).digest().subarray(0, 16);
  }

  /** The bytes [start, end) of the content. */
  slice(start: number, end: number): Buffer {
    const blockStart = Math.floor(start / 16);
    const iv = Buffer.alloc(16);
    iv.writeBigUInt64BE(BigInt(blockStart), 8);
    const cipher = createCipheriv('aes-128-ctr', this.key, iv);
    const skip = start - blockStart * 16;
    return cipher.update(Buffer.alloc(end - start + skip)).subarray(skip);
  }

  /** A stream of the bytes [start, end) in chunks of `chunkBytes`. */
  stream(start = 0, end = this.size, chunkBytes = 1 << 20): Readable {
    const source = this;
    let position = start;
    return new Readable({
      read() {
        if (position >= end) {
          this.push(null);
          return;
        }
        const next = Math.min(end, position + chunkBytes);
        const chunk = source.slice(position, next);
        position = next;
        this.push(chunk);
      },
    });
  }

  /** The sha256 digest of the whole content, computed by streaming it. */
  async digest(): Promise<string> {
    const hash = createHash('sha256');
    for await (const chunk of this.stream()) hash.update(chunk as Buffer);
    return `sha256:${hash.digest('hex')}`;
  }
}

/** Result of streaming a body through a hash. */
export interface StreamedDigest {
  status: number;
  digest: string;
  size: number;
}

/** GETs a URL with node:http and hashes the body as it streams, holding none of it. */
export function streamDigest(url: string): Promise<StreamedDigest> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false }, (response) => {
      const hash = createHash('sha256');
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        size += chunk.length;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, digest: `sha256:${hash.digest('hex')}`, size }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

/** Sends a request whose body is `body` (streamed), and resolves to the response and its text. */
export function streamRequest(
  url: string,
  method: string,
  headers: Record<string, string | number>,
  body?: Readable,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
    if (body) {
      body.on('error', (error) => request.destroy(error));
      body.pipe(request);
    } else {
      request.end();
    }
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
