import { createHash } from 'node:crypto';

/** A small raw client for `/v2/`: what the protocol tests use to speak HTTP directly. */
export function sha256(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export class OciClient {
  constructor(readonly baseUrl: string) {}

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, { redirect: 'manual', ...init });
  }

  /** Uploads a blob monolithically (POST then PUT ?digest=) and returns its digest. */
  async pushBlob(name: string, data: Uint8Array | string): Promise<string> {
    const digest = sha256(data);
    const start = await this.fetch(`/v2/${name}/blobs/uploads/`, { method: 'POST' });
    if (start.status !== 202) throw new Error(`POST upload: ${start.status} ${await start.text()}`);
    const location = start.headers.get('location')!;
    const separator = location.includes('?') ? '&' : '?';
    const put = await this.fetch(`${location}${separator}digest=${digest}`, {
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
