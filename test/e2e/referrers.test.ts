import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MediaTypes,
  buildImage,
  dockerRef,
  inspectRaw,
  readBlob,
  scratchDir,
  sha256Digest,
  skopeo,
  taggedManifest,
  toolsAvailable,
  writeArtifact,
  type Descriptor,
  type ImageManifest,
  type IndexManifest,
} from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const SBOM = 'application/vnd.example.sbom';
const SIGNATURE = 'application/vnd.example.signature';

describe.skipIf(!toolsAvailable('skopeo', 'umoci'))('OCI artifacts with a subject, copied by skopeo', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect: 'sqlite' });
  });
  afterAll(() => server?.close());

  async function referrers(name: string, digest: string, artifactType?: string) {
    const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    const response = await fetch(`${server.url}/v2/${name}/referrers/${digest}${query}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(MediaTypes.ociIndex);
    const index = (await response.json()) as IndexManifest;
    expect(index.mediaType).toBe(MediaTypes.ociIndex);
    return { index, filtersApplied: response.headers.get('oci-filters-applied') };
  }

  it('keeps subject and artifactType through skopeo and lists the artifacts as referrers', async () => {
    const dir = scratchDir();
    const source = path.join(dir, 'source');
    const image = await buildImage(source, 'v1', { layers: [{ 'app.txt': 'the application\n' }, { 'data.txt': 'its data\n' }] });
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${source}:v1`, dockerRef(server.host, 'team/app', 'v1')]);

    const sbom = writeArtifact(source, 'sbom', {
      artifactType: SBOM,
      subject: image.descriptor,
      files: [{ mediaType: 'application/spdx+json', content: JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'app', packages: [] }) }],
      annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
    });
    const signature = writeArtifact(source, 'sig', {
      artifactType: SIGNATURE,
      subject: image.descriptor,
      files: [{ mediaType: 'application/vnd.example.signature.v1', content: 'not a real signature' }],
    });
    for (const tag of ['sbom', 'sig']) {
      await skopeo(['copy', '--dest-tls-verify=false', `oci:${source}:${tag}`, dockerRef(server.host, 'team/app', `${tag}-artifact`)]);
    }

    // skopeo copies the artifact manifest unchanged: subject and artifactType survive.
    const served = await inspectRaw(server.host, 'team/app', 'sbom-artifact');
    expect(served.equals(sbom.body)).toBe(true);
    const servedManifest = JSON.parse(served.toString('utf8')) as ImageManifest;
    expect(servedManifest.subject?.digest).toBe(image.digest);
    expect(servedManifest.artifactType).toBe(SBOM);
    expect(servedManifest.config.mediaType).toBe(MediaTypes.ociEmpty);

    const all = await referrers('team/app', image.digest);
    expect(all.filtersApplied).toBeNull();
    const byDigest = new Map(all.index.manifests.map((descriptor) => [descriptor.digest, descriptor]));
    expect([...byDigest.keys()].sort()).toEqual([sbom.digest, signature.digest].sort());
    expect(byDigest.get(sbom.digest)).toMatchObject<Partial<Descriptor>>({
      mediaType: MediaTypes.ociManifest,
      size: sbom.body.length,
      artifactType: SBOM,
      annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
    });
    expect(byDigest.get(signature.digest)).toMatchObject({ size: signature.body.length, artifactType: SIGNATURE });

    const sboms = await referrers('team/app', image.digest, SBOM);
    expect(sboms.filtersApplied).toBe('artifactType');
    expect(sboms.index.manifests.map((descriptor) => descriptor.digest)).toEqual([sbom.digest]);
    const none = await referrers('team/app', image.digest, 'application/vnd.example.nothing');
    expect(none.index.manifests).toEqual([]);

    // The artifact comes back out of the registry as it went in.
    const copy = path.join(dir, 'copy');
    await skopeo(['copy', '--src-tls-verify=false', dockerRef(server.host, 'team/app', 'sbom-artifact'), `oci:${copy}:sbom`]);
    const pulled = taggedManifest<ImageManifest>(copy, 'sbom');
    expect(pulled.digest).toBe(sbom.digest);
    expect(pulled.manifest.subject).toEqual({ mediaType: image.descriptor.mediaType, digest: image.digest, size: image.body.length });
    const layer = pulled.manifest.layers[0]!;
    expect(readBlob(copy, layer.digest).equals(readBlob(source, layer.digest))).toBe(true);
  });

  it('accepts an artifact pushed before its subject and lists it once the subject is there', async () => {
    const dir = scratchDir();
    const image = await buildImage(dir, 'v1', { layers: [{ 'late.txt': 'pushed after its referrer\n' }] });
    const sbom = writeArtifact(dir, 'sbom', {
      artifactType: SBOM,
      subject: image.descriptor,
      files: [{ mediaType: 'application/spdx+json', content: '{"spdxVersion":"SPDX-2.3","name":"late"}' }],
    });

    await skopeo(['copy', '--dest-tls-verify=false', `oci:${dir}:sbom`, dockerRef(server.host, 'team/late', 'sbom')]);
    expect((await referrers('team/late', image.digest)).index.manifests.map((d) => d.digest)).toEqual([sbom.digest]);

    await skopeo(['copy', '--dest-tls-verify=false', `oci:${dir}:v1`, dockerRef(server.host, 'team/late', 'v1')]);
    expect(sha256Digest(await inspectRaw(server.host, 'team/late', 'v1'))).toBe(image.digest);
    expect((await referrers('team/late', image.digest)).index.manifests.map((d) => d.digest)).toEqual([sbom.digest]);

    // Deleting the artifact removes it from the referrers list.
    await skopeo(['delete', '--tls-verify=false', dockerRef(server.host, 'team/late', 'sbom')]);
    expect((await referrers('team/late', image.digest)).index.manifests).toEqual([]);
  });
});
