import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Dialect } from '../../src/storage/meta/database.js';
import { freshDatabaseUrl, testDialects } from '../helpers/databases.js';
import { OciClient, sha256 } from '../helpers/oci-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { filesIn, ociErrorCodes, openRaw, rawRequest, snapshotTree, type RawResponse } from './support.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DEFAULT_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** How long to wait for the server to reach a state it must reach (generous: CI machines are busy). */
const WAIT = { timeout: 10_000, interval: 20 };

/** A registry whose data directory sits in a sandbox beside canary files, so traversal out of it would show. */
interface Sandboxed {
  server: TestServer;
  client: OciClient;
  sandbox: string;
  dataDir: string;
  /** Requests the server has begun and not yet finished answering. */
  inFlight(): number;
  close(): Promise<void>;
}

async function startSandboxed(dialect: Dialect, config: { maxManifestBytes?: number } = {}): Promise<Sandboxed> {
  const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-bad-input-'));
  const dataDir = path.join(sandbox, 'data');
  fs.mkdirSync(path.join(sandbox, 'etc'));
  fs.writeFileSync(path.join(sandbox, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
  fs.writeFileSync(path.join(sandbox, 'canary.txt'), 'outside the data directory\n');
  const databaseUrl = await freshDatabaseUrl(dialect, dataDir);
  const server = await startTestServer({ dialect, config: { dataDir, databaseUrl, ...config } });
  let open = 0;
  (server.app.server as Server).on('request', (_request, response) => {
    open++;
    response.once('close', () => open--);
  });
  return {
    server,
    client: new OciClient(server.url),
    sandbox,
    dataDir,
    inFlight: () => open,
    async close() {
      await server.close();
      fs.rmSync(sandbox, { recursive: true, force: true });
    },
  };
}

/** What a rejected request must leave as it was: every file in the sandbox, the catalog and every tag list. */
async function observe(registry: Sandboxed) {
  const catalog = (await (await registry.client.fetch('/v2/_catalog')).json()) as { repositories: string[] };
  const tags: Record<string, unknown> = {};
  for (const name of catalog.repositories) tags[name] = await (await registry.client.fetch(`/v2/${name}/tags/list`)).json();
  return { tree: snapshotTree(registry.sandbox), repositories: catalog.repositories, tags };
}

async function expectUnchanged(registry: Sandboxed, before: Awaited<ReturnType<typeof observe>>): Promise<void> {
  await vi.waitFor(async () => expect(await observe(registry)).toEqual(before), WAIT);
}

function expectOciError(response: RawResponse | { status: number; body: string }, status: number, code: string): void {
  expect({ status: response.status, codes: ociErrorCodes(response) }).toEqual({ status, codes: [code] });
}

async function fetchError(response: Response): Promise<{ status: number; body: string }> {
  return { status: response.status, body: await response.text() };
}

/** An OCI image manifest over the given blobs, optionally padded (with an annotation) to exactly `totalBytes`. */
function imageManifest(config: { digest: string; size: number }, layers: { digest: string; size: number }[], totalBytes?: number): string {
  const document = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, ...config },
    layers: layers.map((layer) => ({ mediaType: OCI_LAYER, ...layer })),
    annotations: { pad: '' },
  };
  if (totalBytes === undefined) return JSON.stringify(document);
  document.annotations.pad = 'x'.repeat(totalBytes - Buffer.byteLength(JSON.stringify(document)));
  const body = JSON.stringify(document);
  if (Buffer.byteLength(body) !== totalBytes) throw new Error('padding miscalculated');
  return body;
}

function uploadPath(location: string): string {
  return new URL(location, 'http://registry').pathname;
}

describe.each(testDialects())('bad input on %s', (dialect) => {
  let registry: Sandboxed;
  let client: OciClient;
  let host: string;
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
  const layer = 'the only layer of team/app';
  let base: { digest: string; body: string };

  beforeAll(async () => {
    registry = await startSandboxed(dialect);
    client = registry.client;
    host = registry.server.host;
    base = await client.pushImage('team/app', 'v1', { layers: [layer], config: JSON.parse(config) as object });
  });
  afterAll(() => registry.close());

  const uploadsDir = () => path.join(registry.dataDir, 'uploads');

  async function startSession(name = 'team/app'): Promise<string> {
    const response = await client.fetch(`/v2/${name}/blobs/uploads/`, { method: 'POST' });
    expect(response.status).toBe(202);
    return uploadPath(response.headers.get('location')!);
  }

  async function headBlob(name: string, digest: string): Promise<number> {
    return (await client.fetch(`/v2/${name}/blobs/${digest}`, { method: 'HEAD' })).status;
  }

  describe('blob digests', () => {
    it('refuses a single-request upload whose content does not match its digest, keeping nothing', async () => {
      const before = await observe(registry);
      const content = 'content that is not what the digest says';
      const claimed = sha256('something else entirely');
      for (const name of ['team/app', 'fresh/blob-digest']) {
        const response = await client.fetch(`/v2/${name}/blobs/uploads/?digest=${claimed}`, { method: 'POST', body: content });
        expectOciError(await fetchError(response), 400, 'DIGEST_INVALID');
      }
      expect(await headBlob('team/app', claimed)).toBe(404);
      expect(await headBlob('team/app', sha256(content))).toBe(404);
      await expectUnchanged(registry, before);
    });

    it('refuses a session whose content does not match the digest on PUT and discards the session', async () => {
      const before = await observe(registry);
      const content = 'session content';
      const claimed = sha256('other content');

      // The whole body with the PUT.
      const whole = await startSession();
      let response = await client.fetch(`${whole}?digest=${claimed}`, { method: 'PUT', body: content });
      expectOciError(await fetchError(response), 400, 'DIGEST_INVALID');
      expectOciError(await fetchError(await client.fetch(whole)), 404, 'BLOB_UPLOAD_UNKNOWN');

      // Chunks first, then a PUT without a body.
      const chunked = await startSession();
      response = await client.fetch(chunked, {
        method: 'PATCH',
        headers: { 'Content-Range': `0-${content.length - 1}`, 'Content-Length': String(content.length) },
        body: content,
      });
      expect(response.status).toBe(202);
      response = await client.fetch(`${chunked}?digest=${claimed}`, { method: 'PUT' });
      expectOciError(await fetchError(response), 400, 'DIGEST_INVALID');
      expectOciError(await fetchError(await client.fetch(chunked)), 404, 'BLOB_UPLOAD_UNKNOWN');

      // A sha512 digest (the upload is then hashed with sha512) of other content does not match either.
      const sha512 = `sha512:${createHash('sha512').update('different').digest('hex')}`;
      const third = await startSession();
      response = await client.fetch(`${third}?digest=${sha512}`, { method: 'PUT', body: content });
      expectOciError(await fetchError(response), 400, 'DIGEST_INVALID');

      for (const digest of [claimed, sha256(content), sha512]) expect(await headBlob('team/app', digest)).toBe(404);
      await expectUnchanged(registry, before);
    });

    it('refuses malformed and unsupported digests', async () => {
      const before = await observe(registry);
      const hex = 'a'.repeat(64);
      const digests = [
        'sha256:' + hex.slice(1),
        'sha256:' + hex.toUpperCase(),
        'sha256:' + 'g'.repeat(64),
        'md5:' + 'a'.repeat(32),
        'sha256',
        'sha256:',
        ':' + hex,
        'sha256:../../' + hex.slice(6),
      ];
      for (const digest of digests) {
        const target = `/v2/team/app/blobs/uploads/?digest=${encodeURIComponent(digest)}`;
        expectOciError(await rawRequest(host, 'POST', target, { body: 'x' }), 400, 'DIGEST_INVALID');
        const session = await startSession();
        const put = await rawRequest(host, 'PUT', `${session}?digest=${encodeURIComponent(digest)}`, { body: 'x' });
        expectOciError(put, 400, 'DIGEST_INVALID');
      }
      await expectUnchanged(registry, before);
    });
  });

  describe('truncated uploads', () => {
    const content = Buffer.alloc(256 * 1024, 7);
    const sent = 100 * 1024;

    for (const hangUp of ['end', 'destroy', 'reset'] as const) {
      it(`discards a single-request upload cut short (${hangUp})`, async () => {
        // Into a repository that does not exist yet: the cut-off push must not create it.
        const name = `cut/${hangUp}`;
        const before = await observe(registry);
        const digest = sha256(content);
        const existing = new Set(filesIn(uploadsDir()));
        const { socket } = await openRaw(
          host,
          `POST /v2/${name}/blobs/uploads/?digest=${digest} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${content.length}\r\n\r\n`,
          content.subarray(0, sent),
        );
        // The server is mid-write: the part sent so far is in an upload file.
        await vi.waitFor(() => {
          const files = filesIn(uploadsDir()).filter((file) => !existing.has(file));
          expect(files).toHaveLength(1);
          expect(fs.statSync(path.join(uploadsDir(), files[0]!)).size).toBe(sent);
        }, WAIT);
        if (hangUp === 'end') socket.end();
        else if (hangUp === 'destroy') socket.destroy();
        else socket.resetAndDestroy();
        await vi.waitFor(() => expect(registry.inFlight()).toBe(0), WAIT);
        await expectUnchanged(registry, before);
        expect(await headBlob(name, digest)).toBe(404);

        // The same blob uploads whole afterwards.
        const response = await client.fetch(`/v2/${name}/blobs/uploads/?digest=${digest}`, { method: 'POST', body: content });
        expect(response.status).toBe(201);
        const pulled = Buffer.from(await (await client.fetch(`/v2/${name}/blobs/${digest}`)).arrayBuffer());
        expect(sha256(pulled)).toBe(digest);
        expect((await client.fetch(`/v2/${name}/blobs/${digest}`, { method: 'DELETE' })).status).toBe(202);
      });

      it(`keeps a session at its previous size when a chunk is cut short (${hangUp})`, async () => {
        const session = await startSession();
        const first = 1000;
        let response = await client.fetch(session, {
          method: 'PATCH',
          headers: { 'Content-Range': `0-${first - 1}` },
          body: content.subarray(0, first),
        });
        expect(response.status).toBe(202);
        const before = await observe(registry);
        const id = session.split('/').at(-1)!;
        const chunkLength = content.length - first;
        const { socket } = await openRaw(
          host,
          `PATCH ${session} HTTP/1.1\r\nHost: ${host}\r\nContent-Range: ${first}-${content.length - 1}\r\nContent-Length: ${chunkLength}\r\n\r\n`,
          content.subarray(first, first + sent),
        );
        await vi.waitFor(() => expect(fs.statSync(path.join(uploadsDir(), id)).size).toBe(first + sent), WAIT);
        if (hangUp === 'end') socket.end();
        else if (hangUp === 'destroy') socket.destroy();
        else socket.resetAndDestroy();
        await vi.waitFor(() => expect(registry.inFlight()).toBe(0), WAIT);
        // The session file is back to the bytes acknowledged before, byte for byte.
        await expectUnchanged(registry, before);
        response = await client.fetch(session);
        expect(response.status).toBe(204);
        expect(response.headers.get('range')).toBe(`0-${first - 1}`);

        // The client resumes where the registry says the session ends.
        response = await client.fetch(session, {
          method: 'PATCH',
          headers: { 'Content-Range': `${first}-${content.length - 1}` },
          body: content.subarray(first),
        });
        expect(response.status).toBe(202);
        const digest = sha256(content);
        response = await client.fetch(`${session}?digest=${digest}`, { method: 'PUT' });
        expect(response.status).toBe(201);
        expect(sha256(Buffer.from(await (await client.fetch(`/v2/team/app/blobs/${digest}`)).arrayBuffer()))).toBe(digest);
        expect((await client.fetch(`/v2/team/app/blobs/${digest}`, { method: 'DELETE' })).status).toBe(202);
      });
    }

    it('discards the session when the final PUT is cut short', async () => {
      const before = await observe(registry);
      const session = await startSession();
      const id = session.split('/').at(-1)!;
      const digest = sha256(content);
      const { socket } = await openRaw(
        host,
        `PUT ${session}?digest=${digest} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${content.length}\r\n\r\n`,
        content.subarray(0, sent),
      );
      await vi.waitFor(() => expect(fs.statSync(path.join(uploadsDir(), id)).size).toBe(sent), WAIT);
      socket.destroy();
      await vi.waitFor(() => expect(registry.inFlight()).toBe(0), WAIT);
      await expectUnchanged(registry, before);
      expect(await headBlob('team/app', digest)).toBe(404);
      expectOciError(await fetchError(await client.fetch(session)), 404, 'BLOB_UPLOAD_UNKNOWN');
    });

    it('stores nothing from a manifest PUT cut short', async () => {
      const before = await observe(registry);
      const body = Buffer.from(imageManifest({ digest: sha256(config), size: config.length }, [{ digest: sha256(layer), size: layer.length }]));
      const { socket } = await openRaw(
        host,
        `PUT /v2/team/app/manifests/cut-short HTTP/1.1\r\nHost: ${host}\r\nContent-Type: ${OCI_MANIFEST}\r\nContent-Length: ${body.length}\r\n\r\n`,
        body.subarray(0, body.length - 10),
      );
      await vi.waitFor(() => expect(registry.inFlight()).toBe(1), WAIT);
      socket.destroy();
      await vi.waitFor(() => expect(registry.inFlight()).toBe(0), WAIT);
      await expectUnchanged(registry, before);
      expect((await client.fetch('/v2/team/app/manifests/cut-short', { method: 'HEAD' })).status).toBe(404);
      expect((await client.fetch(`/v2/team/app/manifests/${sha256(body)}`, { method: 'HEAD' })).status).toBe(404);
    });
  });

  describe('chunk ranges', () => {
    it('answers chunks that do not continue the upload with 416 and keeps the session', async () => {
      const content = Buffer.from('0123456789abcdefghij');
      const session = await startSession();
      let response = await client.fetch(session, { method: 'PATCH', headers: { 'Content-Range': '0-9' }, body: content.subarray(0, 10) });
      expect(response.status).toBe(202);
      const before = await observe(registry);

      const outOfRange: [string, Buffer][] = [
        ['20-29', content.subarray(10, 20)], // leaves a gap
        ['0-9', content.subarray(0, 10)], // repeats what is there
        ['5-14', content.subarray(5, 15)], // overlaps
        ['15-10', Buffer.alloc(0)], // ends before it starts
        ['bytes=abc', content.subarray(10, 20)], // not a range
      ];
      for (const [range, chunk] of outOfRange) {
        const answer = await rawRequest(host, 'PATCH', session, { headers: { 'Content-Range': range }, body: chunk });
        expectOciError(answer, 416, 'BLOB_UPLOAD_INVALID');
        expect(answer.headers.location).toBe(session);
        if (range !== 'bytes=abc') expect(answer.headers.range).toBe('0-9');
      }
      // A final PUT with an out-of-order last chunk is refused the same way, without losing the session.
      const digest = sha256(content);
      const put = await rawRequest(host, 'PUT', `${session}?digest=${digest}`, { headers: { 'Content-Range': '12-21' }, body: content.subarray(10, 20) });
      expectOciError(put, 416, 'BLOB_UPLOAD_INVALID');

      // A chunk whose length disagrees with its range: declared short, and sent long without a length.
      const short = await rawRequest(host, 'PATCH', session, { headers: { 'Content-Range': '10-19' }, body: content.subarray(10, 15) });
      expectOciError(short, 400, 'SIZE_INVALID');
      const long = content.subarray(10, 20).toString('latin1') + 'EXTRA';
      const chunkedBody = `${long.length.toString(16)}\r\n${long}\r\n0\r\n\r\n`;
      const overlong = await rawRequest(host, 'PATCH', session, {
        headers: { 'Content-Range': '10-19', 'Transfer-Encoding': 'chunked' },
        body: chunkedBody,
      });
      expectOciError(overlong, 400, 'SIZE_INVALID');

      await expectUnchanged(registry, before);
      response = await client.fetch(session);
      expect(response.headers.get('range')).toBe('0-9');

      response = await client.fetch(`${session}?digest=${digest}`, { method: 'PUT', headers: { 'Content-Range': '10-19' }, body: content.subarray(10) });
      expect(response.status).toBe(201);
      expect(await (await client.fetch(`/v2/team/app/blobs/${digest}`)).text()).toBe(content.toString());
    });

    it('answers a blob GET range outside the blob with 416 and the blob size', async () => {
      const response = await client.fetch(`/v2/team/app/blobs/${sha256(layer)}`, { headers: { Range: `bytes=${layer.length}-` } });
      expect(response.status).toBe(416);
      expect(response.headers.get('content-range')).toBe(`bytes */${layer.length}`);
      expect(ociErrorCodes({ body: await response.text() })).toEqual(['BLOB_UPLOAD_INVALID']);
    });
  });

  describe('manifests', () => {
    const configDescriptor = () => ({ digest: sha256(config), size: config.length });
    const layerDescriptor = () => ({ digest: sha256(layer), size: layer.length });

    it(`refuses a manifest over the default limit of ${DEFAULT_MAX_MANIFEST_BYTES} bytes with 413 and accepts one at it`, async () => {
      const before = await observe(registry);
      const over = imageManifest(configDescriptor(), [layerDescriptor()], DEFAULT_MAX_MANIFEST_BYTES + 1);
      let response = await client.pushManifest('team/app', 'too-big', over, OCI_MANIFEST);
      expectOciError(await fetchError(response), 413, 'MANIFEST_INVALID');
      response = await client.pushManifest('fresh/oversized', 'too-big', over, OCI_MANIFEST);
      expectOciError(await fetchError(response), 413, 'MANIFEST_INVALID');
      await expectUnchanged(registry, before);

      const atLimit = imageManifest(configDescriptor(), [layerDescriptor()], DEFAULT_MAX_MANIFEST_BYTES);
      response = await client.pushManifest('team/app', 'at-limit', atLimit, OCI_MANIFEST);
      expect(response.status).toBe(201);
      expect((await client.fetch(`/v2/team/app/manifests/${sha256(atLimit)}`, { method: 'DELETE' })).status).toBe(202);
    });

    it('refuses a manifest over a configured limit however its length is sent, before reading the body', async () => {
      const limit = 1024;
      const small = await startSandboxed(dialect, { maxManifestBytes: limit });
      try {
        await small.client.pushBlob('team/app', config);
        await small.client.pushBlob('team/app', layer);
        const before = await observe(small);
        const smallHost = small.server.host;
        const over = imageManifest(configDescriptor(), [layerDescriptor()], limit + 1);

        // Declared length over the limit.
        expectOciError(await rawRequest(smallHost, 'PUT', '/v2/team/app/manifests/big', { headers: { 'Content-Type': OCI_MANIFEST }, body: over }), 413, 'MANIFEST_INVALID');
        // No declared length: counted as it streams.
        const chunked = `${Buffer.byteLength(over).toString(16)}\r\n${over}\r\n0\r\n\r\n`;
        expectOciError(
          await rawRequest(smallHost, 'PUT', '/v2/team/app/manifests/big', {
            headers: { 'Content-Type': OCI_MANIFEST, 'Transfer-Encoding': 'chunked' },
            body: chunked,
          }),
          413,
          'MANIFEST_INVALID',
        );
        // A declared gigabyte is answered at once: the registry does not wait for (or buffer) the body.
        const { socket, response } = await openRaw(
          smallHost,
          `PUT /v2/team/app/manifests/big HTTP/1.1\r\nHost: ${smallHost}\r\nContent-Type: ${OCI_MANIFEST}\r\nContent-Length: ${2 ** 30}\r\n\r\n`,
          '{"schemaVersion":2,',
        );
        expectOciError(await response, 413, 'MANIFEST_INVALID');
        socket.destroy();
        await vi.waitFor(() => expect(small.inFlight()).toBe(0), WAIT);
        await expectUnchanged(small, before);

        const atLimit = imageManifest(configDescriptor(), [layerDescriptor()], limit);
        expect((await small.client.pushManifest('team/app', 'at-limit', atLimit, OCI_MANIFEST)).status).toBe(201);
      } finally {
        await small.close();
      }
    });

    it('refuses malformed manifests with MANIFEST_INVALID', async () => {
      const before = await observe(registry);
      const valid = JSON.parse(imageManifest(configDescriptor(), [layerDescriptor()])) as Record<string, unknown>;
      const without = (key: string) => JSON.stringify({ ...valid, [key]: undefined });
      const bodies: (string | Buffer)[] = [
        '',
        '{',
        '{"schemaVersion": 2,',
        'not json at all',
        '[]',
        'null',
        '"a string"',
        '42',
        Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
        JSON.stringify({ ...valid, schemaVersion: 1 }),
        JSON.stringify({ ...valid, schemaVersion: '2' }),
        without('config'),
        without('layers'),
        JSON.stringify({ ...valid, layers: {} }),
        JSON.stringify({ ...valid, config: { ...(valid.config as object), digest: 'sha256:nothex' } }),
        JSON.stringify({ ...valid, config: { ...(valid.config as object), size: -1 } }),
        JSON.stringify({ ...valid, config: { ...(valid.config as object), size: '12' } }),
        JSON.stringify({ ...valid, config: { ...(valid.config as object), size: 2 ** 60 } }),
        JSON.stringify({ ...valid, mediaType: 42 }),
        `{"schemaVersion":2,"nested":${'['.repeat(50_000)}${']'.repeat(50_000)}}`,
      ];
      for (const body of bodies) {
        for (const name of ['team/app', 'fresh/malformed']) {
          const response = await rawRequest(host, 'PUT', `/v2/${name}/manifests/malformed`, { headers: { 'Content-Type': OCI_MANIFEST }, body });
          expectOciError(response, 400, 'MANIFEST_INVALID');
        }
      }
      await expectUnchanged(registry, before);
    });

    it('refuses a Content-Type that disagrees with the manifest or names no manifest type', async () => {
      const before = await observe(registry);
      const manifest = imageManifest(configDescriptor(), [layerDescriptor()]);
      const { mediaType: _dropped, ...untyped } = JSON.parse(manifest) as Record<string, unknown>;
      const cases: [string, string][] = [
        [OCI_INDEX, manifest],
        [DOCKER_MANIFEST, manifest],
        ['text/plain', manifest],
        ['text/plain', JSON.stringify(untyped)],
        ['application/vnd.oci.image.layer.v1.tar', JSON.stringify(untyped)],
        [OCI_INDEX, JSON.stringify(untyped)],
      ];
      for (const [contentType, body] of cases) {
        const response = await rawRequest(host, 'PUT', '/v2/team/app/manifests/mismatch', { headers: { 'Content-Type': contentType }, body });
        expectOciError(response, 400, 'MANIFEST_INVALID');
      }
      await expectUnchanged(registry, before);
    });

    it('refuses manifests whose references or digest are wrong, creating no repository', async () => {
      const before = await observe(registry);
      const missing = imageManifest({ digest: sha256('no such config'), size: 14 }, [layerDescriptor()]);
      for (const name of ['team/app', 'fresh/missing-blob']) {
        expectOciError(await fetchError(await client.pushManifest(name, 'v2', missing, OCI_MANIFEST)), 400, 'MANIFEST_BLOB_UNKNOWN');
      }
      const index = JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [{ mediaType: OCI_MANIFEST, digest: sha256('no such manifest'), size: 16 }],
      });
      for (const name of ['team/app', 'fresh/missing-child']) {
        expectOciError(await fetchError(await client.pushManifest(name, 'index', index, OCI_INDEX)), 400, 'MANIFEST_BLOB_UNKNOWN');
      }
      const wrongSize = imageManifest(configDescriptor(), [{ ...layerDescriptor(), size: layer.length + 1 }]);
      expectOciError(await fetchError(await client.pushManifest('team/app', 'v2', wrongSize, OCI_MANIFEST)), 400, 'MANIFEST_INVALID');
      const good = imageManifest(configDescriptor(), [layerDescriptor()]);
      const wrongDigest = sha256(good + ' ');
      expectOciError(await fetchError(await client.pushManifest('team/app', wrongDigest, good, OCI_MANIFEST)), 400, 'DIGEST_INVALID');
      await expectUnchanged(registry, before);
    });
  });

  describe('repository names', () => {
    const invalidNames = [
      'Team/App',
      'a',
      '-app',
      'app-',
      'app..x',
      'app___x',
      '.app',
      'team/.app',
      'team/app.',
      'team/-x',
      'team//app',
      'team/app!',
      'team/app$',
      'a'.repeat(257),
      `team/${'b'.repeat(252)}`,
    ];

    it('refuses invalid names on every endpoint with NAME_INVALID', async () => {
      const before = await observe(registry);
      const manifest = imageManifest({ digest: sha256(config), size: config.length }, [{ digest: sha256(layer), size: layer.length }]);
      for (const name of invalidNames) {
        const requests: [string, string, { headers?: Record<string, string>; body?: string }][] = [
          ['POST', `/v2/${name}/blobs/uploads/`, {}],
          ['POST', `/v2/${name}/blobs/uploads/?digest=${sha256('x')}`, { body: 'x' }],
          ['POST', `/v2/${name}/blobs/uploads/?mount=${sha256(layer)}&from=team/app`, {}],
          ['PUT', `/v2/${name}/manifests/v1`, { headers: { 'Content-Type': OCI_MANIFEST }, body: manifest }],
          ['GET', `/v2/${name}/manifests/v1`, {}],
          ['GET', `/v2/${name}/tags/list`, {}],
          ['GET', `/v2/${name}/blobs/${sha256(layer)}`, {}],
          ['DELETE', `/v2/${name}/blobs/${sha256(layer)}`, {}],
          ['GET', `/v2/${name}/referrers/${base.digest}`, {}],
        ];
        for (const [method, target, options] of requests) {
          const response = await rawRequest(host, method, target, options);
          expect({ method, target, status: response.status, codes: ociErrorCodes(response) }).toEqual({
            method,
            target,
            status: 400,
            codes: ['NAME_INVALID'],
          });
        }
        expect((await rawRequest(host, 'HEAD', `/v2/${name}/manifests/v1`)).status).toBe(400);
      }
      // Mounting from an invalid repository name is refused too.
      const mount = await rawRequest(host, 'POST', `/v2/team/app/blobs/uploads/?mount=${sha256(layer)}&from=..%2F..%2Fetc`);
      expectOciError(mount, 400, 'NAME_INVALID');
      await expectUnchanged(registry, before);
    });
  });

  describe('path traversal', () => {
    it('answers traversal attempts with 4xx spec errors and touches nothing in or outside the data directory', async () => {
      const before = await observe(registry);
      const layerDigest = sha256(layer);
      // Traversal in the digest of a session PUT: refused, and (as any failed completion) the session is discarded.
      const doomed = await startSession();
      expectOciError(await rawRequest(host, 'PUT', `${doomed}?digest=sha256:../../../canary.txt`, { body: 'x' }), 400, 'DIGEST_INVALID');
      expectOciError(await fetchError(await client.fetch(doomed)), 404, 'BLOB_UPLOAD_UNKNOWN');

      const session = await startSession();
      const sessionId = session.split('/').at(-1)!;
      const afterSession = await observe(registry);
      // Each raw path with the OCI code a GET of it answers; other methods answer 4xx spec errors too.
      const attempts: [string, string][] = [
        ['/v2/../etc/passwd', 'NAME_INVALID'],
        ['/v2/../../canary.txt', 'NAME_INVALID'],
        [`/v2/a/../../blobs/${layerDigest}`, 'NAME_INVALID'],
        [`/v2/team/app/../../../blobs/${layerDigest}`, 'NAME_INVALID'],
        ['/v2/team/../../../tags/list', 'NAME_INVALID'],
        ['/v2/./team/app/tags/list', 'NAME_INVALID'],
        ['/v2/%2e%2e/%2e%2e/etc/passwd', 'NAME_INVALID'],
        ['/v2/%2e%2e/%2e%2e/canary.txt/manifests/latest', 'NAME_INVALID'],
        ['/v2/team%2Fapp/manifests/v1', 'NAME_INVALID'],
        ['/v2/team%2fapp/tags/list', 'NAME_INVALID'],
        ['/v2/team/app%2F..%2F..%2Fetc/manifests/v1', 'NAME_INVALID'],
        ['/v2/team/app/manifests/..', 'MANIFEST_UNKNOWN'],
        ['/v2/team/app/manifests/..%2F..%2Fcanary.txt', 'NAME_INVALID'],
        ['/v2/team/app/blobs/..', 'DIGEST_INVALID'],
        ['/v2/team/app/blobs/sha256:..', 'DIGEST_INVALID'],
        ['/v2/team/app/blobs/sha256:..%2F..%2F..%2Fcanary.txt', 'NAME_INVALID'],
        ['/v2/team/app/blobs/uploads/..', 'BLOB_UPLOAD_UNKNOWN'],
        [`/v2/team/app/blobs/uploads/..%2F${sessionId}`, 'NAME_INVALID'],
        ['/v2/team/app/blobs/uploads/..%2F..%2Fcanary.txt', 'NAME_INVALID'],
        [`/v2/team/app/blobs/uploads/direct-${sessionId}`, 'BLOB_UPLOAD_UNKNOWN'],
        [`/v2/team/app/referrers/sha256:..`, 'DIGEST_INVALID'],
        ['/v2/team/app/manifests/v1%00', 'NAME_INVALID'],
        ['/v2/team%00app/tags/list', 'NAME_INVALID'],
      ];
      const methods = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'];
      for (const [target, getCode] of attempts) {
        for (const method of methods) {
          const options = method === 'PUT' || method === 'PATCH' || method === 'POST' ? { body: '{}', headers: { 'Content-Type': OCI_MANIFEST } } : {};
          const response = await rawRequest(host, method, target, options);
          expect(response.status, `${method} ${target}`).toBeGreaterThanOrEqual(400);
          expect(response.status, `${method} ${target}`).toBeLessThan(500);
          if (method === 'HEAD') continue;
          const codes = ociErrorCodes(response);
          expect(codes, `${method} ${target}: ${response.body}`).toHaveLength(1);
          if (method === 'GET') expect(codes, `${method} ${target}`).toEqual([getCode]);
        }
      }
      // Literal NUL bytes never reach a handler: the HTTP parser refuses the request.
      for (const target of ['/v2/team/app\0/manifests/v1', '/v2/team/app/manifests/v1\0', `/v2/team/app/blobs/${layerDigest}\0../../canary.txt`]) {
        for (const method of ['GET', 'PUT', 'DELETE']) {
          expect((await rawRequest(host, method, target, method === 'PUT' ? { body: '{}' } : {})).status).toBe(400);
        }
      }
      const nulHeader = await rawRequest(host, 'PUT', '/v2/team/app/manifests/v9', { headers: { 'Content-Type': `${OCI_MANIFEST}\0` }, body: '{}' });
      expect(nulHeader.status).toBe(400);

      // The session was never touched by those requests, nor anything else.
      await expectUnchanged(registry, afterSession);
      expect((await client.fetch(session, { method: 'DELETE' })).status).toBe(204);
      await expectUnchanged(registry, before);
      expect(fs.readFileSync(path.join(registry.sandbox, 'canary.txt'), 'utf8')).toBe('outside the data directory\n');
      expect(await (await client.fetch(`/v2/team/app/blobs/${layerDigest}`)).text()).toBe(layer);
      expect(await (await client.fetch('/v2/team/app/manifests/v1')).text()).toBe(base.body);
    });
  });
});
