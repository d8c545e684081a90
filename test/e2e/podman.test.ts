import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MediaTypes,
  buildImage,
  buildMultiArchImage,
  containerStorageFlags,
  inspectRaw,
  readBlob,
  run,
  scratchDir,
  sha256Digest,
  skopeo,
  toolsAvailable,
  type ImageManifest,
  type IndexManifest,
  type ImageSpec,
} from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const LAYERS: ImageSpec['layers'] = [
  { 'etc/podman-e2e/first': 'first layer\n' },
  { 'usr/lib/podman-e2e/second': 'second layer\n' },
  { 'srv/third.txt': 'third layer\n' },
];

interface PodmanImage {
  Id: string;
  Digest: string;
  RepoDigests: string[];
  RootFS: { Layers: string[] };
}

/** podman with a private vfs image store of its own, removed after the test. */
function privatePodman() {
  const flags = containerStorageFlags('podman', scratchDir('podman-'));
  return (...args: string[]) => run('podman', [...flags, ...args]);
}

function lastLine(output: string): string {
  return output.trim().split('\n').at(-1)!.trim();
}

describe.skipIf(!toolsAvailable('podman', 'skopeo', 'umoci'))('podman against stowage', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect: 'sqlite' });
  });
  afterAll(() => server?.close());

  it('pushes an image, removes it, pulls it back: same image ID, digest and files', async () => {
    const dir = scratchDir();
    const layout = path.join(dir, 'layout');
    const image = await buildImage(layout, 'v1', { layers: LAYERS });
    const config = JSON.parse(readBlob(layout, image.manifest.config.digest).toString('utf8')) as { rootfs: { diff_ids: string[] } };
    const podman = privatePodman();
    const remote = `${server.host}/team/podman:v1`;

    // The image ID is the config digest.
    const id = lastLine(await podman('pull', '-q', `oci:${layout}:v1`));
    expect(`sha256:${id}`).toBe(image.manifest.config.digest);

    await podman('tag', id, remote);
    const digestFile = path.join(dir, 'digest');
    await podman('push', '--tls-verify=false', '--digestfile', digestFile, remote);
    const pushed = fs.readFileSync(digestFile, 'utf8').trim();

    const served = await inspectRaw(server.host, 'team/podman', 'v1');
    expect(sha256Digest(served)).toBe(pushed);
    const manifest = JSON.parse(served.toString('utf8')) as ImageManifest;
    expect(manifest.config.digest).toBe(image.manifest.config.digest);
    expect(manifest.layers).toHaveLength(3);

    await podman('rmi', '--all', '--force');
    expect((await podman('images', '-q')).trim()).toBe('');

    const pulledId = lastLine(await podman('pull', '-q', '--tls-verify=false', remote));
    expect(pulledId).toBe(id);
    const [inspected] = JSON.parse(await podman('image', 'inspect', remote)) as PodmanImage[];
    expect(inspected!.Digest).toBe(pushed);
    expect(inspected!.RepoDigests).toContain(`${server.host}/team/podman@${pushed}`);
    expect(inspected!.RootFS.Layers).toEqual(config.rootfs.diff_ids);

    const rootfs = (await podman('image', 'mount', remote)).trim();
    try {
      for (const files of LAYERS) {
        for (const [file, contents] of Object.entries(files)) expect(fs.readFileSync(path.join(rootfs, file), 'utf8')).toBe(contents);
      }
    } finally {
      await podman('image', 'unmount', remote);
    }
  });

  it('loads an archive, pushes it as Docker schema 2 and pulls it by digest', async () => {
    const dir = scratchDir();
    const layout = path.join(dir, 'layout');
    const image = await buildImage(layout, 'v1', { layers: LAYERS.slice(0, 2) });
    const archive = path.join(dir, 'image.tar');
    await skopeo(['copy', `oci:${layout}:v1`, `docker-archive:${archive}:example/loaded:1.0`]);

    const podman = privatePodman();
    const loaded = await podman('load', '-i', archive);
    expect(loaded).toContain('example/loaded:1.0');
    const remote = `${server.host}/team/podman-docker:1.0`;
    await podman('tag', 'example/loaded:1.0', remote);
    const digestFile = path.join(dir, 'digest');
    await podman('push', '--format', 'v2s2', '--tls-verify=false', '--digestfile', digestFile, remote);
    const pushed = fs.readFileSync(digestFile, 'utf8').trim();

    const manifest = JSON.parse((await inspectRaw(server.host, 'team/podman-docker', '1.0')).toString('utf8')) as ImageManifest;
    expect(manifest.mediaType).toBe(MediaTypes.dockerManifest);
    expect(manifest.config.digest).toBe(image.manifest.config.digest);
    expect(manifest.layers).toHaveLength(2);

    // A second store, pulling by digest.
    const other = privatePodman();
    const id = lastLine(await other('pull', '-q', '--tls-verify=false', `${server.host}/team/podman-docker@${pushed}`));
    expect(`sha256:${id}`).toBe(image.manifest.config.digest);
  });

  it('pushes a manifest list with podman manifest push --all and pulls one platform out of it', async () => {
    const dir = scratchDir();
    const layout = path.join(dir, 'layout');
    const { platforms } = await buildMultiArchImage(layout, 'multi', {
      amd64: [{ 'arch.txt': 'amd64\n' }],
      arm64: [{ 'arch.txt': 'arm64\n' }, { 'extra.txt': 'arm64 only\n' }],
    });
    const podman = privatePodman();
    const list = `${server.host}/team/podman-list:1`;
    await podman('manifest', 'create', list);
    await podman('manifest', 'add', list, `oci:${layout}:multi-amd64`);
    await podman('manifest', 'add', '--arch', 'arm64', list, `oci:${layout}:multi-arm64`);
    const digestFile = path.join(dir, 'digest');
    await podman('manifest', 'push', '--all', '--tls-verify=false', '--digestfile', digestFile, list, `docker://${list}`);
    const pushed = fs.readFileSync(digestFile, 'utf8').trim();

    const served = await inspectRaw(server.host, 'team/podman-list', '1');
    expect(sha256Digest(served)).toBe(pushed);
    const index = JSON.parse(served.toString('utf8')) as IndexManifest;
    expect(index.manifests.map((child) => [child.platform?.architecture, child.digest])).toEqual([
      ['amd64', platforms.amd64!.digest],
      ['arm64', platforms.arm64!.digest],
    ]);
    for (const child of Object.values(platforms)) {
      expect((await inspectRaw(server.host, 'team/podman-list', child.digest)).equals(child.body)).toBe(true);
    }

    const other = privatePodman();
    const id = lastLine(await other('pull', '-q', '--arch', 'arm64', '--tls-verify=false', list));
    expect(`sha256:${id}`).toBe(platforms.arm64!.manifest.config.digest);
  });
});
