import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MediaTypes,
  blobsOf,
  buildImage,
  dockerRef,
  inspect,
  inspectRaw,
  listTags,
  readBlob,
  scratchDir,
  sha256Digest,
  skopeo,
  taggedManifest,
  toolsAvailable,
  tryRun,
  unpackImage,
  type ImageManifest,
  type ImageSpec,
} from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const LAYERS: ImageSpec['layers'] = [
  { 'etc/app/base.conf': 'base layer\n' },
  { 'usr/share/app/data.txt': 'second layer data\n', 'usr/share/app/more.txt': 'more data\n' },
  { 'app/main.txt': 'third layer: the application\n' },
];

describe.skipIf(!toolsAvailable('skopeo', 'umoci'))('skopeo against stowage', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect: 'sqlite' });
  });
  afterAll(() => server?.close());

  it('copies a three-layer OCI image in and back out with identical manifest and layer digests', async () => {
    const dir = scratchDir();
    const source = path.join(dir, 'source');
    const image = await buildImage(source, 'v1', { layers: LAYERS });
    expect(image.manifest.layers).toHaveLength(3);

    await skopeo(['copy', '--dest-tls-verify=false', `oci:${source}:v1`, dockerRef(server.host, 'team/app', 'v1')]);

    // The registry serves exactly the bytes that were pushed.
    const served = await inspectRaw(server.host, 'team/app', 'v1');
    expect(served.equals(image.body)).toBe(true);
    expect(sha256Digest(served)).toBe(image.digest);

    const copy = path.join(dir, 'copy');
    await skopeo(['copy', '--src-tls-verify=false', dockerRef(server.host, 'team/app', 'v1'), `oci:${copy}:v1`]);
    const pulled = taggedManifest<ImageManifest>(copy, 'v1');
    expect(pulled.digest).toBe(image.digest);
    expect(pulled.body.equals(image.body)).toBe(true);
    expect(pulled.manifest.layers.map((layer) => layer.digest)).toEqual(image.manifest.layers.map((layer) => layer.digest));
    for (const digest of blobsOf(image.manifest)) {
      const bytes = readBlob(copy, digest);
      expect(sha256Digest(bytes)).toBe(digest);
      expect(bytes.equals(readBlob(source, digest))).toBe(true);
    }

    // And the layers still make the same filesystem.
    const rootfs = await unpackImage(copy, 'v1', path.join(dir, 'bundle'));
    for (const files of LAYERS) {
      for (const [file, contents] of Object.entries(files)) expect(fs.readFileSync(path.join(rootfs, file), 'utf8')).toBe(contents);
    }
  });

  it('inspects an image: digest, layers, platform, labels and tags', async () => {
    const dir = scratchDir();
    const image = await buildImage(dir, 'v2', { layers: LAYERS, architecture: 'amd64', labels: { 'org.example.team': 'platform' }, env: ['MODE=e2e'] });
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${dir}:v2`, dockerRef(server.host, 'team/inspected', 'v2')]);

    const info = await inspect(server.host, 'team/inspected', 'v2');
    expect(info.Name).toBe(`${server.host}/team/inspected`);
    expect(info.Digest).toBe(image.digest);
    expect(info.Layers).toEqual(image.manifest.layers.map((layer) => layer.digest));
    expect(info.RepoTags).toEqual(['v2']);
    expect(info.Architecture).toBe('amd64');
    expect(info.Os).toBe('linux');
    expect(info.Labels).toEqual({ 'org.example.team': 'platform' });
    expect(info.Env).toContain('MODE=e2e');

    // The same image by digest.
    const byDigest = await inspect(server.host, 'team/inspected', image.digest);
    expect(byDigest.Digest).toBe(image.digest);

    // The config skopeo reads is the one that was pushed.
    const config = await skopeo(['inspect', '--config', '--raw', '--tls-verify=false', dockerRef(server.host, 'team/inspected', 'v2')]);
    expect(Buffer.from(config).equals(readBlob(dir, image.manifest.config.digest))).toBe(true);
  });

  it('lists the tags of a repository', async () => {
    const dir = scratchDir();
    await buildImage(dir, 'one', { layers: [{ 'a.txt': 'one' }] });
    await buildImage(dir, 'two', { layers: [{ 'b.txt': 'two' }] });
    for (const [local, remote] of [['one', '1.0'], ['one', 'latest'], ['two', '2.0']] as const) {
      await skopeo(['copy', '--dest-tls-verify=false', `oci:${dir}:${local}`, dockerRef(server.host, 'team/tagged', remote)]);
    }
    expect((await listTags(server.host, 'team/tagged')).sort()).toEqual(['1.0', '2.0', 'latest']);
    // A repository that was never pushed to has no tags to list.
    const unknown = await tryRun('skopeo', ['list-tags', '--tls-verify=false', `docker://${server.host}/team/never-pushed`]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/404|name unknown/i);
  });

  it('deletes an image: its tags go, other images stay', async () => {
    const dir = scratchDir();
    const doomed = await buildImage(dir, 'doomed', { layers: [{ 'doomed.txt': 'to be deleted' }] });
    const kept = await buildImage(dir, 'kept', { layers: [{ 'kept.txt': 'to be kept' }] });
    for (const tag of ['doomed', 'doomed-alias']) {
      await skopeo(['copy', '--dest-tls-verify=false', `oci:${dir}:doomed`, dockerRef(server.host, 'team/deleting', tag)]);
    }
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${dir}:kept`, dockerRef(server.host, 'team/deleting', 'kept')]);
    expect((await listTags(server.host, 'team/deleting')).sort()).toEqual(['doomed', 'doomed-alias', 'kept']);

    // skopeo delete resolves the tag and deletes the manifest by digest.
    await skopeo(['delete', '--tls-verify=false', dockerRef(server.host, 'team/deleting', 'doomed')]);

    const gone = await tryRun('skopeo', ['inspect', '--raw', '--tls-verify=false', dockerRef(server.host, 'team/deleting', 'doomed')]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/manifest unknown/i);
    const goneByDigest = await tryRun('skopeo', ['inspect', '--raw', '--tls-verify=false', dockerRef(server.host, 'team/deleting', doomed.digest)]);
    expect(goneByDigest.code).not.toBe(0);
    expect(await listTags(server.host, 'team/deleting')).toEqual(['kept']);
    expect((await inspect(server.host, 'team/deleting', 'kept')).Digest).toBe(kept.digest);
  });

  it('round-trips a Docker schema 2 image (--format v2s2)', async () => {
    const dir = scratchDir();
    const source = path.join(dir, 'source');
    const image = await buildImage(source, 'v1', { layers: LAYERS });
    await skopeo(['copy', '--format', 'v2s2', '--dest-tls-verify=false', `oci:${source}:v1`, dockerRef(server.host, 'team/docker', 'v1')]);

    const served = await inspectRaw(server.host, 'team/docker', 'v1');
    const manifest = JSON.parse(served.toString('utf8')) as ImageManifest;
    expect(manifest.mediaType).toBe(MediaTypes.dockerManifest);
    expect(manifest.config.mediaType).toBe(MediaTypes.dockerConfig);
    expect(manifest.config.digest).toBe(image.manifest.config.digest);
    expect(manifest.layers.map((layer) => layer.mediaType)).toEqual(Array(3).fill(MediaTypes.dockerLayerGzip));
    // The layers are the same gzip streams; only the manifest's format changed.
    expect(manifest.layers.map((layer) => layer.digest)).toEqual(image.manifest.layers.map((layer) => layer.digest));
    const info = await inspect(server.host, 'team/docker', 'v1');
    expect(info.Digest).toBe(sha256Digest(served));

    // dir: keeps the manifest exactly as the registry served it.
    const copy = path.join(dir, 'copy');
    await skopeo(['copy', '--src-tls-verify=false', dockerRef(server.host, 'team/docker', 'v1'), `dir:${copy}`]);
    expect(fs.readFileSync(path.join(copy, 'manifest.json')).equals(served)).toBe(true);
    for (const digest of blobsOf(manifest)) {
      const bytes = fs.readFileSync(path.join(copy, digest.split(':')[1]!));
      expect(bytes.equals(readBlob(source, digest))).toBe(true);
    }

    // By digest, the schema 2 manifest is served as stored.
    const byDigest = await inspectRaw(server.host, 'team/docker', info.Digest);
    expect(byDigest.equals(served)).toBe(true);
  });

  it('copies between repositories of the registry keeping the digest', async () => {
    const dir = scratchDir();
    const image = await buildImage(dir, 'v1', { layers: LAYERS.slice(0, 2) });
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${dir}:v1`, dockerRef(server.host, 'team/origin', 'v1')]);
    // Registry to registry: the blobs are already there under another repository, so
    // skopeo may mount them rather than upload them again.
    await skopeo([
      'copy', '--src-tls-verify=false', '--dest-tls-verify=false',
      dockerRef(server.host, 'team/origin', 'v1'), dockerRef(server.host, 'other/mirror', 'copied'),
    ]);
    const mirrored = await inspectRaw(server.host, 'other/mirror', 'copied');
    expect(sha256Digest(mirrored)).toBe(image.digest);
    for (const digest of blobsOf(image.manifest)) {
      const blob = await fetch(`${server.url}/v2/other/mirror/blobs/${digest}`);
      expect(blob.status).toBe(200);
      expect(Buffer.from(await blob.arrayBuffer()).equals(readBlob(dir, digest))).toBe(true);
    }
  });
});
