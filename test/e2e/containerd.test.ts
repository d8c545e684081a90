import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImageList, startContainerd, type Containerd } from '../helpers/containerd.js';
import {
  blobsOf,
  buildImage,
  buildMultiArchImage,
  dockerRef,
  inspectRaw,
  readBlob,
  scratchDir,
  sha256Digest,
  skopeo,
  toolsAvailable,
  type ImageManifest,
  type ImageSpec,
} from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const LAYERS: ImageSpec['layers'] = [
  { 'etc/ctr/one': 'containerd layer one\n' },
  { 'usr/ctr/two': 'containerd layer two\n' },
  { 'opt/ctr/three': 'containerd layer three\n' },
];

describe.skipIf(!toolsAvailable('containerd', 'ctr', 'skopeo', 'umoci'))('containerd (ctr) against stowage', () => {
  let server: TestServer;
  let containerd: Containerd;
  beforeAll(async () => {
    server = await startTestServer({ dialect: 'sqlite' });
    containerd = await startContainerd();
  });
  afterAll(async () => {
    await containerd?.stop();
    await server?.close();
  });

  /** ctr in a namespace of its own per test, with the native snapshotter (plain directories). */
  function ctr(namespace: string) {
    return (...args: string[]) => containerd.ctr(namespace, ...args);
  }

  async function listed(namespace: string, ref: string) {
    const image = parseImageList(await ctr(namespace)('images', 'ls')).find((entry) => entry.ref === ref);
    if (!image) throw new Error(`ctr images ls has no ${ref}`);
    return image;
  }

  it('pulls a three-layer OCI image over plain HTTP with the pushed digest and blobs', async () => {
    const dir = scratchDir();
    const image = await buildImage(path.join(dir, 'layout'), 'v1', { layers: LAYERS });
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${path.join(dir, 'layout')}:v1`, dockerRef(server.host, 'team/app', 'v1')]);

    const run = ctr('pull-oci');
    const ref = `${server.host}/team/app:v1`;
    await run('images', 'pull', '--plain-http', '--snapshotter', 'native', ref);
    const pulled = await listed('pull-oci', ref);
    expect(pulled.digest).toBe(image.digest);
    expect(pulled.type).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(pulled.platforms).toEqual(['linux/amd64']);
    expect(await run('images', 'check')).toMatch(/complete \(4\/4\)/);

    // containerd stored exactly the pushed bytes.
    expect((await containerd.content('pull-oci', image.digest)).equals(image.body)).toBe(true);
    for (const digest of blobsOf(image.manifest)) {
      const stored = await containerd.content('pull-oci', digest);
      expect(sha256Digest(stored)).toBe(digest);
      expect(stored.equals(readBlob(path.join(dir, 'layout'), digest))).toBe(true);
    }
    // Unpacking gave one snapshot per layer (their diff IDs were verified while unpacking).
    const snapshots = (await run('snapshots', '--snapshotter', 'native', 'ls')).trim().split('\n').slice(1);
    expect(snapshots).toHaveLength(3);

    // The same image by digest.
    const byDigest = `${server.host}/team/app@${image.digest}`;
    await run('images', 'pull', '--plain-http', '--snapshotter', 'native', byDigest);
    expect((await listed('pull-oci', byDigest)).digest).toBe(image.digest);
  });

  it('pulls a multi-architecture index with all platforms', async () => {
    const dir = scratchDir();
    const layout = path.join(dir, 'layout');
    const { index, platforms } = await buildMultiArchImage(layout, 'multi', {
      amd64: [{ 'arch.txt': 'amd64\n' }, { 'amd64.txt': 'amd64 only\n' }],
      arm64: [{ 'arch.txt': 'arm64\n' }],
    });
    await skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${layout}:multi`, dockerRef(server.host, 'team/multi', '1')]);

    const run = ctr('pull-index');
    const ref = `${server.host}/team/multi:1`;
    await run('images', 'pull', '--plain-http', '--all-platforms', '--snapshotter', 'native', ref);
    const pulled = await listed('pull-index', ref);
    expect(pulled.digest).toBe(index.digest);
    expect(pulled.type).toBe('application/vnd.oci.image.index.v1+json');
    expect(pulled.platforms.sort()).toEqual(['linux/amd64', 'linux/arm64']);
    for (const child of Object.values(platforms)) {
      expect((await containerd.content('pull-index', child.digest)).equals(child.body)).toBe(true);
      for (const digest of blobsOf(child.manifest)) {
        expect((await containerd.content('pull-index', digest)).equals(readBlob(layout, digest))).toBe(true);
      }
    }
  });

  it('pulls a Docker schema 2 image', async () => {
    const dir = scratchDir();
    const layout = path.join(dir, 'layout');
    await buildImage(layout, 'v1', { layers: LAYERS.slice(0, 2) });
    await skopeo(['copy', '--format', 'v2s2', '--dest-tls-verify=false', `oci:${layout}:v1`, dockerRef(server.host, 'team/docker', 'v1')]);
    const digest = sha256Digest(await inspectRaw(server.host, 'team/docker', 'v1'));

    const run = ctr('pull-docker');
    const ref = `${server.host}/team/docker:v1`;
    await run('images', 'pull', '--plain-http', '--snapshotter', 'native', ref);
    const pulled = await listed('pull-docker', ref);
    expect(pulled.digest).toBe(digest);
    expect(pulled.type).toBe('application/vnd.docker.distribution.manifest.v2+json');
  });

  it('pushes an image with ctr to another repository', async () => {
    const dir = scratchDir();
    const layout = path.join(dir, 'layout');
    const image = await buildImage(layout, 'v1', { layers: LAYERS });
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, dockerRef(server.host, 'team/source', 'v1')]);

    const run = ctr('push');
    const source = `${server.host}/team/source:v1`;
    const target = `${server.host}/other/pushed-by-ctr:v2`;
    await run('images', 'pull', '--plain-http', '--snapshotter', 'native', source);
    await run('images', 'tag', source, target);
    await run('images', 'push', '--plain-http', target);

    const served = await inspectRaw(server.host, 'other/pushed-by-ctr', 'v2');
    expect(served.equals(image.body)).toBe(true);
    // Every blob is readable from the new repository.
    const copy = path.join(dir, 'copy');
    await skopeo(['copy', '--src-tls-verify=false', dockerRef(server.host, 'other/pushed-by-ctr', 'v2'), `oci:${copy}:v2`]);
    for (const digest of blobsOf(JSON.parse(served.toString('utf8')) as ImageManifest)) {
      expect(readBlob(copy, digest).equals(readBlob(layout, digest))).toBe(true);
    }
  });
});
