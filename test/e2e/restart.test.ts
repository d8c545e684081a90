import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  blobsOf,
  buildImage,
  buildMultiArchImage,
  dockerRef,
  inspectRaw,
  listTags,
  readBlob,
  scratchDir,
  skopeo,
  taggedManifest,
  toolsAvailable,
  type ImageManifest,
} from '../helpers/images.js';
import { STOWAGE_MAIN, spawnServer, type ServerProcess } from '../helpers/process.js';

describe.skipIf(!toolsAvailable('skopeo', 'umoci'))('the stowage command with skopeo, across a restart', () => {
  async function serve(dataDir: string): Promise<ServerProcess> {
    if (!fs.existsSync(STOWAGE_MAIN)) throw new Error(`${STOWAGE_MAIN} is missing: run npm run build first`);
    const server = await spawnServer(['--data-dir', dataDir]);
    onTestFinished(() => server.stop());
    return server;
  }

  it('serves what skopeo pushed after a graceful stop and start on the same data directory', async () => {
    const dir = scratchDir();
    const layout = path.join(dir, 'layout');
    const image = await buildImage(layout, 'v1', { layers: [{ 'one.txt': 'one\n' }, { 'two.txt': 'two\n' }, { 'three.txt': 'three\n' }] });
    const { index } = await buildMultiArchImage(layout, 'multi', { amd64: [{ 'a.txt': 'amd64\n' }], arm64: [{ 'a.txt': 'arm64\n' }] });
    const dataDir = path.join(dir, 'data');

    const first = await serve(dataDir);
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, dockerRef(first.host, 'team/app', 'v1')]);
    await skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${layout}:multi`, dockerRef(first.host, 'team/app', 'multi')]);
    await first.stop('SIGTERM');
    expect(first.child.exitCode).toBe(0);

    const second = await serve(dataDir);
    expect((await listTags(second.host, 'team/app')).sort()).toEqual(['multi', 'v1']);
    expect((await inspectRaw(second.host, 'team/app', 'v1')).equals(image.body)).toBe(true);
    expect((await inspectRaw(second.host, 'team/app', 'multi')).equals(index.body)).toBe(true);

    const copy = path.join(dir, 'copy');
    await skopeo(['copy', '--src-tls-verify=false', dockerRef(second.host, 'team/app', 'v1'), `oci:${copy}:v1`]);
    const pulled = taggedManifest<ImageManifest>(copy, 'v1');
    expect(pulled.digest).toBe(image.digest);
    for (const digest of blobsOf(pulled.manifest)) expect(readBlob(copy, digest).equals(readBlob(layout, digest))).toBe(true);
  });
});
