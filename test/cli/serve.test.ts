import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnServer, STOWAGE_MAIN, type ServerProcess } from '../helpers/process.js';

describe('stowage serve', () => {
  const running: ServerProcess[] = [];
  afterEach(async () => {
    for (const server of running.splice(0)) await server.stop();
  });

  it('takes its data directory from the environment and serves /v2/', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-cli-'));
    const server = await spawnServer([], { STOWAGE_DATA_DIR: dataDir });
    running.push(server);
    const response = await fetch(`${server.url}/v2/`);
    expect(response.status).toBe(200);
    expect(fs.existsSync(path.join(dataDir, 'metadata.sqlite'))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'blobs'))).toBe(true);
  });

  it('reads a config file, with flags winning over it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-cli-'));
    const file = path.join(dir, 'stowage.json');
    fs.writeFileSync(file, JSON.stringify({ dataDir: path.join(dir, 'from-file'), maxManifestBytes: 100 }));
    const server = await spawnServer(['--config', file, '--data-dir', path.join(dir, 'from-flag')]);
    running.push(server);
    expect(fs.existsSync(path.join(dir, 'from-flag', 'metadata.sqlite'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'from-file'))).toBe(false);
    // The file's manifest limit applies: a 101-byte body is refused.
    const response = await fetch(`${server.url}/v2/team/app/manifests/v1`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
      body: 'x'.repeat(101),
    });
    expect(response.status).toBe(413);
  });

  it('exits with status 2 and a clear message on invalid configuration', () => {
    const result = spawnSync(process.execPath, [STOWAGE_MAIN, 'serve', '--port', 'not-a-port'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/invalid configuration: port/);
  });
});
