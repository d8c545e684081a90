import { createHash } from 'node:crypto';

/** A small raw client for `/v2/`: what the protocol tests use to speak HTTP directly. */

export type DigestAlgorithm = 'sha256' | 'sha512';

export function digestOf(data: Uint8Array | string, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

export function sha256(data: Uint8Array | string): string {
  return digestOf(data, 'sha256');
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** The descriptor of `data` as a manifest names it. */
export function descriptorOf(data: Uint8Array | string, mediaType: string, algorithm: DigestAlgorithm = 'sha256'): Descriptor {
  return { mediaType, digest: digestOf(data, algorithm), size: Buffer.byteLength(data) };
}

/** The error codes the OCI distribution spec (v1.1) defines. */
export const SPEC_ERROR_CODES: readonly string[] = [
  'BLOB_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'BLOB_UPLOAD_UNKNOWN',
  'DIGEST_INVALID',
  'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID',
  'MANIFEST_UNKNOWN',
  'NAME_INVALID',
  'NAME_UNKNOWN',
  'SIZE_INVALID',
  'UNAUTHORIZED',
  'DENIED',
  'UNSUPPORTED',
  'TOOMANYREQUESTS',
];

export interface OciError {
  code: string;
  message?: string;
  detail?: unknown;
}

/**
 * The errors of an error response, after checking the spec's JSON shape:
 * `{"errors":[{"code","message","detail"}]}` with codes of uppercase letters and underscores.
 */
export async function ociErrors(response: Response): Promise<OciError[]> {
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.startsWith('application/json')) throw new Error(`error body is ${contentType || 'untyped'}, not JSON`);
  const body = (await response.json()) as { errors?: unknown };
  if (!Array.isArray(body.errors) || body.errors.length === 0) throw new Error(`no errors array in ${JSON.stringify(body)}`);
  for (const error of body.errors as Record<string, unknown>[]) {
    if (typeof error.code !== 'string' || !/^[A-Z_]+$/.test(error.code)) throw new Error(`bad error code in ${JSON.stringify(error)}`);
    if (error.message !== undefined && typeof error.message !== 'string') throw new Error(`bad message in ${JSON.stringify(error)}`);
  }
  return body.errors as OciError[];
}

/** The code of the first error of an error response (the shape checked as by `ociErrors`). */
export async function errorCode(response: Response): Promise<string> {
  return (await ociErrors(response))[0]!.code;
}

/** Adds query parameters to an upload location, which may carry a query of its own. */
export function withQuery(location: string, params: Record<string, string>): string {
  return `${location}${location.includes('?') ? '&' : '?'}${new URLSearchParams(params).toString()}`;
}

export class OciClient {
  constructor(readonly baseUrl: string) {}

  /** A path (`/v2/...`) or an absolute URL such as a Location header. */
  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const url = /^https?:/.test(path) ? path : `${this.baseUrl}${path}`;
    return fetch(url, { redirect: 'manual', ...init });
  }

  /** Starts an upload session and returns its location. */
  async startUpload(name: string): Promise<string> {
    const start = await this.fetch(`/v2/${name}/blobs/uploads/`, { method: 'POST' });
    if (start.status !== 202) throw new Error(`POST upload: ${start.status} ${await start.text()}`);
    return start.headers.get('location')!;
  }

  /** Sends one chunk of an upload; `range` is the inclusive `start-end` of the chunk. */
  patchChunk(location: string, chunk: Uint8Array | string, range?: string): Promise<Response> {
    const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
    if (range !== undefined) headers['Content-Range'] = range;
    return this.fetch(location, { method: 'PATCH', headers, body: chunk });
  }

  /** Uploads a blob monolithically (POST then PUT ?digest=) and returns its digest. */
  async pushBlob(name: string, data: Uint8Array | string, algorithm: DigestAlgorithm = 'sha256'): Promise<string> {
    const digest = digestOf(data, algorithm);
    const location = await this.startUpload(name);
    const put = await this.fetch(withQuery(location, { digest }), {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: data,
    });
    if (put.status !== 201) throw new Error(`PUT upload: ${put.status} ${await put.text()}`);
    return digest;
  }

  async pushManifest(name: string, reference: string, manifest: object | string, mediaType: string): Promise<Response> {
    const body = typeof manifest === 'string' ? manifest : JSON.stringify(manifest);
    return this.fetch(`/v2/${name}/manifests/${reference}`, {
      method: 'PUT',
      headers: { 'Content-Type': mediaType },
      body,
    });
  }

  /** Pushes a config and layers and an OCI image manifest over them; returns the manifest and its digest. */
  async pushImage(
    name: string,
    reference: string,
    options: { layers?: string[]; config?: object; artifactType?: string; subject?: { digest: string; size: number; mediaType: string } } = {},
  ): Promise<{ digest: string; manifest: Record<string, unknown>; body: string }> {
    const config = JSON.stringify(options.config ?? { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
    const configDigest = await this.pushBlob(name, config);
    const layers = [];
    for (const layer of options.layers ?? ['layer one']) {
      layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: await this.pushBlob(name, layer), size: Buffer.byteLength(layer) });
    }
    const manifest: Record<string, unknown> = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: Buffer.byteLength(config) },
      layers,
    };
    if (options.artifactType) manifest.artifactType = options.artifactType;
    if (options.subject) manifest.subject = options.subject;
    const body = JSON.stringify(manifest);
    const response = await this.pushManifest(name, reference, body, 'application/vnd.oci.image.manifest.v1+json');
    if (response.status !== 201) throw new Error(`PUT manifest: ${response.status} ${await response.text()}`);
    return { digest: sha256(body), manifest, body };
  }
}
