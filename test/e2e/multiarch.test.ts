import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MediaTypes,
  blobsOf,
  buildMultiArchImage,
  dockerRef,
  inspect,
  inspectRaw,
  readBlob,
  readManifest,
  scratchDir,
  sha256Digest,
  skopeo,
  taggedManifest,
  toolsAvailable,
  type ImageManifest,
  type IndexManifest,
  type ImageSpec,
} from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const PLATFORMS: Record<string, ImageSpec['layers']> = {
  amd64: [{ 'bin/tool': 'x86-64 build\n' }, { 'lib/amd64.so': 'amd64 library\n' }],
  arm64: [{ 'bin/tool': 'aarch64 build\n' }, { 'lib/arm64.so': 'arm64 library\n' }, { 'etc/arm64.conf': 'arm only\n' }],
};

describe.skipIf(!toolsAvailable('skopeo', 'umoci'))('multi-architecture images through skopeo --all', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect: 'sqlite' });
  });
  afterAll(() => server?.close());

  it('pushes and pulls an amd64+arm64 index with every child manifest and blob intact', async () => {
    const dir = scratchDir();
    const source = path.join(dir, 'source');
    const { index, platforms } = await buildMultiArchImage(source, 'multi', PLATFORMS);
    // Each platform has its own config and layers.
    const amd64 = platforms.amd64!;
    const arm64 = platforms.arm64!;
    expect(amd64.manifest.config.digest).not.toBe(arm64.manifest.config.digest);
    const armLayers = new Set(arm64.manifest.layers.map((l) => l.digest));
    expect(amd64.manifest.layers.filter((l) => armLayers.has(l.digest))).toEqual([]);

    await skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${source}:multi`, dockerRef(server.host, 'team/multi', '1.0')]);

    // The tag answers with the index itself, byte for byte.
    const served = await inspectRaw(server.host, 'team/multi', '1.0');
    expect(served.equals(index.body)).toBe(true);
    expect(sha256Digest(served)).toBe(index.digest);
    const servedIndex = JSON.parse(served.toString('utf8')) as IndexManifest;
    expect(servedIndex.mediaType).toBe(MediaTypes.ociIndex);
    expect(servedIndex.manifests.map((m) => m.platform?.architecture).sort()).toEqual(['amd64', 'arm64']);

    // Both children are there by digest, unchanged.
    for (const child of [amd64, arm64]) {
      expect((await inspectRaw(server.host, 'team/multi', child.digest)).equals(child.body)).toBe(true);
    }
    // skopeo picks the platform's child out of the index.
    const arm = await inspect(server.host, 'team/multi', '1.0', ['--override-arch', 'arm64', '--override-os', 'linux']);
    expect(arm.Architecture).toBe('arm64');
    expect(arm.Layers).toEqual(arm64.manifest.layers.map((l) => l.digest));
    const amd = await inspect(server.host, 'team/multi', '1.0', ['--override-arch', 'amd64', '--override-os', 'linux']);
    expect(amd.Layers).toEqual(amd64.manifest.layers.map((l) => l.digest));

    // Pull everything back into a fresh layout.
    const copy = path.join(dir, 'copy');
    await skopeo(['copy', '--all', '--src-tls-verify=false', dockerRef(server.host, 'team/multi', '1.0'), `oci:${copy}:multi`]);
    const pulled = taggedManifest<IndexManifest>(copy, 'multi');
    expect(pulled.digest).toBe(index.digest);
    expect(pulled.body.equals(index.body)).toBe(true);
    for (const descriptor of pulled.manifest.manifests) {
      const child = readManifest<ImageManifest>(copy, descriptor.digest);
      const original = descriptor.platform?.architecture === 'arm64' ? arm64 : amd64;
      expect(child.body.equals(original.body)).toBe(true);
      for (const digest of blobsOf(child.manifest)) {
        const bytes = readBlob(copy, digest);
        expect(sha256Digest(bytes)).toBe(digest);
        expect(bytes.equals(readBlob(source, digest))).toBe(true);
      }
    }
  });

  it('copies one platform out of the index without --all', async () => {
    const dir = scratchDir();
    const source = path.join(dir, 'source');
    const { platforms } = await buildMultiArchImage(source, 'multi', PLATFORMS);
    await skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${source}:multi`, dockerRef(server.host, 'team/single', 'latest')]);

    const copy = path.join(dir, 'copy');
    await skopeo([
      'copy', '--override-arch', 'arm64', '--override-os', 'linux', '--src-tls-verify=false',
      dockerRef(server.host, 'team/single', 'latest'), `oci:${copy}:arm`,
    ]);
    const pulled = taggedManifest<ImageManifest>(copy, 'arm');
    expect(pulled.digest).toBe(platforms.arm64!.digest);
    expect(pulled.manifest.layers).toHaveLength(3);
  });
});
