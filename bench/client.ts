import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import http from 'node:http';
import { Readable } from 'node:stream';
import { curlRequest, type CurlResult } from './curl.js';
import type { BlobFile } from './data.js';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

type Body = Buffer | string | Readable;

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

const FILE_READ_BUFFER = 1 << 20;

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** What moves the bytes of large blob pushes and pulls: curl (one process per request) or node:http. */
export type BlobTransport = 'curl' | 'node';

/**
 * A minimal `/v2/` client over node:http with a keep-alive agent. Large bodies are streamed
 * from files, by node:http or by curl (`transport`); responses are read into memory except
 * blob pulls, which are counted and discarded.
 */
export class RegistryClient {
  private readonly agent: http.Agent;
  private readonly base: URL;

  constructor(
    baseUrl: string,
    private readonly transport: BlobTransport = 'node',
    maxSockets = 64,
  ) {
    this.base = new URL(baseUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  close(): void {
    this.agent.destroy();
  }

  request(method: string, path: string, options: { headers?: http.OutgoingHttpHeaders; body?: Body } = {}): Promise<Reply> {
    const { body } = options;
    const headers: http.OutgoingHttpHeaders = { ...options.headers };
    if (body !== undefined && !(body instanceof Readable) && headers['content-length'] === undefined) {
      headers['content-length'] = Buffer.byteLength(body);
    }
    return new Promise((resolve, reject) => {
      const request = http.request(
        { host: this.base.hostname, port: this.base.port, method, path, headers, agent: this.agent },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.once('error', reject);
          response.once('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
        },
      );
      request.once('error', reject);
      if (body instanceof Readable) {
        body.once('error', (error) => request.destroy(error));
        body.pipe(request);
      } else {
        request.end(body);
      }
    });
  }

  /** The path and query of a `Location` header (absolute or relative), with extra query parameters. */
  private follow(location: string | string[] | undefined, extra: Record<string, string> = {}): string {
    if (typeof location !== 'string') throw new Error('response has no Location header');
    const url = new URL(location, this.base);
    for (const [key, value] of Object.entries(extra)) url.searchParams.set(key, value);
    return `${url.pathname}${url.search}`;
  }

  async startUpload(repository: string): Promise<string> {
    const reply = await this.request('POST', `/v2/${repository}/blobs/uploads/`, { headers: { 'content-length': 0 } });
    expectStatus(reply, 202, 'POST blob upload');
    return this.follow(reply.headers.location);
  }

  /** A small blob from memory: POST, then PUT ?digest= with the bytes. */
  async pushBlob(repository: string, data: Buffer | string): Promise<string> {
    const digest = sha256(data);
    const location = await this.startUpload(repository);
    const reply = await this.request('PUT', this.follow(location, { digest }), {
      headers: { 'content-type': 'application/octet-stream' },
      body: data,
    });
    expectStatus(reply, 201, 'PUT blob');
    return digest;
  }

  /** A blob streamed from a file in one request: POST, then PUT ?digest= with the whole body. */
  async pushFileMonolithic(repository: string, blob: BlobFile): Promise<void> {
    const location = await this.startUpload(repository);
    const target = this.follow(location, { digest: blob.digest });
    const headers = { 'content-type': 'application/octet-stream', 'content-length': blob.size };
    if (this.transport === 'curl') {
      expectCurlStatus(await curlRequest('PUT', `${this.base.origin}${target}`, { headers, uploadFile: blob.path }), 201, 'PUT blob');
      return;
    }
    const reply = await this.request('PUT', target, { headers, body: createReadStream(blob.path, { highWaterMark: FILE_READ_BUFFER }) });
    expectStatus(reply, 201, 'PUT blob');
  }

  /**
   * A blob streamed from a file in PATCH chunks of `chunkBytes`, then PUT ?digest= without a
   * body. With curl the chunks are uploaded from the blob's part files, which must be of
   * `chunkBytes` each.
   */
  async pushFileChunked(repository: string, blob: BlobFile, chunkBytes: number): Promise<void> {
    const { size } = blob;
    let location = await this.startUpload(repository);
    for (let start = 0, index = 0; start < size; start += chunkBytes, index++) {
      const end = Math.min(size, start + chunkBytes) - 1;
      const headers = {
        'content-type': 'application/octet-stream',
        'content-length': end - start + 1,
        'content-range': `${start}-${end}`,
      };
      const what = `PATCH chunk ${start}-${end}`;
      let next: string | string[] | undefined;
      if (this.transport === 'curl') {
        const part = blob.parts?.[index];
        if (part === undefined) throw new Error(`${blob.path} was not split into ${chunkBytes}-byte parts`);
        const reply = await curlRequest('PATCH', `${this.base.origin}${location}`, { headers, uploadFile: part });
        expectCurlStatus(reply, 202, what);
        next = reply.headers.location;
      } else {
        const reply = await this.request('PATCH', location, {
          headers,
          body: createReadStream(blob.path, { start, end, highWaterMark: FILE_READ_BUFFER }),
        });
        expectStatus(reply, 202, what);
        next = reply.headers.location;
      }
      location = this.follow(next);
    }
    const reply = await this.request('PUT', this.follow(location, { digest: blob.digest }), { headers: { 'content-length': 0 } });
    expectStatus(reply, 201, 'PUT blob after chunks');
  }

  async pushManifest(repository: string, reference: string, body: string, mediaType = OCI_MANIFEST): Promise<void> {
    const reply = await this.request('PUT', `/v2/${repository}/manifests/${reference}`, { headers: { 'content-type': mediaType }, body });
    expectStatus(reply, 201, 'PUT manifest');
  }

  /**
   * A small image: a unique config blob, a unique layer blob and an OCI manifest over them
   * (tagged `tag`). Five requests, as a client pushing a tiny image makes them.
   */
  async pushSmallImage(repository: string, tag: string, unique: string): Promise<void> {
    const config = JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Labels: { 'bench.unique': unique } },
      rootfs: { type: 'layers', diff_ids: [] },
    });
    const layer = Buffer.alloc(1024, `layer ${unique} `);
    const configDigest = await this.pushBlob(repository, config);
    const layerDigest = await this.pushBlob(repository, layer);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: configDigest, size: Buffer.byteLength(config) },
      layers: [{ mediaType: OCI_LAYER, digest: layerDigest, size: layer.length }],
    });
    await this.pushManifest(repository, tag, manifest);
  }

  async blobExists(repository: string, digest: string): Promise<boolean> {
    const reply = await this.request('HEAD', `/v2/${repository}/blobs/${digest}`);
    return reply.status === 200;
  }

  /** GETs a blob and discards the bytes; returns how many arrived. */
  async pullBlob(repository: string, digest: string): Promise<number> {
    const path = `/v2/${repository}/blobs/${digest}`;
    if (this.transport === 'curl') {
      const reply = await curlRequest('GET', `${this.base.origin}${path}`);
      expectCurlStatus(reply, 200, 'GET blob');
      return reply.downloaded;
    }
    return new Promise((resolve, reject) => {
      const request = http.get({ host: this.base.hostname, port: this.base.port, path, agent: this.agent }, (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          reject(new Error(`GET blob: status ${response.statusCode}`));
          return;
        }
        let received = 0;
        response.on('data', (chunk: Buffer) => (received += chunk.length));
        response.once('error', reject);
        response.once('end', () => resolve(received));
      });
      request.once('error', reject);
    });
  }

  async getManifest(repository: string, reference: string, accept = OCI_MANIFEST): Promise<Reply> {
    return this.request('GET', `/v2/${repository}/manifests/${reference}`, { headers: { accept } });
  }
}

function expectCurlStatus(reply: CurlResult, status: number, what: string): void {
  if (reply.status !== status) throw new Error(`${what} (curl): expected ${status}, got ${reply.status}`);
}

export function expectStatus(reply: Reply, status: number, what: string): void {
  if (reply.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${reply.status}: ${reply.body.toString('utf8').slice(0, 500)}`);
  }
}
