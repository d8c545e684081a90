import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MediaTypes,
  containerStorageFlags,
  inspect,
  inspectRaw,
  run,
  scratchDir,
  sha256Digest,
  toolsAvailable,
  type ImageManifest,
} from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** buildah with a private vfs image store of its own, removed after the test. */
function privateBuildah() {
  const flags = containerStorageFlags('buildah', scratchDir('buildah-'));
  return (...args: string[]) => run('buildah', [...flags, ...args]);
}

function lastLine(output: string): string {
  return output.trim().split('\n').at(-1)!.trim();
}

interface BuildahImage {
  FromImageID: string;
  FromImageDigest: string;
}

describe.skipIf(!toolsAvailable('buildah', 'skopeo'))('buildah against stowage', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect: 'sqlite' });
  });
  afterAll(() => server?.close());

  /** Builds a two-layer image from scratch: each commit adds the working container's layer. */
  async function buildTwoLayers(buildah: ReturnType<typeof privateBuildah>, dir: string, name: string): Promise<string> {
    const files = path.join(dir, 'files');
    fs.mkdirSync(files);
    fs.writeFileSync(path.join(files, 'hello.txt'), 'hello from buildah\n');
    fs.writeFileSync(path.join(files, 'second.txt'), 'second layer\n');

    const base = lastLine(await buildah('from', 'scratch'));
    await buildah('copy', base, path.join(files, 'hello.txt'), '/hello.txt');
    await buildah('commit', '--rm', base, `${name}-base`);
    const top = lastLine(await buildah('from', `${name}-base`));
    await buildah('copy', top, path.join(files, 'second.txt'), '/etc/second.txt');
    await buildah('config', '--label', 'org.example.built-by=buildah', '--env', 'GREETING=hello', '--cmd', '/hello.txt', top);
    return lastLine(await buildah('commit', '--rm', top, name));
  }

  it('builds from scratch, pushes, pulls into a fresh store and gets the same image and files', async () => {
    const dir = scratchDir();
    const buildah = privateBuildah();
    const remote = `${server.host}/team/buildah:v1`;
    const id = await buildTwoLayers(buildah, dir, remote);

    const digestFile = path.join(dir, 'digest');
    await buildah('push', '--tls-verify=false', '--digestfile', digestFile, remote);
    const pushed = fs.readFileSync(digestFile, 'utf8').trim();

    const served = await inspectRaw(server.host, 'team/buildah', 'v1');
    expect(sha256Digest(served)).toBe(pushed);
    const manifest = JSON.parse(served.toString('utf8')) as ImageManifest;
    expect(manifest.mediaType).toBe(MediaTypes.ociManifest);
    expect(manifest.config.digest).toBe(`sha256:${id}`);
    expect(manifest.layers).toHaveLength(2);
    const info = await inspect(server.host, 'team/buildah', 'v1');
    expect(info.Labels).toMatchObject({ 'org.example.built-by': 'buildah' });
    expect(info.Env).toContain('GREETING=hello');

    const other = privateBuildah();
    const pulledId = lastLine(await other('pull', '--tls-verify=false', remote));
    expect(pulledId).toBe(id);
    const container = lastLine(await other('from', '--pull-never', remote));
    const details = JSON.parse(await other('inspect', '--type', 'container', container)) as BuildahImage;
    expect(details.FromImageID).toBe(id);
    expect(details.FromImageDigest).toBe(pushed);
    const rootfs = lastLine(await other('mount', container));
    try {
      expect(fs.readFileSync(path.join(rootfs, 'hello.txt'), 'utf8')).toBe('hello from buildah\n');
      expect(fs.readFileSync(path.join(rootfs, 'etc/second.txt'), 'utf8')).toBe('second layer\n');
    } finally {
      await other('umount', container);
      await other('rm', container);
    }
  });

  it('pushes as Docker schema 2 and removes and re-pulls by digest', async () => {
    const dir = scratchDir();
    const buildah = privateBuildah();
    const remote = `${server.host}/team/buildah-docker:v1`;
    await buildTwoLayers(buildah, dir, remote);

    const digestFile = path.join(dir, 'digest');
    await buildah('push', '--format', 'docker', '--tls-verify=false', '--digestfile', digestFile, remote);
    const pushed = fs.readFileSync(digestFile, 'utf8').trim();
    const manifest = JSON.parse((await inspectRaw(server.host, 'team/buildah-docker', pushed)).toString('utf8')) as ImageManifest;
    expect(manifest.mediaType).toBe(MediaTypes.dockerManifest);
    expect(manifest.layers.map((layer) => layer.mediaType)).toEqual([MediaTypes.dockerLayerGzip, MediaTypes.dockerLayerGzip]);
    expect(manifest.config.mediaType).toBe(MediaTypes.dockerConfig);

    await buildah('rmi', '--all', '--force');
    expect((await buildah('images', '--quiet')).trim()).toBe('');
    const pulledId = lastLine(await buildah('pull', '--tls-verify=false', `${server.host}/team/buildah-docker@${pushed}`));
    // The image ID is the digest of the config as pushed.
    expect(`sha256:${pulledId}`).toBe(manifest.config.digest);
  });
});
