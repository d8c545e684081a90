import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../helpers/databases.js';
import { descriptorOf, errorCode, OciClient, sha256, type Descriptor } from '../helpers/oci-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The Content Discovery workflow of the OCI distribution spec: tag listing with
 * pagination, the referrers API with artifactType filtering, and the catalog.
 */

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';

const NAME = 'conformance/discovery';
const DUMMY_DIGEST = sha256('hello world');
const ANNOTATION = 'org.opencontainers.conformance.test';

const ARTIFACT_TYPE_A = 'application/vnd.nhl.peanut.butter.bagel';
const ARTIFACT_TYPE_B = 'application/vnd.nba.strawberry.jam.croissant';
const ARTIFACT_TYPE_INDEX = 'application/vnd.food.stand';

const layer = 'the layer every discovery image shares';
const configs = [2, 3, 4].map((i) =>
  JSON.stringify({ architecture: 'amd64', os: 'linux', author: `discovery ${i}`, rootfs: { type: 'layers', diff_ids: [] } }),
);
const images = configs.map((config) =>
  JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptorOf(config, OCI_CONFIG), layers: [descriptorOf(layer, OCI_LAYER)] }),
);
/** The tagged image; `images[1]` is the subject that is never pushed, `images[2]` the one that is. */
const tagged = images[0]!;
const absentSubject = descriptorOf(images[1]!, OCI_MANIFEST);
const subject = descriptorOf(images[2]!, OCI_MANIFEST);

const emptyJson = '{}';
const refBlobA = 'NHL Peanut Butter on my NHL bagel';
const refBlobB = 'NBA Strawberry Jam on my NBA croissant';

function artifact(options: { artifactType?: string; config: Descriptor; layers: Descriptor[]; subject: Descriptor; note?: string }): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    ...(options.artifactType ? { artifactType: options.artifactType } : {}),
    config: options.config,
    layers: options.layers,
    subject: options.subject,
    ...(options.note ? { annotations: { [ANNOTATION]: options.note } } : {}),
  });
}

/** Referrers whose artifact type is in the config media type, and in `artifactType`. */
const configArtifactA = artifact({ config: descriptorOf(refBlobA, ARTIFACT_TYPE_A), layers: [descriptorOf(emptyJson, OCI_EMPTY)], subject, note: 'test config a' });
const configArtifactB = artifact({ config: descriptorOf(refBlobB, ARTIFACT_TYPE_B), layers: [descriptorOf(emptyJson, OCI_EMPTY)], subject, note: 'test config b' });
const layerArtifactA = artifact({ artifactType: ARTIFACT_TYPE_A, config: descriptorOf(emptyJson, OCI_EMPTY), layers: [descriptorOf(refBlobA, ARTIFACT_TYPE_A)], subject, note: 'test layer a' });
const layerArtifactB = artifact({ artifactType: ARTIFACT_TYPE_B, config: descriptorOf(emptyJson, OCI_EMPTY), layers: [descriptorOf(refBlobB, ARTIFACT_TYPE_B)], subject, note: 'test layer b' });
/** A referrer of a subject that is never pushed. */
const layerArtifactC = artifact({ artifactType: ARTIFACT_TYPE_B, config: descriptorOf(emptyJson, OCI_EMPTY), layers: [descriptorOf(refBlobB, ARTIFACT_TYPE_B)], subject: absentSubject });
/** An index referrer, over two of the manifest referrers. */
const indexArtifact = JSON.stringify({
  schemaVersion: 2,
  mediaType: OCI_INDEX,
  artifactType: ARTIFACT_TYPE_INDEX,
  manifests: [descriptorOf(configArtifactA, OCI_MANIFEST), descriptorOf(layerArtifactA, OCI_MANIFEST)],
  subject,
  annotations: { [ANNOTATION]: 'test index' },
});

const expectedReferrers = new Map<string, { mediaType: string; artifactType: string; note: string; body: string }>([
  [sha256(configArtifactA), { mediaType: OCI_MANIFEST, artifactType: ARTIFACT_TYPE_A, note: 'test config a', body: configArtifactA }],
  [sha256(layerArtifactA), { mediaType: OCI_MANIFEST, artifactType: ARTIFACT_TYPE_A, note: 'test layer a', body: layerArtifactA }],
  [sha256(indexArtifact), { mediaType: OCI_INDEX, artifactType: ARTIFACT_TYPE_INDEX, note: 'test index', body: indexArtifact }],
  [sha256(configArtifactB), { mediaType: OCI_MANIFEST, artifactType: ARTIFACT_TYPE_B, note: 'test config b', body: configArtifactB }],
  [sha256(layerArtifactB), { mediaType: OCI_MANIFEST, artifactType: ARTIFACT_TYPE_B, note: 'test layer b', body: layerArtifactB }],
]);

/** The target of a `Link: <url>; rel="next"` header, or undefined without one. */
function nextLink(response: Response): string | undefined {
  const link = response.headers.get('link');
  if (link === null) return undefined;
  const match = /^<([^>]+)>;\s*rel="next"$/.exec(link);
  if (!match) throw new Error(`malformed Link header ${link}`);
  return match[1];
}

interface Index {
  schemaVersion: number;
  mediaType: string;
  manifests: (Descriptor & { annotations?: Record<string, string> })[];
}

describe.each(testDialects())('content discovery workflow on %s', (dialect) => {
  let server: TestServer;
  let client: OciClient;

  beforeAll(async () => {
    server = await startTestServer({ dialect });
    client = new OciClient(server.url);
  });
  afterAll(() => server.close());

  describe('tags', () => {
    const tags = ['test0', 'test1', 'test2', 'test3', 'v2', 'v10', 'b', 'A-upper', '_under'];
    /** Byte ("ASCIIbetical") order. */
    const sorted = [...tags].sort();

    beforeAll(async () => {
      await client.pushBlob(NAME, configs[0]!);
      await client.pushBlob(NAME, layer);
      for (const tag of tags) expect((await client.pushManifest(NAME, tag, tagged, OCI_MANIFEST)).status).toBe(201);
    });

    const list = (query = '') => client.fetch(`/v2/${NAME}/tags/list${query}`);

    it('lists every tag in order with the repository name', async () => {
      const response = await list();
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('link')).toBeNull();
      expect(await response.json()).toEqual({ name: NAME, tags: sorted });
    });

    it('limits the list to n tags and links to the next page', async () => {
      const n = Math.floor(tags.length / 2);
      const response = await list(`?n=${n}`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { tags: string[] }).tags).toEqual(sorted.slice(0, n));
      const next = new URL(nextLink(response)!, server.url);
      expect(next.pathname).toBe(`/v2/${NAME}/tags/list`);
      expect(next.searchParams.get('n')).toBe(String(n));
      expect(next.searchParams.get('last')).toBe(sorted[n - 1]);
    });

    it('starts after last, excluding it', async () => {
      const n = Math.floor(tags.length / 2);
      const response = await list(`?n=${n}&last=${sorted[n - 1]}`);
      expect(response.status).toBe(200);
      const page = ((await response.json()) as { tags: string[] }).tags;
      expect(page).toEqual(sorted.slice(n, 2 * n));
      expect(page).not.toContain(sorted[n - 1]);

      const rest = await list(`?last=${sorted[2]}`);
      expect(((await rest.json()) as { tags: string[] }).tags).toEqual(sorted.slice(3));
      const none = await list(`?n=5&last=${sorted.at(-1)}`);
      expect(((await none.json()) as { tags: string[] }).tags).toEqual([]);
      expect(none.headers.get('link')).toBeNull();
    });

    it('walks the whole list by following Link headers, the last page having none', async () => {
      const seen: string[] = [];
      let url: string | undefined = `/v2/${NAME}/tags/list?n=2`;
      let pages = 0;
      while (url !== undefined && pages < 20) {
        const response = await client.fetch(url);
        expect(response.status).toBe(200);
        const page = ((await response.json()) as { tags: string[] }).tags;
        expect(page.length).toBeLessThanOrEqual(2);
        seen.push(...page);
        url = nextLink(response);
        pages++;
      }
      expect(url).toBeUndefined();
      expect(seen).toEqual(sorted);
    });

    it('answers n=0 with an empty list and no Link header', async () => {
      const response = await list('?n=0');
      expect(response.status).toBe(200);
      expect(response.headers.get('link')).toBeNull();
      expect(await response.json()).toEqual({ name: NAME, tags: [] });
    });

    it('answers n above the number of tags with all of them and no Link header', async () => {
      const response = await list(`?n=${tags.length}`);
      expect(response.headers.get('link')).toBeNull();
      expect(((await response.json()) as { tags: string[] }).tags).toEqual(sorted);
    });

    it('answers an invalid n with 400', async () => {
      const response = await list('?n=many');
      expect(response.status).toBe(400);
      await response.body?.cancel();
    });

    it('answers the tags of an unknown repository with 404 NAME_UNKNOWN', async () => {
      const response = await client.fetch('/v2/conformance/never-pushed/tags/list');
      expect(response.status).toBe(404);
      expect(await errorCode(response)).toBe('NAME_UNKNOWN');
    });

    it('lists an empty array for a repository without tags', async () => {
      await client.pushBlob('conformance/untagged', 'a blob but no tag');
      const response = await client.fetch('/v2/conformance/untagged/tags/list');
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ name: 'conformance/untagged', tags: [] });
    });
  });

  describe('referrers', () => {
    beforeAll(async () => {
      // Referrers pushed before their subject exists, as the conformance setup does.
      await client.pushBlob(NAME, emptyJson);
      await client.pushBlob(NAME, refBlobA);
      for (const [body, mediaType] of [
        [configArtifactA, OCI_MANIFEST],
        [layerArtifactA, OCI_MANIFEST],
        [indexArtifact, OCI_INDEX],
      ] as const) {
        const response = await client.pushManifest(NAME, sha256(body), body, mediaType);
        expect(response.status).toBe(201);
        expect(response.headers.get('oci-subject')).toBe(subject.digest);
      }
      await client.pushBlob(NAME, configs[2]!);
      await client.pushBlob(NAME, layer);
      expect((await client.pushManifest(NAME, 'tagtest0', images[2]!, OCI_MANIFEST)).status).toBe(201);
      // Referrers pushed after their subject.
      await client.pushBlob(NAME, refBlobB);
      for (const body of [configArtifactB, layerArtifactB]) {
        const response = await client.pushManifest(NAME, sha256(body), body, OCI_MANIFEST);
        expect(response.status).toBe(201);
        expect(response.headers.get('oci-subject')).toBe(subject.digest);
      }
      const orphan = await client.pushManifest(NAME, sha256(layerArtifactC), layerArtifactC, OCI_MANIFEST);
      expect(orphan.status).toBe(201);
      expect(orphan.headers.get('oci-subject')).toBe(absentSubject.digest);
    });

    async function referrers(digest: string, query = ''): Promise<{ response: Response; index: Index }> {
      const response = await client.fetch(`/v2/${NAME}/referrers/${digest}${query}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(OCI_INDEX);
      const index = (await response.json()) as Index;
      expect(index.schemaVersion).toBe(2);
      expect(index.mediaType).toBe(OCI_INDEX);
      return { response, index };
    }

    it('uses the empty JSON blob the spec names', () => {
      expect(sha256(emptyJson)).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
    });

    it('answers a subject nothing refers to with 200 and an empty index', async () => {
      const { index } = await referrers(DUMMY_DIGEST);
      expect(index.manifests).toEqual([]);
    });

    it('lists every referrer of a subject, image manifests and indexes, as the spec describes them', async () => {
      const { response, index } = await referrers(subject.digest);
      expect(response.headers.get('oci-filters-applied')).toBeNull();
      expect(index.manifests).toHaveLength(5);
      expect(new Set(index.manifests.map((descriptor) => descriptor.digest))).toEqual(new Set(expectedReferrers.keys()));
      for (const descriptor of index.manifests) {
        const expected = expectedReferrers.get(descriptor.digest)!;
        expect(descriptor).toEqual({
          mediaType: expected.mediaType,
          digest: sha256(expected.body),
          size: Buffer.byteLength(expected.body),
          artifactType: expected.artifactType,
          annotations: { [ANNOTATION]: expected.note },
        });
      }
    });

    it('filters by artifactType and says so with OCI-Filters-Applied', async () => {
      const { response, index } = await referrers(subject.digest, `?artifactType=${encodeURIComponent(ARTIFACT_TYPE_A)}`);
      expect(response.headers.get('oci-filters-applied')).toBe('artifactType');
      expect(index.manifests.map((descriptor) => descriptor.digest).sort()).toEqual([sha256(configArtifactA), sha256(layerArtifactA)].sort());
      for (const descriptor of index.manifests) {
        expect(descriptor.artifactType).toBe(ARTIFACT_TYPE_A);
        expect(descriptor.annotations).toEqual({ [ANNOTATION]: expectedReferrers.get(descriptor.digest)!.note });
      }

      const indexes = await referrers(subject.digest, `?artifactType=${encodeURIComponent(ARTIFACT_TYPE_INDEX)}`);
      expect(indexes.index.manifests.map((descriptor) => descriptor.digest)).toEqual([sha256(indexArtifact)]);

      const none = await referrers(subject.digest, '?artifactType=application/vnd.example.nothing');
      expect(none.response.headers.get('oci-filters-applied')).toBe('artifactType');
      expect(none.index.manifests).toEqual([]);
    });

    it('lists the referrers of a subject that was never pushed', async () => {
      const { index } = await referrers(absentSubject.digest);
      expect(index.manifests).toHaveLength(1);
      expect(index.manifests[0]!.digest).toBe(sha256(layerArtifactC));
      expect(index.manifests[0]!.artifactType).toBe(ARTIFACT_TYPE_B);
      expect(index.manifests[0]!.annotations).toBeUndefined();
    });

    it('omits artifactType for an index referrer that has none', async () => {
      const plainIndex = JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [descriptorOf(layerArtifactB, OCI_MANIFEST)],
        subject: absentSubject,
      });
      expect((await client.pushManifest(NAME, sha256(plainIndex), plainIndex, OCI_INDEX)).status).toBe(201);
      const { index } = await referrers(absentSubject.digest);
      const descriptor = index.manifests.find((entry) => entry.digest === sha256(plainIndex));
      expect(descriptor).toEqual({ mediaType: OCI_INDEX, digest: sha256(plainIndex), size: Buffer.byteLength(plainIndex) });
    });

    it('lists only referrers of the same repository', async () => {
      const other = 'conformance/discovery-other';
      await client.pushBlob(other, emptyJson);
      await client.pushBlob(other, refBlobA);
      expect((await client.pushManifest(other, sha256(layerArtifactA), layerArtifactA, OCI_MANIFEST)).status).toBe(201);
      const response = await client.fetch(`/v2/${other}/referrers/${subject.digest}`);
      const index = (await response.json()) as Index;
      expect(index.manifests.map((descriptor) => descriptor.digest)).toEqual([sha256(layerArtifactA)]);
    });

    it('drops a deleted referrer from the list', async () => {
      const { index: before } = await referrers(absentSubject.digest);
      expect(before.manifests.map((descriptor) => descriptor.digest)).toContain(sha256(layerArtifactC));
      expect((await client.fetch(`/v2/${NAME}/manifests/${sha256(layerArtifactC)}`, { method: 'DELETE' })).status).toBe(202);
      const { index: after } = await referrers(absentSubject.digest);
      expect(after.manifests.map((descriptor) => descriptor.digest)).not.toContain(sha256(layerArtifactC));
      expect(after.manifests).toHaveLength(before.manifests.length - 1);
    });

    it('answers a repository that does not exist yet with 200 and an empty index, never 404', async () => {
      const response = await client.fetch(`/v2/${NAME}-never-pushed/referrers/${subject.digest}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/vnd.oci.image.index.v1+json');
      expect(((await response.json()) as Index).manifests).toEqual([]);
    });

    it('answers a malformed digest with 400', async () => {
      const response = await client.fetch(`/v2/${NAME}/referrers/sha256:totallywrong`);
      expect(response.status).toBe(400);
      expect(await errorCode(response)).toBe('DIGEST_INVALID');
    });
  });

  describe('catalog', () => {
    let all: string[];
    beforeAll(async () => {
      for (const name of ['alpha', 'team/app/api', 'team/app/web', 'zeta']) await client.pushBlob(name, `blob of ${name}`);
      const response = await client.fetch('/v2/_catalog');
      expect(response.status).toBe(200);
      all = ((await response.json()) as { repositories: string[] }).repositories;
    });

    it('lists every repository in order, multi-component names included', () => {
      expect(all).toEqual(expect.arrayContaining(['alpha', 'team/app/api', 'team/app/web', 'zeta', NAME]));
      expect(all).toEqual([...all].sort());
    });

    it('paginates with n and last, linking to the next page', async () => {
      const first = await client.fetch('/v2/_catalog?n=2');
      expect(((await first.json()) as { repositories: string[] }).repositories).toEqual(all.slice(0, 2));
      const next = new URL(nextLink(first)!, server.url);
      expect(next.pathname).toBe('/v2/_catalog');
      expect(next.searchParams.get('n')).toBe('2');
      expect(next.searchParams.get('last')).toBe(all[1]);

      const after = await client.fetch(`/v2/_catalog?n=2&last=${encodeURIComponent(all[1]!)}`);
      expect(((await after.json()) as { repositories: string[] }).repositories).toEqual(all.slice(2, 4));
    });

    it('walks every repository by following Link headers, the last page having none', async () => {
      const seen: string[] = [];
      let url: string | undefined = '/v2/_catalog?n=3';
      let pages = 0;
      while (url !== undefined && pages < 20) {
        const response = await client.fetch(url);
        expect(response.status).toBe(200);
        seen.push(...((await response.json()) as { repositories: string[] }).repositories);
        url = nextLink(response);
        pages++;
      }
      expect(url).toBeUndefined();
      expect(seen).toEqual(all);
    });

    it('answers n=0 with an empty list and no Link header', async () => {
      const response = await client.fetch('/v2/_catalog?n=0');
      expect(response.status).toBe(200);
      expect(response.headers.get('link')).toBeNull();
      expect(await response.json()).toEqual({ repositories: [] });
    });
  });

  describe('teardown', () => {
    it('deletes the manifests and blobs the workflow created', async () => {
      const references = [sha256(indexArtifact), sha256(tagged), subject.digest, sha256(configArtifactA), sha256(layerArtifactA), sha256(configArtifactB), sha256(layerArtifactB)];
      for (const reference of references) {
        expect((await client.fetch(`/v2/${NAME}/manifests/${reference}`, { method: 'DELETE' })).status, reference).toBe(202);
      }
      for (const blob of [configs[0]!, configs[2]!, layer, refBlobA, refBlobB, emptyJson]) {
        expect((await client.fetch(`/v2/${NAME}/blobs/${sha256(blob)}`, { method: 'DELETE' })).status, blob).toBe(202);
      }
      expect(await (await client.fetch(`/v2/${NAME}/tags/list`)).json()).toEqual({ name: NAME, tags: [] });
      const { manifests } = (await (await client.fetch(`/v2/${NAME}/referrers/${subject.digest}`)).json()) as Index;
      expect(manifests).toEqual([]);
    });
  });
});
