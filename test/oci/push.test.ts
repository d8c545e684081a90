import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../helpers/databases.js';
import { descriptorOf, digestOf, errorCode, ociErrors, OciClient, sha256, SPEC_ERROR_CODES, withQuery } from '../helpers/oci-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The Push workflow of the OCI distribution spec: blob uploads (streamed, monolithic,
 * single-request, chunked), upload status and cancel, cross-repository mounts, digests,
 * and manifests of every supported kind with the ways they are refused.
 */

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

const NAME = 'conformance/push';
const CROSSMOUNT_NAME = 'conformance/crossmount';
const DUMMY_DIGEST = sha256('hello world');

/** A config blob whose digest no other test shares. */
function configOf(label: string): string {
  return JSON.stringify({ architecture: 'amd64', os: 'linux', author: label, rootfs: { type: 'layers', diff_ids: [] } });
}

function imageManifest(config: string, layers: (string | Buffer)[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: descriptorOf(config, OCI_CONFIG),
    layers: layers.map((layer) => descriptorOf(layer, OCI_LAYER)),
    ...extra,
  });
}

/** The upload id at the end of an upload location. */
function uploadIdOf(location: string): string {
  return new URL(location, 'http://registry').pathname.split('/').at(-1)!;
}

describe.each(testDialects())('push workflow on %s', (dialect) => {
  let server: TestServer;
  let client: OciClient;

  beforeAll(async () => {
    server = await startTestServer({ dialect });
    client = new OciClient(server.url);
  });
  afterAll(() => server.close());

  const blobPath = (digest: string, name = NAME) => `/v2/${name}/blobs/${digest}`;
  const put = (location: string, digest: string, body?: Uint8Array | string, headers: Record<string, string> = {}) =>
    client.fetch(withQuery(location, { digest }), {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream', ...headers },
      body: body ?? null,
    });

  describe('streamed blob upload', () => {
    const blob = randomBytes(42);

    it('accepts a PATCH without Content-Range and commits it with a PUT without body', async () => {
      const start = await client.fetch(`/v2/${NAME}/blobs/uploads/`, { method: 'POST' });
      expect(start.status).toBe(202);
      const location = start.headers.get('location');
      expect(location).toBeTruthy();

      const patch = await client.patchChunk(location!, blob);
      expect(patch.status).toBe(202);
      expect(patch.headers.get('location')).toBeTruthy();
      expect(patch.headers.get('range')).toBe(`0-${blob.length - 1}`);

      const done = await put(patch.headers.get('location')!, sha256(blob));
      expect(done.status).toBe(201);
      expect(done.headers.get('location')).toBe(blobPath(sha256(blob)));
      const pulled = await client.fetch(blobPath(sha256(blob)));
      expect(Buffer.from(await pulled.arrayBuffer()).equals(blob)).toBe(true);
    });

    it('appends consecutive streamed PATCHes in order', async () => {
      const location = await client.startUpload(NAME);
      expect((await client.patchChunk(location, 'first part, ')).headers.get('range')).toBe('0-11');
      const second = await client.patchChunk(location, 'second part');
      expect(second.status).toBe(202);
      expect(second.headers.get('range')).toBe('0-22');
      expect((await put(location, sha256('first part, second part'))).status).toBe(201);
      expect(await (await client.fetch(blobPath(sha256('first part, second part')))).text()).toBe('first part, second part');
    });
  });

  describe('monolithic blob upload', () => {
    const config = configOf('monolithic');
    const layer = randomBytes(300);

    it('answers GET of a blob not yet pushed with 404', async () => {
      expect((await client.fetch(blobPath(DUMMY_DIGEST))).status).toBe(404);
    });

    it('takes a whole blob in a single POST ?digest= and answers 201 with its location', async () => {
      const single = 'pushed in a single request';
      const response = await client.fetch(withQuery(`/v2/${NAME}/blobs/uploads/`, { digest: sha256(single) }), {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream' },
        body: single,
      });
      expect(response.status).toBe(201);
      expect(response.headers.get('location')).toBe(blobPath(sha256(single)));
      expect(response.headers.get('docker-content-digest')).toBe(sha256(single));
      const pulled = await client.fetch(blobPath(sha256(single)));
      expect(pulled.status).toBe(200);
      expect(await pulled.text()).toBe(single);
    });

    it('answers POST with 202 and a session location under the repository', async () => {
      const response = await client.fetch(`/v2/${NAME}/blobs/uploads/`, { method: 'POST' });
      expect(response.status).toBe(202);
      expect(response.headers.get('location')).toMatch(new RegExp(`^/v2/${NAME}/blobs/uploads/[0-9a-f-]{36}$`));
    });

    it('commits a config and a layer sent whole in the PUT, with 201 and the blob location', async () => {
      for (const blob of [config, layer]) {
        const location = await client.startUpload(NAME);
        const response = await put(location, sha256(blob), blob);
        expect(response.status).toBe(201);
        expect(response.headers.get('location')).toBe(blobPath(sha256(blob)));
        expect(response.headers.get('docker-content-digest')).toBe(sha256(blob));
        const pulled = await client.fetch(blobPath(sha256(blob)));
        expect(pulled.status).toBe(200);
        expect(Buffer.from(await pulled.arrayBuffer()).equals(Buffer.from(blob))).toBe(true);
      }
    });

    it('accepts the same blob pushed again', async () => {
      expect(await client.pushBlob(NAME, config)).toBe(sha256(config));
      expect((await client.fetch(blobPath(sha256(config)), { method: 'HEAD' })).status).toBe(200);
    });
  });

  describe('chunked blob upload', () => {
    const blob = randomBytes(42);
    const chunk1 = blob.subarray(0, 22);
    const chunk2 = blob.subarray(22);
    const range1 = `0-${chunk1.length - 1}`;
    const range2 = `${chunk1.length}-${blob.length - 1}`;

    async function startChunked(): Promise<string> {
      const start = await client.fetch(`/v2/${NAME}/blobs/uploads/`, { method: 'POST', headers: { 'Content-Length': '0' } });
      expect(start.status).toBe(202);
      return start.headers.get('location')!;
    }

    async function statusOf(location: string): Promise<Response> {
      const response = await client.fetch(location);
      expect(response.status).toBe(204);
      expect(response.headers.get('location')).toBeTruthy();
      return response;
    }

    it('answers a first chunk that does not start at 0 with 416, and the upload stays usable', async () => {
      const location = await startChunked();
      const outOfOrder = await client.patchChunk(location, chunk2, range2);
      expect(outOfOrder.status).toBe(416);

      const first = await client.patchChunk(location, chunk1, range1);
      expect(first.status).toBe(202);
      expect(first.headers.get('range')).toBe(range1);
    });

    it('takes chunks in order, refuses a retried chunk, reports status and commits', async () => {
      const location = await startChunked();
      const first = await client.patchChunk(location, chunk1, range1);
      expect(first.status).toBe(202);
      expect(first.headers.get('location')).toBeTruthy();
      expect(first.headers.get('range')).toBe(range1);

      const retried = await client.patchChunk(location, chunk1, range1);
      expect(retried.status).toBe(416);

      const status = await statusOf(location);
      expect(status.headers.get('range')).toBe(range1);

      const second = await client.patchChunk(status.headers.get('location')!, chunk2, range2);
      expect(second.status).toBe(202);
      expect(second.headers.get('location')).toBeTruthy();
      expect(second.headers.get('range')).toBe(`0-${blob.length - 1}`);

      const done = await put(second.headers.get('location')!, sha256(blob), undefined, { 'Content-Length': '0' });
      expect(done.status).toBe(201);
      expect(done.headers.get('location')).toBe(blobPath(sha256(blob)));
      const pulled = await client.fetch(blobPath(sha256(blob)));
      expect(Buffer.from(await pulled.arrayBuffer()).equals(blob)).toBe(true);
    });

    it('refuses overlapping and gapped chunks with 416 and keeps only what it accepted', async () => {
      const location = await startChunked();
      expect((await client.patchChunk(location, chunk1, range1)).status).toBe(202);

      const overlapping = await client.patchChunk(location, blob.subarray(10, 30), '10-29');
      expect(overlapping.status).toBe(416);
      expect((await statusOf(location)).headers.get('range')).toBe(range1);

      const gapped = await client.patchChunk(location, blob.subarray(30), `30-${blob.length - 1}`);
      expect(gapped.status).toBe(416);
      expect((await statusOf(location)).headers.get('range')).toBe(range1);

      expect((await client.patchChunk(location, chunk2, range2)).status).toBe(202);
      expect((await statusOf(location)).headers.get('range')).toBe(`0-${blob.length - 1}`);
      expect((await put(location, sha256(blob))).status).toBe(201);
    });

    it('takes the last chunk in the closing PUT', async () => {
      const other = randomBytes(42);
      const location = await startChunked();
      expect((await client.patchChunk(location, other.subarray(0, 22), range1)).status).toBe(202);
      const done = await put(location, sha256(other), other.subarray(22), { 'Content-Range': range2 });
      expect(done.status).toBe(201);
      const pulled = await client.fetch(blobPath(sha256(other)));
      expect(Buffer.from(await pulled.arrayBuffer()).equals(other)).toBe(true);
    });

    it('answers an out-of-order last chunk in the closing PUT with 416 and keeps the session', async () => {
      const other = randomBytes(42);
      const location = await startChunked();
      expect((await client.patchChunk(location, other.subarray(0, 22), range1)).status).toBe(202);
      const misplaced = await put(location, sha256(other), other.subarray(30), { 'Content-Range': `30-${other.length - 1}` });
      expect(misplaced.status).toBe(416);
      expect((await statusOf(location)).headers.get('range')).toBe(range1);
      expect((await client.fetch(blobPath(sha256(other)), { method: 'HEAD' })).status).toBe(404);

      const done = await put(location, sha256(other), other.subarray(22), { 'Content-Range': range2 });
      expect(done.status).toBe(201);
    });

    it('keeps nothing of a streamed chunk that runs past its Content-Range', async () => {
      const location = await startChunked();
      expect((await client.patchChunk(location, chunk1, range1)).status).toBe(202);
      const tooLong = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(chunk2);
          controller.enqueue(Buffer.from('bytes beyond the declared range'));
          controller.close();
        },
      });
      const response = await client.fetch(location, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': range2 },
        body: tooLong,
        duplex: 'half',
      } as RequestInit);
      expect(response.status).toBe(400);
      expect(await errorCode(response)).toBe('SIZE_INVALID');
      expect((await statusOf(location)).headers.get('range')).toBe(range1);

      expect((await client.patchChunk(location, chunk2, range2)).status).toBe(202);
      expect((await put(location, sha256(blob))).status).toBe(201);
    });

    it('answers a chunk whose length differs from its Content-Range with 400 SIZE_INVALID', async () => {
      const location = await startChunked();
      const response = await client.patchChunk(location, 'five!', '0-9');
      expect(response.status).toBe(400);
      expect(await errorCode(response)).toBe('SIZE_INVALID');
    });
  });

  describe('upload status and cancel', () => {
    it('answers the status of a new session with 204 and its location', async () => {
      const location = await client.startUpload(NAME);
      const response = await client.fetch(location);
      expect(response.status).toBe(204);
      expect(response.headers.get('location')).toBe(location);
    });

    it('answers an unknown session with 404 BLOB_UPLOAD_UNKNOWN', async () => {
      const unknown = `/v2/${NAME}/blobs/uploads/00000000-0000-4000-8000-000000000000`;
      const status = await client.fetch(unknown);
      expect(status.status).toBe(404);
      expect(await errorCode(status)).toBe('BLOB_UPLOAD_UNKNOWN');
      const patch = await client.patchChunk(unknown, 'data', '0-3');
      expect(patch.status).toBe(404);
      expect(await errorCode(patch)).toBe('BLOB_UPLOAD_UNKNOWN');
      const done = await put(unknown, sha256('data'), 'data');
      expect(done.status).toBe(404);
      expect(await errorCode(done)).toBe('BLOB_UPLOAD_UNKNOWN');
    });

    it('does not let another repository use a session', async () => {
      const location = await client.startUpload(NAME);
      await client.startUpload(CROSSMOUNT_NAME); // the other repository exists
      const elsewhere = `/v2/${CROSSMOUNT_NAME}/blobs/uploads/${uploadIdOf(location)}`;
      const response = await client.fetch(elsewhere);
      expect(response.status).toBe(404);
      expect(await errorCode(response)).toBe('BLOB_UPLOAD_UNKNOWN');
    });

    it('cancels a session with 204, after which it is unknown and its data is gone', async () => {
      const location = await client.startUpload(NAME);
      expect((await client.patchChunk(location, 'some bytes', '0-9')).status).toBe(202);
      const file = path.join(server.dataDir, 'uploads', uploadIdOf(location));
      expect(fs.existsSync(file)).toBe(true);

      const cancel = await client.fetch(location, { method: 'DELETE' });
      expect(cancel.status).toBe(204);
      expect(fs.existsSync(file)).toBe(false);

      const status = await client.fetch(location);
      expect(status.status).toBe(404);
      expect(await errorCode(status)).toBe('BLOB_UPLOAD_UNKNOWN');
      const patch = await client.patchChunk(location, 'more', '10-13');
      expect(patch.status).toBe(404);
      expect(await errorCode(patch)).toBe('BLOB_UPLOAD_UNKNOWN');
      const done = await put(location, sha256('some bytes'));
      expect(done.status).toBe(404);
      expect(await errorCode(done)).toBe('BLOB_UPLOAD_UNKNOWN');
      const again = await client.fetch(location, { method: 'DELETE' });
      expect(again.status).toBe(404);
      expect(await errorCode(again)).toBe('BLOB_UPLOAD_UNKNOWN');
    });
  });

  describe('cross-repository blob mount', () => {
    const mountable = randomBytes(64);
    beforeAll(async () => {
      await client.pushBlob(NAME, mountable);
    });
    const mount = (params: Record<string, string>, name = CROSSMOUNT_NAME) =>
      client.fetch(withQuery(`/v2/${name}/blobs/uploads/`, params), { method: 'POST' });

    it('answers a mount without from with 202 and a session', async () => {
      const response = await mount({ mount: DUMMY_DIGEST });
      expect(response.status).toBe(202);
      expect(response.headers.get('location')).toMatch(new RegExp(`^/v2/${CROSSMOUNT_NAME}/blobs/uploads/`));
    });

    it('mounts a blob of another repository with 201 and its location in the target', async () => {
      const digest = sha256(mountable);
      const response = await mount({ mount: digest, from: NAME });
      expect(response.status).toBe(201);
      expect(response.headers.get('location')).toBe(blobPath(digest, CROSSMOUNT_NAME));
      expect(response.headers.get('docker-content-digest')).toBe(digest);
      const pulled = await client.fetch(response.headers.get('location')!);
      expect(pulled.status).toBe(200);
      expect(Buffer.from(await pulled.arrayBuffer()).equals(mountable)).toBe(true);
    });

    it('falls back to a usable session when the blob is not in from', async () => {
      const absent = randomBytes(16);
      const response = await mount({ mount: sha256(absent), from: NAME });
      expect(response.status).toBe(202);
      const location = response.headers.get('location')!;
      expect(location).toMatch(new RegExp(`^/v2/${CROSSMOUNT_NAME}/blobs/uploads/`));
      expect((await client.fetch(blobPath(sha256(absent), CROSSMOUNT_NAME), { method: 'HEAD' })).status).toBe(404);
      expect((await put(location, sha256(absent), absent)).status).toBe(201);
      expect((await client.fetch(blobPath(sha256(absent), CROSSMOUNT_NAME), { method: 'HEAD' })).status).toBe(200);
    });

    it('falls back to a session when from names an unknown repository', async () => {
      const response = await mount({ mount: sha256(mountable), from: 'conformance/never-pushed' });
      expect(response.status).toBe(202);
      expect(response.headers.get('location')).toMatch(new RegExp(`^/v2/${CROSSMOUNT_NAME}/blobs/uploads/`));
    });

    it('does not mount without from, even when another repository holds the blob', async () => {
      const response = await mount({ mount: sha256(mountable) }, 'conformance/crossmount-two');
      expect(response.status).toBe(202);
      expect((await client.fetch(blobPath(sha256(mountable), 'conformance/crossmount-two'), { method: 'HEAD' })).status).toBe(404);
    });
  });

  describe('digests', () => {
    it('accepts sha512 for monolithic, single-request and chunked uploads', async () => {
      const monolithic = randomBytes(100);
      const digest = await client.pushBlob(NAME, monolithic, 'sha512');
      expect(digest).toMatch(/^sha512:[0-9a-f]{128}$/);

      const single = randomBytes(100);
      const post = await client.fetch(withQuery(`/v2/${NAME}/blobs/uploads/`, { digest: digestOf(single, 'sha512') }), {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream' },
        body: single,
      });
      expect(post.status).toBe(201);

      const chunked = randomBytes(100);
      const location = await client.startUpload(NAME);
      expect((await client.patchChunk(location, chunked.subarray(0, 50), '0-49')).status).toBe(202);
      expect((await client.patchChunk(location, chunked.subarray(50), '50-99')).status).toBe(202);
      expect((await put(location, digestOf(chunked, 'sha512'))).status).toBe(201);

      for (const blob of [monolithic, single, chunked]) {
        const response = await client.fetch(blobPath(digestOf(blob, 'sha512')));
        expect(response.status).toBe(200);
        expect(response.headers.get('docker-content-digest')).toBe(digestOf(blob, 'sha512'));
        expect(Buffer.from(await response.arrayBuffer()).equals(blob)).toBe(true);
      }
    });

    it('refuses a wrong digest with DIGEST_INVALID and makes nothing visible', async () => {
      const data = randomBytes(50);
      const claimed = sha256('something else entirely');
      const attempts: (() => Promise<Response>)[] = [
        async () => put(await client.startUpload(NAME), claimed, data),
        async () => {
          const location = await client.startUpload(NAME);
          await client.patchChunk(location, data, `0-${data.length - 1}`);
          return put(location, claimed);
        },
        () =>
          client.fetch(withQuery(`/v2/${NAME}/blobs/uploads/`, { digest: claimed }), {
            method: 'POST',
            headers: { 'Content-Type': 'application/octet-stream' },
            body: data,
          }),
        async () => put(await client.startUpload(NAME), digestOf('something else entirely', 'sha512'), data),
      ];
      for (const attempt of attempts) {
        const response = await attempt();
        expect(response.status).toBe(400);
        const errors = await ociErrors(response);
        expect(errors[0]!.code).toBe('DIGEST_INVALID');
      }
      for (const digest of [claimed, sha256(data), digestOf(data, 'sha512')]) {
        expect((await client.fetch(blobPath(digest), { method: 'HEAD' })).status, digest).toBe(404);
      }
    });

    it('refuses malformed, unsupported or missing digests with 400 DIGEST_INVALID', async () => {
      for (const digest of ['sha256:totallywrong', `md5:${'0'.repeat(32)}`, 'nodigest']) {
        const response = await put(await client.startUpload(NAME), digest, 'data');
        expect(response.status, digest).toBe(400);
        expect(await errorCode(response)).toBe('DIGEST_INVALID');
      }
      const missing = await client.fetch(await client.startUpload(NAME), { method: 'PUT', body: 'data' });
      expect(missing.status).toBe(400);
      expect(await errorCode(missing)).toBe('DIGEST_INVALID');
    });
  });

  describe('manifest upload', () => {
    const config = configOf('manifest upload');
    const emptyLayerConfig = configOf('no layers');
    const layer = randomBytes(200);
    const manifest = imageManifest(config, [layer]);
    const emptyLayerManifest = JSON.stringify({ schemaVersion: 2, config: descriptorOf(emptyLayerConfig, OCI_CONFIG), layers: [] });
    beforeAll(async () => {
      for (const blob of [config, emptyLayerConfig, layer]) await client.pushBlob(NAME, blob);
    });

    it('answers GET of a nonexistent manifest with 404', async () => {
      expect((await client.fetch(`/v2/${NAME}/manifests/.INVALID_MANIFEST_NAME`)).status).toBe(404);
    });

    it('accepts a manifest under several tags with 201, its location and digest', async () => {
      for (const tag of ['test0', 'test1', 'test2', 'test3']) {
        const response = await client.pushManifest(NAME, tag, manifest, OCI_MANIFEST);
        expect(response.status, tag).toBe(201);
        expect(response.headers.get('location')).toBe(`/v2/${NAME}/manifests/${sha256(manifest)}`);
        expect(response.headers.get('docker-content-digest')).toBe(sha256(manifest));
      }
      for (const tag of ['test0', 'test3']) {
        const response = await client.fetch(`/v2/${NAME}/manifests/${tag}`);
        expect(response.headers.get('docker-content-digest')).toBe(sha256(manifest));
      }
    });

    it('accepts a manifest with no layers', async () => {
      const response = await client.pushManifest(NAME, 'emptylayer', emptyLayerManifest, OCI_MANIFEST);
      expect(response.status).toBe(201);
      expect(response.headers.get('location')).toBe(`/v2/${NAME}/manifests/${sha256(emptyLayerManifest)}`);
    });

    it('serves the pushed manifest by digest', async () => {
      const response = await client.fetch(`/v2/${NAME}/manifests/${sha256(manifest)}`, { headers: { Accept: OCI_MANIFEST } });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(manifest);
    });

    it('accepts a manifest pushed by its digest', async () => {
      const other = imageManifest(config, [layer], { annotations: { 'org.example.note': 'by digest' } });
      const response = await client.pushManifest(NAME, sha256(other), other, OCI_MANIFEST);
      expect(response.status).toBe(201);
      expect(response.headers.get('location')).toBe(`/v2/${NAME}/manifests/${sha256(other)}`);
      expect(response.headers.get('docker-content-digest')).toBe(sha256(other));
      expect(await (await client.fetch(`/v2/${NAME}/manifests/${sha256(other)}`)).text()).toBe(other);
    });

    it('moves a tag to the manifest pushed under it last', async () => {
      expect((await client.pushManifest(NAME, 'moving', manifest, OCI_MANIFEST)).status).toBe(201);
      expect((await client.pushManifest(NAME, 'moving', emptyLayerManifest, OCI_MANIFEST)).status).toBe(201);
      const response = await client.fetch(`/v2/${NAME}/manifests/moving`);
      expect(response.headers.get('docker-content-digest')).toBe(sha256(emptyLayerManifest));
      expect((await client.fetch(`/v2/${NAME}/manifests/${sha256(manifest)}`, { method: 'HEAD' })).status).toBe(200);
    });

    it('accepts a manifest with a sha512 digest reference and sha512 blobs', async () => {
      const config512 = configOf('sha512 image');
      const layer512 = randomBytes(64);
      await client.pushBlob(NAME, config512, 'sha512');
      await client.pushBlob(NAME, layer512, 'sha512');
      const body = JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: descriptorOf(config512, OCI_CONFIG, 'sha512'),
        layers: [descriptorOf(layer512, OCI_LAYER, 'sha512')],
      });
      const digest = digestOf(body, 'sha512');
      const response = await client.pushManifest(NAME, digest, body, OCI_MANIFEST);
      expect(response.status).toBe(201);
      expect(response.headers.get('docker-content-digest')).toBe(digest);
      const pulled = await client.fetch(`/v2/${NAME}/manifests/${digest}`);
      expect(pulled.status).toBe(200);
      expect(pulled.headers.get('docker-content-digest')).toBe(digest);
      expect(await pulled.text()).toBe(body);
    });
  });

  describe('manifest kinds', () => {
    const name = 'conformance/kinds';
    const ociImages: string[] = [];
    beforeAll(async () => {
      for (const arch of ['amd64', 'arm64']) {
        const config = JSON.stringify({ architecture: arch, os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
        const layer = `layer for ${arch}`;
        await client.pushBlob(name, config);
        await client.pushBlob(name, layer);
        const body = imageManifest(config, [layer]);
        expect((await client.pushManifest(name, `oci-${arch}`, body, OCI_MANIFEST)).status).toBe(201);
        ociImages.push(body);
      }
    });

    /** Every manifest this block pushed, in push order, with the tag it went under (if any). */
    const pushed: { tag?: string; body: string; mediaType: string }[] = [];

    /** Checks GET and HEAD of `reference`, and records the manifest for the delete test. */
    async function expectServed(reference: string, body: string, mediaType: string): Promise<void> {
      const response = await client.fetch(`/v2/${name}/manifests/${reference}`, { headers: { Accept: mediaType } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(mediaType);
      expect(response.headers.get('docker-content-digest')).toBe(sha256(body));
      expect(await response.text()).toBe(body);
      const head = await client.fetch(`/v2/${name}/manifests/${reference}`, { method: 'HEAD', headers: { Accept: mediaType } });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toBe(mediaType);
      expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(body)));
      expect(head.headers.get('docker-content-digest')).toBe(sha256(body));
      if (!pushed.some((entry) => entry.body === body)) pushed.push({ tag: reference.includes(':') ? undefined : reference, body, mediaType });
    }

    it('stores and serves a Docker schema 2 manifest and a manifest list over it', async () => {
      const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, docker: true });
      const layer = 'docker layer';
      await client.pushBlob(name, config);
      await client.pushBlob(name, layer);
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST,
        config: descriptorOf(config, DOCKER_CONFIG),
        layers: [descriptorOf(layer, DOCKER_LAYER)],
      });
      expect((await client.pushManifest(name, 'docker', manifest, DOCKER_MANIFEST)).status).toBe(201);
      await expectServed('docker', manifest, DOCKER_MANIFEST);

      const list = JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST_LIST,
        manifests: [{ ...descriptorOf(manifest, DOCKER_MANIFEST), platform: { architecture: 'amd64', os: 'linux' } }],
      });
      expect((await client.pushManifest(name, 'docker-list', list, DOCKER_MANIFEST_LIST)).status).toBe(201);
      await expectServed('docker-list', list, DOCKER_MANIFEST_LIST);
      await expectServed(sha256(list), list, DOCKER_MANIFEST_LIST);
    });

    it('stores and serves an OCI image manifest and an OCI index over two of them', async () => {
      await expectServed('oci-amd64', ociImages[0]!, OCI_MANIFEST);
      const index = JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: ociImages.map((body, i) => ({
          ...descriptorOf(body, OCI_MANIFEST),
          platform: { architecture: i === 0 ? 'amd64' : 'arm64', os: 'linux' },
        })),
      });
      expect((await client.pushManifest(name, 'multi', index, OCI_INDEX)).status).toBe(201);
      await expectServed('multi', index, OCI_INDEX);
    });

    it('stores an OCI artifact and answers its subject with OCI-Subject', async () => {
      const payload = 'an attached signature';
      await client.pushBlob(name, '{}');
      await client.pushBlob(name, payload);
      const artifact = JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType: 'application/vnd.example.signature.v1',
        config: descriptorOf('{}', OCI_EMPTY),
        layers: [descriptorOf(payload, 'application/vnd.example.signature.v1')],
        subject: descriptorOf(ociImages[0]!, OCI_MANIFEST),
      });
      const response = await client.pushManifest(name, sha256(artifact), artifact, OCI_MANIFEST);
      expect(response.status).toBe(201);
      expect(response.headers.get('oci-subject')).toBe(sha256(ociImages[0]!));
      await expectServed(sha256(artifact), artifact, OCI_MANIFEST);
    });

    it('accepts a manifest whose subject is not in the repository yet', async () => {
      const missingSubject = sha256('a subject pushed later');
      const artifact = JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType: 'application/vnd.example.sbom.v1',
        config: descriptorOf('{}', OCI_EMPTY),
        layers: [descriptorOf('{}', OCI_EMPTY)],
        subject: { mediaType: OCI_MANIFEST, digest: missingSubject, size: 123 },
      });
      const response = await client.pushManifest(name, sha256(artifact), artifact, OCI_MANIFEST);
      expect(response.status).toBe(201);
      expect(response.headers.get('oci-subject')).toBe(missingSubject);
    });

    it('answers an index with a subject with OCI-Subject, and a manifest without one without it', async () => {
      const index = JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        artifactType: 'application/vnd.example.bundle',
        manifests: [descriptorOf(ociImages[1]!, OCI_MANIFEST)],
        subject: descriptorOf(ociImages[0]!, OCI_MANIFEST),
      });
      const withSubject = await client.pushManifest(name, sha256(index), index, OCI_INDEX);
      expect(withSubject.status).toBe(201);
      expect(withSubject.headers.get('oci-subject')).toBe(sha256(ociImages[0]!));

      const withoutSubject = await client.pushManifest(name, 'plain', ociImages[1]!, OCI_MANIFEST);
      expect(withoutSubject.status).toBe(201);
      expect(withoutSubject.headers.get('oci-subject')).toBeNull();
    });

    it('deletes every kind by tag (the manifest stays) and by digest (it is gone)', async () => {
      expect(pushed.map((entry) => entry.mediaType)).toEqual(
        expect.arrayContaining([DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_MANIFEST, OCI_INDEX]),
      );
      // Parents before children: the reverse of push order.
      for (const { tag, body, mediaType } of [...pushed].reverse()) {
        const digest = sha256(body);
        if (tag !== undefined) {
          expect((await client.fetch(`/v2/${name}/manifests/${tag}`, { method: 'DELETE' })).status, tag).toBe(202);
          expect((await client.fetch(`/v2/${name}/manifests/${tag}`, { method: 'HEAD' })).status, tag).toBe(404);
          const byDigest = await client.fetch(`/v2/${name}/manifests/${digest}`, { method: 'HEAD' });
          expect(byDigest.status, tag).toBe(200);
          expect(byDigest.headers.get('content-type')).toBe(mediaType);
        }
        expect((await client.fetch(`/v2/${name}/manifests/${digest}`, { method: 'DELETE' })).status, mediaType).toBe(202);
        const gone = await client.fetch(`/v2/${name}/manifests/${digest}`);
        expect(gone.status, mediaType).toBe(404);
        expect(await errorCode(gone)).toBe('MANIFEST_UNKNOWN');
      }
    });
  });

  describe('manifest refusals', () => {
    const name = 'conformance/refusals';
    const config = configOf('refusals');
    const layer = 'a present layer';
    beforeAll(async () => {
      await client.pushBlob(name, config);
      await client.pushBlob(name, layer);
    });

    async function expectRefused(reference: string, body: string, mediaType: string, status: number, code: string): Promise<Response> {
      const response = await client.pushManifest(name, reference, body, mediaType);
      expect(response.status).toBe(status);
      expect(await errorCode(response.clone())).toBe(code);
      expect((await client.fetch(`/v2/${name}/manifests/${reference}`, { method: 'HEAD' })).status).toBe(404);
      expect((await client.fetch(`/v2/${name}/manifests/${sha256(body)}`, { method: 'HEAD' })).status).toBe(404);
      return response;
    }

    it('refuses a manifest with a missing layer or config with MANIFEST_BLOB_UNKNOWN naming the blob', async () => {
      const missingLayer = imageManifest(config, [layer, 'never pushed layer']);
      const response = await expectRefused('missing-layer', missingLayer, OCI_MANIFEST, 400, 'MANIFEST_BLOB_UNKNOWN');
      expect((await ociErrors(response))[0]!.detail).toEqual({ digest: sha256('never pushed layer') });

      const missingConfig = imageManifest(configOf('never pushed config'), [layer]);
      const second = await expectRefused('missing-config', missingConfig, OCI_MANIFEST, 400, 'MANIFEST_BLOB_UNKNOWN');
      expect((await ociErrors(second))[0]!.detail).toEqual({ digest: sha256(configOf('never pushed config')) });
    });

    it('refuses a manifest whose blob is only in another repository', async () => {
      await client.pushBlob('conformance/elsewhere', 'layer of another repository');
      const body = imageManifest(config, ['layer of another repository']);
      await expectRefused('elsewhere', body, OCI_MANIFEST, 400, 'MANIFEST_BLOB_UNKNOWN');
    });

    it('refuses an index with a missing child manifest with MANIFEST_BLOB_UNKNOWN naming it', async () => {
      const absentChild = imageManifest(config, [layer], { annotations: { 'org.example.never': 'pushed' } });
      const index = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [descriptorOf(absentChild, OCI_MANIFEST)] });
      const response = await expectRefused('missing-child', index, OCI_INDEX, 400, 'MANIFEST_BLOB_UNKNOWN');
      expect((await ociErrors(response))[0]!.detail).toEqual({ digest: sha256(absentChild) });
    });

    it('refuses a body whose digest differs from the digest reference with DIGEST_INVALID', async () => {
      const body = imageManifest(config, [layer]);
      const claimed = sha256(`${body} `);
      await expectRefused(claimed, body, OCI_MANIFEST, 400, 'DIGEST_INVALID');
    });

    it('refuses a body that is not a manifest with MANIFEST_INVALID', async () => {
      await expectRefused('not-json', 'blablabla', OCI_MANIFEST, 400, 'MANIFEST_INVALID');
      await expectRefused('no-layers', JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptorOf(config, OCI_CONFIG) }), OCI_MANIFEST, 400, 'MANIFEST_INVALID');
      await expectRefused('schema-one', JSON.stringify({ schemaVersion: 1, name, tag: 'x', fsLayers: [] }), OCI_MANIFEST, 400, 'MANIFEST_INVALID');
    });

    it('refuses a Content-Type that contradicts the manifest mediaType with MANIFEST_INVALID', async () => {
      await expectRefused('contradiction', imageManifest(config, [layer]), DOCKER_MANIFEST, 400, 'MANIFEST_INVALID');
    });

    it('refuses a tag outside the tag grammar with 400 and a spec error code', async () => {
      const response = await client.pushManifest(name, '-not-a-tag', imageManifest(config, [layer]), OCI_MANIFEST);
      expect(response.status).toBe(400);
      expect(SPEC_ERROR_CODES).toContain(await errorCode(response));
    });
  });

  describe('repository names', () => {
    const invalidNames = ['Team/App', 'a//b', 'team/app/', 'team/-app', `n${'x'.repeat(256)}`];

    it('answers invalid repository names with 400 NAME_INVALID on every endpoint', async () => {
      const validManifest = imageManifest(configOf('names'), []);
      for (const name of invalidNames) {
        const requests: [string, RequestInit][] = [
          [`/v2/${name}/blobs/uploads/`, { method: 'POST' }],
          [`/v2/${name}/manifests/latest`, { method: 'GET' }],
          [`/v2/${name}/manifests/latest`, { method: 'PUT', headers: { 'Content-Type': OCI_MANIFEST }, body: validManifest }],
          [`/v2/${name}/blobs/${DUMMY_DIGEST}`, { method: 'GET' }],
          [`/v2/${name}/tags/list`, { method: 'GET' }],
        ];
        for (const [requestPath, init] of requests) {
          const response = await client.fetch(requestPath, init);
          expect(response.status, `${init.method} ${requestPath}`).toBe(400);
          expect(await errorCode(response)).toBe('NAME_INVALID');
        }
      }
    });

    it('accepts multi-component names and names up to 256 characters', async () => {
      const long = `team/${'a'.repeat(251)}`;
      expect(long).toHaveLength(256);
      for (const name of ['team/app/api', long]) {
        const { digest, body } = await client.pushImage(name, 'v1', { layers: [`layer of ${name}`] });
        const pulled = await client.fetch(`/v2/${name}/manifests/v1`);
        expect(pulled.status).toBe(200);
        expect(pulled.headers.get('docker-content-digest')).toBe(digest);
        expect(await pulled.text()).toBe(body);
        const blob = await client.fetch(`/v2/${name}/blobs/${sha256(`layer of ${name}`)}`);
        expect(await blob.text()).toBe(`layer of ${name}`);
        const tags = await client.fetch(`/v2/${name}/tags/list`);
        expect(await tags.json()).toEqual({ name, tags: ['v1'] });
      }
    });
  });

  describe('teardown', () => {
    it('deletes what the push workflow created', async () => {
      const tags = (await (await client.fetch(`/v2/${NAME}/tags/list`)).json()) as { tags: string[] };
      const digests = new Set<string>();
      for (const tag of tags.tags) digests.add((await client.fetch(`/v2/${NAME}/manifests/${tag}`, { method: 'HEAD' })).headers.get('docker-content-digest')!);
      expect(digests.size).toBeGreaterThan(0);
      for (const digest of digests) {
        expect((await client.fetch(`/v2/${NAME}/manifests/${digest}`, { method: 'DELETE' })).status).toBe(202);
      }
      const remaining = (await (await client.fetch(`/v2/${NAME}/tags/list`)).json()) as { tags: string[] };
      expect(remaining.tags).toEqual([]);
      const config = configOf('manifest upload');
      expect((await client.fetch(blobPath(sha256(config)), { method: 'DELETE' })).status).toBe(202);
      expect((await client.fetch(blobPath(sha256(config)), { method: 'HEAD' })).status).toBe(404);
    });
  });
});

describe.each(testDialects())('manifest size limit on %s', (dialect) => {
  const maxManifestBytes = 2048;
  let server: TestServer;
  let client: OciClient;
  beforeAll(async () => {
    server = await startTestServer({ dialect, config: { maxManifestBytes } });
    client = new OciClient(server.url);
  });
  afterAll(() => server.close());

  it('answers a manifest above the limit with 413 and stores nothing; one below it is accepted', async () => {
    const config = configOf('size limit');
    await client.pushBlob(NAME, config);
    const sized = (padding: number) => imageManifest(config, [], { annotations: { 'org.example.padding': 'x'.repeat(padding) } });
    const small = sized(100);
    const large = sized(maxManifestBytes);
    expect(Buffer.byteLength(small)).toBeLessThanOrEqual(maxManifestBytes);
    expect(Buffer.byteLength(large)).toBeGreaterThan(maxManifestBytes);

    const refused = await client.pushManifest(NAME, 'large', large, OCI_MANIFEST);
    expect(refused.status).toBe(413);
    expect(SPEC_ERROR_CODES).toContain(await errorCode(refused));
    expect((await client.fetch(`/v2/${NAME}/manifests/large`, { method: 'HEAD' })).status).toBe(404);
    expect((await client.pushManifest(NAME, 'small', small, OCI_MANIFEST)).status).toBe(201);
  });
});

describe.each(testDialects())('upload expiry on %s', (dialect) => {
  let server: TestServer;
  let client: OciClient;
  beforeAll(async () => {
    server = await startTestServer({ dialect, config: { uploadTimeoutSeconds: 1, maintenanceIntervalSeconds: 0.2 } });
    client = new OciClient(server.url);
  });
  afterAll(() => server.close());

  it('removes an idle session and its bytes: the session becomes BLOB_UPLOAD_UNKNOWN', async () => {
    const location = await client.startUpload(NAME);
    expect((await client.patchChunk(location, 'abandoned bytes', '0-14')).status).toBe(202);
    const file = path.join(server.dataDir, 'uploads', uploadIdOf(location));
    expect(fs.existsSync(file)).toBe(true);

    const deadline = Date.now() + 30_000;
    let status = await client.fetch(location);
    while (status.status === 204 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = await client.fetch(location);
    }
    expect(status.status).toBe(404);
    expect(await errorCode(status)).toBe('BLOB_UPLOAD_UNKNOWN');
    expect(fs.existsSync(file)).toBe(false);
    const done = await client.fetch(withQuery(location, { digest: sha256('abandoned bytes') }), { method: 'PUT' });
    expect(done.status).toBe(404);
    expect(await errorCode(done)).toBe('BLOB_UPLOAD_UNKNOWN');
  });
});
