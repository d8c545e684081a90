import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../helpers/databases.js';
import { descriptorOf, errorCode, OciClient, sha256, SPEC_ERROR_CODES } from '../helpers/oci-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The Pull workflow of the OCI distribution spec: the base endpoint, blobs (with ranges)
 * and manifests by tag and digest, with content negotiation.
 */

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

const NAME = 'conformance/pull';
const TAG = 'tagtest0';
/** A reference no push can create: the spec's "nonexistent manifest". */
const NONEXISTENT_MANIFEST = '.INVALID_MANIFEST_NAME';
const DUMMY_DIGEST = sha256('hello world');

const configs = [0, 1].map((i) =>
  JSON.stringify({ architecture: 'amd64', os: 'linux', author: `pull workflow ${i}`, rootfs: { type: 'layers', diff_ids: [] } }, null, '\t'),
);
const layer = gzipSync(Buffer.from('you bothered to find out what was in here. Congratulations!\n'));
/** As the conformance suite builds them: the config descriptor embeds its data and carries a field no spec defines. */
const manifests = configs.map((config) =>
  JSON.stringify(
    {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: {
        ...descriptorOf(config, OCI_CONFIG),
        data: Buffer.from(config).toString('base64'),
        newUnspecifiedField: Buffer.from('hello world').toString('base64'),
      },
      layers: [descriptorOf(layer, OCI_LAYER)],
    },
    null,
    '\t',
  ),
);
const manifestDigests = manifests.map((manifest) => sha256(manifest));

describe.each(testDialects())('pull workflow on %s', (dialect) => {
  let server: TestServer;
  let client: OciClient;

  beforeAll(async () => {
    server = await startTestServer({ dialect });
    client = new OciClient(server.url);
    for (const config of configs) await client.pushBlob(NAME, config);
    await client.pushBlob(NAME, layer);
    expect((await client.pushManifest(NAME, TAG, manifests[0]!, OCI_MANIFEST)).status).toBe(201);
    expect((await client.pushManifest(NAME, manifestDigests[1]!, manifests[1]!, OCI_MANIFEST)).status).toBe(201);
  });
  afterAll(() => server.close());

  describe('base endpoint', () => {
    it('answers GET and HEAD /v2/ with 200 and the API version header', async () => {
      for (const path of ['/v2/', '/v2']) {
        for (const method of ['GET', 'HEAD']) {
          const response = await client.fetch(path, { method });
          expect(response.status, `${method} ${path}`).toBe(200);
          expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
        }
      }
    });

    it('sends the API version header on errors too', async () => {
      const response = await client.fetch(`/v2/${NAME}/manifests/absent`);
      expect(response.status).toBe(404);
      expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    });
  });

  describe('blobs', () => {
    it('answers HEAD of a nonexistent blob with 404 and no body', async () => {
      const response = await client.fetch(`/v2/${NAME}/blobs/${DUMMY_DIGEST}`, { method: 'HEAD' });
      expect(response.status).toBe(404);
      expect(await response.text()).toBe('');
    });

    it('answers HEAD of an existing blob with 200, its length and digest, and no body', async () => {
      const digest = sha256(configs[0]!);
      const response = await client.fetch(`/v2/${NAME}/blobs/${digest}`, { method: 'HEAD' });
      expect(response.status).toBe(200);
      expect(response.headers.get('docker-content-digest')).toBe(digest);
      expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(configs[0]!)));
      expect(await response.text()).toBe('');
    });

    it('answers GET of a nonexistent blob with 404 BLOB_UNKNOWN', async () => {
      const response = await client.fetch(`/v2/${NAME}/blobs/${DUMMY_DIGEST}`);
      expect(response.status).toBe(404);
      expect(await errorCode(response)).toBe('BLOB_UNKNOWN');
    });

    it('serves an existing blob with 200, its bytes, length and digest', async () => {
      const digest = sha256(layer);
      const response = await client.fetch(`/v2/${NAME}/blobs/${digest}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('docker-content-digest')).toBe(digest);
      expect(response.headers.get('content-length')).toBe(String(layer.length));
      expect(Buffer.from(await response.arrayBuffer()).equals(layer)).toBe(true);
    });

    it('does not serve a blob through a repository it was not pushed to', async () => {
      await client.pushBlob('conformance/other', 'only in the other repository');
      const response = await client.fetch(`/v2/${NAME}/blobs/${sha256('only in the other repository')}`);
      expect(response.status).toBe(404);
      expect(await errorCode(response)).toBe('BLOB_UNKNOWN');
    });

    it('answers a blob of an unknown repository with 404 NAME_UNKNOWN', async () => {
      const response = await client.fetch(`/v2/conformance/never-pushed/blobs/${sha256(layer)}`);
      expect(response.status).toBe(404);
      expect(await errorCode(response)).toBe('NAME_UNKNOWN');
    });

    it('answers a malformed blob digest with 400 DIGEST_INVALID', async () => {
      const response = await client.fetch(`/v2/${NAME}/blobs/sha256:totallywrong`);
      expect(response.status).toBe(400);
      expect(await errorCode(response)).toBe('DIGEST_INVALID');
    });
  });

  describe('blob ranges', () => {
    const data = '0123456789abcdefghijklmnopqrstuvwxyz';
    const size = data.length;
    let path: string;
    beforeAll(async () => {
      path = `/v2/${NAME}/blobs/${await client.pushBlob(NAME, data)}`;
    });

    const ranged = (range: string) => client.fetch(path, { headers: { Range: range } });

    it('serves bytes=a-b as 206 with Content-Range and the slice', async () => {
      const response = await ranged('bytes=2-5');
      expect(response.status).toBe(206);
      expect(response.headers.get('content-range')).toBe(`bytes 2-5/${size}`);
      expect(response.headers.get('content-length')).toBe('4');
      expect(response.headers.get('docker-content-digest')).toBe(sha256(data));
      expect(await response.text()).toBe('2345');
    });

    it('serves an open-ended range to the end of the blob', async () => {
      const response = await ranged('bytes=30-');
      expect(response.status).toBe(206);
      expect(response.headers.get('content-range')).toBe(`bytes 30-${size - 1}/${size}`);
      expect(await response.text()).toBe(data.slice(30));
    });

    it('serves a suffix range as the last bytes', async () => {
      const response = await ranged('bytes=-4');
      expect(response.status).toBe(206);
      expect(response.headers.get('content-range')).toBe(`bytes ${size - 4}-${size - 1}/${size}`);
      expect(await response.text()).toBe(data.slice(-4));
    });

    it('clips a range that runs past the end', async () => {
      const response = await ranged(`bytes=${size - 2}-${size + 100}`);
      expect(response.status).toBe(206);
      expect(response.headers.get('content-range')).toBe(`bytes ${size - 2}-${size - 1}/${size}`);
      expect(await response.text()).toBe(data.slice(-2));
    });

    it('answers an unsatisfiable range with 416 and the blob size', async () => {
      for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0']) {
        const response = await ranged(range);
        expect(response.status, range).toBe(416);
        expect(response.headers.get('content-range'), range).toBe(`bytes */${size}`);
        await response.body?.cancel();
      }
    });

    it('serves the whole blob without a Range header', async () => {
      const response = await client.fetch(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-range')).toBeNull();
      expect(await response.text()).toBe(data);
    });
  });

  describe('manifests', () => {
    it('answers HEAD and GET of a nonexistent manifest with 404', async () => {
      for (const reference of [NONEXISTENT_MANIFEST, 'absent-tag', DUMMY_DIGEST]) {
        const head = await client.fetch(`/v2/${NAME}/manifests/${reference}`, { method: 'HEAD' });
        expect(head.status, `HEAD ${reference}`).toBe(404);
        const get = await client.fetch(`/v2/${NAME}/manifests/${reference}`);
        expect(get.status, `GET ${reference}`).toBe(404);
        expect(await errorCode(get)).toBe('MANIFEST_UNKNOWN');
      }
    });

    it('answers HEAD by digest with 200, digest, type and length, and no body', async () => {
      for (const [i, digest] of manifestDigests.entries()) {
        const response = await client.fetch(`/v2/${NAME}/manifests/${digest}`, { method: 'HEAD', headers: { Accept: OCI_MANIFEST } });
        expect(response.status).toBe(200);
        expect(response.headers.get('docker-content-digest')).toBe(digest);
        expect(response.headers.get('content-type')).toBe(OCI_MANIFEST);
        expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(manifests[i]!)));
        expect(await response.text()).toBe('');
      }
    });

    it('answers HEAD by tag with 200 and the digest of the tagged manifest', async () => {
      const response = await client.fetch(`/v2/${NAME}/manifests/${TAG}`, { method: 'HEAD', headers: { Accept: OCI_MANIFEST } });
      expect(response.status).toBe(200);
      expect(response.headers.get('docker-content-digest')).toBe(manifestDigests[0]);
    });

    it('serves GET by digest byte for byte', async () => {
      for (const [i, digest] of manifestDigests.entries()) {
        const response = await client.fetch(`/v2/${NAME}/manifests/${digest}`, { headers: { Accept: OCI_MANIFEST } });
        expect(response.status).toBe(200);
        expect(response.headers.get('docker-content-digest')).toBe(digest);
        expect(response.headers.get('content-type')).toBe(OCI_MANIFEST);
        expect(await response.text()).toBe(manifests[i]);
      }
    });

    it('serves GET by tag', async () => {
      const response = await client.fetch(`/v2/${NAME}/manifests/${TAG}`, { headers: { Accept: OCI_MANIFEST } });
      expect(response.status).toBe(200);
      expect(response.headers.get('docker-content-digest')).toBe(manifestDigests[0]);
      expect(await response.text()).toBe(manifests[0]);
    });

    it('answers a manifest of an unknown repository with 404 NAME_UNKNOWN', async () => {
      const response = await client.fetch(`/v2/conformance/never-pushed/manifests/${TAG}`);
      expect(response.status).toBe(404);
      expect(await errorCode(response)).toBe('NAME_UNKNOWN');
    });
  });

  describe('content negotiation', () => {
    const manifestPath = (reference: string) => `/v2/${NAME}/manifests/${reference}`;

    it('serves a tag whose type the Accept header lists, whatever else it lists', async () => {
      for (const accept of [
        OCI_MANIFEST,
        `${DOCKER_MANIFEST}, ${OCI_MANIFEST}`,
        `${DOCKER_MANIFEST};q=0.9, ${OCI_MANIFEST};q=0.5, ${OCI_INDEX}`,
        '*/*',
        'application/*',
      ]) {
        const response = await client.fetch(manifestPath(TAG), { headers: { Accept: accept } });
        expect(response.status, accept).toBe(200);
        expect(response.headers.get('content-type')).toBe(OCI_MANIFEST);
        await response.body?.cancel();
      }
    });

    it('serves a tag to a client that sends no Accept header', async () => {
      const response = await client.fetch(manifestPath(TAG));
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(manifests[0]);
    });

    it('answers a tag whose type the Accept header excludes with 404 MANIFEST_UNKNOWN', async () => {
      const accept = `${DOCKER_MANIFEST}, ${DOCKER_MANIFEST_LIST}`;
      const get = await client.fetch(manifestPath(TAG), { headers: { Accept: accept } });
      expect(get.status).toBe(404);
      expect(await errorCode(get)).toBe('MANIFEST_UNKNOWN');
      const head = await client.fetch(manifestPath(TAG), { method: 'HEAD', headers: { Accept: accept } });
      expect(head.status).toBe(404);
    });

    it('serves a digest as stored whatever the Accept header says', async () => {
      const response = await client.fetch(manifestPath(manifestDigests[0]!), { headers: { Accept: DOCKER_MANIFEST } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(OCI_MANIFEST);
      expect(await response.text()).toBe(manifests[0]);
    });
  });

  describe('error codes', () => {
    it('answers a malformed digest reference with 400 and a spec error code', async () => {
      const requests: RequestInit[] = [
        { method: 'GET' },
        { method: 'PUT', headers: { 'Content-Type': OCI_MANIFEST }, body: 'blablabla' },
      ];
      for (const init of requests) {
        const response = await client.fetch(`/v2/${NAME}/manifests/sha256:totallywrong`, init);
        expect(response.status, init.method).toBe(400);
        expect(SPEC_ERROR_CODES).toContain(await errorCode(response));
      }
    });
  });

  describe('teardown', () => {
    it('deletes the manifests, then the blobs, each with 202, after which they are gone', async () => {
      for (const digest of manifestDigests) {
        expect((await client.fetch(`/v2/${NAME}/manifests/${digest}`, { method: 'DELETE' })).status).toBe(202);
        expect((await client.fetch(`/v2/${NAME}/manifests/${digest}`)).status).toBe(404);
      }
      for (const digest of [...configs.map((config) => sha256(config)), sha256(layer)]) {
        expect((await client.fetch(`/v2/${NAME}/blobs/${digest}`, { method: 'DELETE' })).status).toBe(202);
        expect((await client.fetch(`/v2/${NAME}/blobs/${digest}`, { method: 'HEAD' })).status).toBe(404);
      }
    });
  });
});
