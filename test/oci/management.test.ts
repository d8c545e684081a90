import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../helpers/databases.js';
import { descriptorOf, errorCode, OciClient, sha256, withQuery } from '../helpers/oci-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The Content Management workflow of the OCI distribution spec: deleting tags, manifests
 * and blobs. Stowage implements tag deletion (202; the manifest stays, reachable by digest).
 */

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

const NAME = 'conformance/management';
const TAG = 'tagtest0';

function image(label: string, layer: string): { config: string; manifest: string } {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', author: label, rootfs: { type: 'layers', diff_ids: [] } });
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptorOf(config, OCI_CONFIG), layers: [descriptorOf(layer, OCI_LAYER)] });
  return { config, manifest };
}

describe.each(testDialects())('content management workflow on %s', (dialect) => {
  let server: TestServer;
  let client: OciClient;

  beforeAll(async () => {
    server = await startTestServer({ dialect });
    client = new OciClient(server.url);
  });
  afterAll(() => server.close());

  const manifestPath = (reference: string, name = NAME) => `/v2/${name}/manifests/${reference}`;
  const blobPath = (digest: string, name = NAME) => `/v2/${name}/blobs/${digest}`;
  const del = (path: string) => client.fetch(path, { method: 'DELETE' });
  const tagsOf = async (name = NAME) => ((await (await client.fetch(`/v2/${name}/tags/list`)).json()) as { tags: string[] }).tags;

  async function pushImage(label: string, layer: string, tags: string[]): Promise<{ config: string; manifest: string; digest: string }> {
    const { config, manifest } = image(label, layer);
    await client.pushBlob(NAME, config);
    await client.pushBlob(NAME, layer);
    for (const tag of tags) expect((await client.pushManifest(NAME, tag, manifest, OCI_MANIFEST)).status).toBe(201);
    return { config, manifest, digest: sha256(manifest) };
  }

  describe('the conformance sequence', () => {
    const layer = 'management layer';
    let pushed: { config: string; manifest: string; digest: string };
    let tagsBefore: number;

    beforeAll(async () => {
      pushed = await pushImage('management 3', layer, [TAG, 'keep-a', 'keep-b']);
      tagsBefore = (await tagsOf()).length;
      expect(tagsBefore).toBe(3);
    });

    it('deletes a tag with 202; the tag is gone and the manifest stays, reachable by digest', async () => {
      const response = await del(manifestPath(TAG));
      expect(response.status).toBe(202);
      expect(await response.text()).toBe('');

      const byTag = await client.fetch(manifestPath(TAG));
      expect(byTag.status).toBe(404);
      expect(await errorCode(byTag)).toBe('MANIFEST_UNKNOWN');
      expect((await client.fetch(manifestPath(TAG), { method: 'HEAD' })).status).toBe(404);
      expect(await tagsOf()).toEqual(['keep-a', 'keep-b']);

      const byDigest = await client.fetch(manifestPath(pushed.digest));
      expect(byDigest.status).toBe(200);
      expect(await byDigest.text()).toBe(pushed.manifest);
      expect((await client.fetch(manifestPath('keep-a'), { method: 'HEAD' })).headers.get('docker-content-digest')).toBe(pushed.digest);
    });

    it('deletes the manifest by digest with 202, taking the tags that point to it', async () => {
      const response = await del(manifestPath(pushed.digest));
      expect(response.status).toBe(202);

      const byDigest = await client.fetch(manifestPath(pushed.digest));
      expect(byDigest.status).toBe(404);
      expect(await errorCode(byDigest)).toBe('MANIFEST_UNKNOWN');
      for (const tag of ['keep-a', 'keep-b']) expect((await client.fetch(manifestPath(tag))).status, tag).toBe(404);
    });

    it('reflects the deletions in the tags list', async () => {
      const tags = await tagsOf();
      expect(tags.length).toBeLessThan(tagsBefore);
      expect(tags).toEqual([]);
    });

    it('deletes the config and layer blobs with 202, after which they are 404', async () => {
      for (const digest of [sha256(pushed.config), sha256(layer)]) {
        expect((await del(blobPath(digest))).status).toBe(202);
        const get = await client.fetch(blobPath(digest));
        expect(get.status).toBe(404);
        expect(await errorCode(get)).toBe('BLOB_UNKNOWN');
        expect((await client.fetch(blobPath(digest), { method: 'HEAD' })).status).toBe(404);
      }
    });
  });

  describe('manifest delete', () => {
    it('removes every tag of the deleted manifest and leaves other manifests and tags alone', async () => {
      const doomed = await pushImage('doomed', 'doomed layer', ['doomed-1', 'doomed-2']);
      const kept = await pushImage('kept', 'kept layer', ['kept-1']);
      expect((await del(manifestPath(doomed.digest))).status).toBe(202);
      const tags = await tagsOf();
      expect(tags).toContain('kept-1');
      expect(tags).not.toContain('doomed-1');
      expect(tags).not.toContain('doomed-2');
      expect((await client.fetch(manifestPath('kept-1'))).headers.get('docker-content-digest')).toBe(kept.digest);
      expect((await client.fetch(manifestPath(kept.digest), { method: 'HEAD' })).status).toBe(200);
    });

    it('answers deleting a manifest that is already gone with 404 MANIFEST_UNKNOWN', async () => {
      const { digest } = await pushImage('twice', 'twice layer', ['twice']);
      expect((await del(manifestPath(digest))).status).toBe(202);
      const again = await del(manifestPath(digest));
      expect(again.status).toBe(404);
      expect(await errorCode(again)).toBe('MANIFEST_UNKNOWN');
    });

    it('answers deleting a tag that does not exist with 404 MANIFEST_UNKNOWN', async () => {
      const response = await del(manifestPath('no-such-tag'));
      expect(response.status).toBe(404);
      expect(await errorCode(response)).toBe('MANIFEST_UNKNOWN');
    });

    it('lets a deleted tag be pushed again', async () => {
      const { manifest, digest } = await pushImage('retag', 'retag layer', ['retag']);
      expect((await del(manifestPath('retag'))).status).toBe(202);
      expect((await client.pushManifest(NAME, 'retag', manifest, OCI_MANIFEST)).status).toBe(201);
      expect((await client.fetch(manifestPath('retag'))).headers.get('docker-content-digest')).toBe(digest);
    });

    it('answers deletes in an unknown repository with 404 NAME_UNKNOWN', async () => {
      for (const path of [manifestPath('latest', 'conformance/never-pushed'), manifestPath(sha256('x'), 'conformance/never-pushed'), blobPath(sha256('x'), 'conformance/never-pushed')]) {
        const response = await del(path);
        expect(response.status, path).toBe(404);
        expect(await errorCode(response)).toBe('NAME_UNKNOWN');
      }
    });
  });

  describe('blob delete', () => {
    it('answers deleting a blob that is not there with 404 BLOB_UNKNOWN', async () => {
      await client.pushBlob(NAME, 'deleted twice');
      expect((await del(blobPath(sha256('deleted twice')))).status).toBe(202);
      const again = await del(blobPath(sha256('deleted twice')));
      expect(again.status).toBe(404);
      expect(await errorCode(again)).toBe('BLOB_UNKNOWN');
    });

    it('removes a blob from one repository only', async () => {
      const shared = 'a blob two repositories hold';
      await client.pushBlob(NAME, shared);
      const mounted = await client.fetch(withQuery('/v2/conformance/management-other/blobs/uploads/', { mount: sha256(shared), from: NAME }), { method: 'POST' });
      expect(mounted.status).toBe(201);
      expect((await del(blobPath(sha256(shared)))).status).toBe(202);
      expect((await client.fetch(blobPath(sha256(shared)), { method: 'HEAD' })).status).toBe(404);
      const other = await client.fetch(blobPath(sha256(shared), 'conformance/management-other'));
      expect(other.status).toBe(200);
      expect(await other.text()).toBe(shared);
    });

    it('answers a malformed digest with 400 DIGEST_INVALID', async () => {
      const response = await del(blobPath('sha256:totallywrong'));
      expect(response.status).toBe(400);
      expect(await errorCode(response)).toBe('DIGEST_INVALID');
    });
  });

  describe('unsupported operations', () => {
    it('answers a method a route does not support with 405 UNSUPPORTED', async () => {
      const requests: [string, string][] = [
        ['PATCH', manifestPath('latest')],
        ['DELETE', `/v2/${NAME}/tags/list`],
        ['POST', '/v2/'],
        ['PUT', blobPath(sha256('x'))],
      ];
      for (const [method, path] of requests) {
        const response = await client.fetch(path, { method });
        expect(response.status, `${method} ${path}`).toBe(405);
        expect(await errorCode(response)).toBe('UNSUPPORTED');
      }
    });
  });
});
