import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { collectGarbage, type GcSummary } from '../../src/gc/collect.js';
import { INLINE_BLOB_MAX_BYTES } from '../../src/registry/blob-content.js';
import { testDialects } from '../helpers/databases.js';
import { errorCode, OciClient, sha256 } from '../helpers/oci-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { IMAGE_MANIFEST, storedContentDigests } from './support.js';

const RUN_MS = 8_000;
const PUSHERS = 4;
const PULLERS = 2;
const REPOSITORIES = ['team/one', 'team/two', 'team/three'];
/**
 * Layers that many images share (the ones a collection running beside pushes may race for):
 * half small enough to be kept inline, half files of the blob store.
 */
const SHARED_LAYERS = Array.from({ length: 6 }, (_, index) => `shared layer ${index} `.repeat(index % 2 ? 2_000 : 200 + index * 50));

interface PushedImage {
  repository: string;
  tag: string;
  digest: string;
  body: string;
  blobs: { digest: string; data: Buffer }[];
}

/**
 * Garbage collection with a grace period of 0 runs in a loop inside the server while
 * clients push images that share layers and pull them back. With a grace period of 0 nothing
 * protects a blob between its upload and the manifest that references it: a collection that
 * starts in between deletes the fresh link, by design. So the pushers here upload every blob
 * (never skip one after a HEAD, which with a grace of 0 protects nothing either) and treat
 * MANIFEST_BLOB_UNKNOWN as "upload the blobs again and retry", as a client would on a
 * registry collecting aggressively (uploading alone is not enough at a grace of 0: a
 * collection starting between the uploads and the manifest takes the fresh links; with
 * collections back to back, a push may need several attempts). What must never happen: a manifest acknowledged (201)
 * whose blobs are gone, or a pull of an acknowledged image that fails.
 */
describe.each(testDialects())('online garbage collection on %s', (dialect) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('loses no acknowledged image while collecting in a loop beside pushes and pulls, then frees exactly the unreferenced blobs', async () => {
    server = await startTestServer({ dialect });
    const running = server;
    const client = new OciClient(running.url);
    const acknowledged: PushedImage[] = [];
    const problems: string[] = [];
    const summaries: GcSummary[] = [];
    let retries = 0;
    let pulls = 0;
    const deadline = Date.now() + RUN_MS;

    const collector = (async () => {
      while (Date.now() < deadline) {
        summaries.push(await collectGarbage(running.registry.context, running.registry.uploads, { gracePeriodMs: 0, dryRun: false }));
      }
    })();

    const pusher = async (id: number) => {
      for (let n = 0; Date.now() < deadline; n++) {
        const repository = REPOSITORIES[(id + n) % REPOSITORIES.length]!;
        const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', pusher: id, n }));
        const layers = [SHARED_LAYERS[(id + n) % SHARED_LAYERS.length]!, SHARED_LAYERS[(id * 3 + n * 5 + 1) % SHARED_LAYERS.length]!, randomBytes(n % 2 ? 2048 : INLINE_BLOB_MAX_BYTES).toString('hex')]
          .map((layer) => Buffer.from(layer))
          .filter((layer, index, all) => all.findIndex((other) => other.equals(layer)) === index);
        const body = JSON.stringify({
          schemaVersion: 2,
          mediaType: IMAGE_MANIFEST,
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
          layers: layers.map((layer) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length })),
        });
        const tag = `p${id}-${n}`;
        for (;;) {
          for (const blob of [config, ...layers]) await client.pushBlob(repository, blob);
          const response = await client.pushManifest(repository, tag, body, IMAGE_MANIFEST);
          if (response.status === 201) {
            acknowledged.push({ repository, tag, digest: sha256(body), body, blobs: [config, ...layers].map((data) => ({ digest: sha256(data), data })) });
            break;
          }
          const code = await errorCode(response);
          if (code !== 'MANIFEST_BLOB_UNKNOWN') {
            problems.push(`push ${repository}:${tag}: ${response.status} ${code}`);
            break;
          }
          // Never acknowledged, so nothing is lost: a push still refused at the end is given up.
          if (Date.now() >= deadline) break;
          retries++;
        }
      }
    };

    const pullWhole = async (image: PushedImage): Promise<string | undefined> => {
      const manifest = await client.fetch(`/v2/${image.repository}/manifests/${image.tag}`, { headers: { Accept: IMAGE_MANIFEST } });
      if (manifest.status !== 200) return `manifest ${image.repository}:${image.tag}: ${manifest.status}`;
      const body = Buffer.from(await manifest.arrayBuffer());
      if (sha256(body) !== image.digest) return `manifest ${image.repository}:${image.tag}: digest ${sha256(body)}`;
      for (const blob of image.blobs) {
        const response = await client.fetch(`/v2/${image.repository}/blobs/${blob.digest}`);
        if (response.status !== 200) return `blob ${blob.digest} of ${image.repository}:${image.tag}: ${response.status}`;
        const data = Buffer.from(await response.arrayBuffer());
        if (sha256(data) !== blob.digest) return `blob ${blob.digest} of ${image.repository}:${image.tag}: read ${data.length} bytes of another digest`;
      }
      return undefined;
    };

    const puller = async () => {
      while (Date.now() < deadline) {
        if (acknowledged.length === 0) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          continue;
        }
        const image = acknowledged[Math.floor(Math.random() * acknowledged.length)]!;
        const problem = await pullWhole(image);
        if (problem) problems.push(`pull during the run: ${problem}`);
        pulls++;
      }
    };

    await Promise.all([collector, ...Array.from({ length: PUSHERS }, (_, id) => pusher(id)), ...Array.from({ length: PULLERS }, () => puller())]);
    expect(problems).toEqual([]);
    expect(summaries.length).toBeGreaterThan(1);
    expect(acknowledged.length).toBeGreaterThan(10);
    expect(pulls).toBeGreaterThan(0);
    console.info(
      `${dialect}: ${acknowledged.length} images acknowledged (${retries} pushes retried after MANIFEST_BLOB_UNKNOWN), ${pulls} pulls, ${summaries.length} collections removing ${summaries.reduce((sum, s) => sum + s.linksRemoved, 0)} links and ${summaries.reduce((sum, s) => sum + s.blobsRemoved, 0)} blobs`,
    );

    // Every acknowledged image pulls whole, with matching digests.
    for (const image of acknowledged) expect(await pullWhole(image)).toBeUndefined();

    // Delete every other image; a collection then frees exactly what no remaining image references.
    const remaining: PushedImage[] = [];
    for (const [index, image] of acknowledged.entries()) {
      if (index % 2 === 0) {
        const response = await client.fetch(`/v2/${image.repository}/manifests/${image.digest}`, { method: 'DELETE' });
        expect(response.status).toBe(202);
      } else remaining.push(image);
    }
    const final = await collectGarbage(running.registry.context, running.registry.uploads, { gracePeriodMs: 0, dryRun: false });
    expect(final.blobsRemoved).toBeGreaterThan(0);
    const referenced = new Set(remaining.flatMap((image) => image.blobs.map((blob) => blob.digest)));
    const stored = await storedContentDigests(running.registry.context);
    expect([...stored].sort()).toEqual([...referenced].sort());
    for (const image of remaining) expect(await pullWhole(image)).toBeUndefined();
  }, 120_000);
});
