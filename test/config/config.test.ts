import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, databaseUrlOf, loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('has embedded defaults: loopback port 5000, SQLite and blobs under ./data', () => {
    const config = loadConfig({ env: {} });
    expect(config).toMatchObject({ host: '127.0.0.1', port: 5000, dataDir: './data', accountId: '000000000000', region: 'us-east-1' });
    expect(config.maxManifestBytes).toBe(4 * 1024 * 1024);
    expect(databaseUrlOf(config)).toBe(`sqlite:${path.join('./data', 'metadata.sqlite')}`);
  });

  it('layers file, environment and flags, later sources winning', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-config-')), 'stowage.json');
    fs.writeFileSync(file, JSON.stringify({ port: 6000, dataDir: '/srv/file', region: 'eu-west-1' }));
    const config = loadConfig({
      file,
      env: { STOWAGE_PORT: '7000', STOWAGE_DATA_DIR: '/srv/env' },
      overrides: { port: '8000', dataDir: undefined },
    });
    expect(config.port).toBe(8000);
    expect(config.dataDir).toBe('/srv/env');
    expect(config.region).toBe('eu-west-1');
  });

  it('rejects invalid values and unknown keys with a message naming the setting', () => {
    expect(() => loadConfig({ env: { STOWAGE_PORT: 'eighty' } })).toThrow(/port/);
    expect(() => loadConfig({ env: { STOWAGE_ACCOUNT_ID: '123' } })).toThrow(/accountId: must be 12 digits/);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-config-')), 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ prot: 1 }));
    expect(() => loadConfig({ file, env: {} })).toThrow(ConfigError);
    fs.writeFileSync(file, '{ not json');
    expect(() => loadConfig({ file, env: {} })).toThrow(/not valid JSON/);
  });
});
