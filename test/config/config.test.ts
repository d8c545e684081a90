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

  it('takes the secrets key and the administrator key from the environment, checking their formats', () => {
    const secretsKey = Buffer.alloc(32, 7).toString('base64');
    const config = loadConfig({
      env: { STOWAGE_SECRETS_KEY: secretsKey, STOWAGE_ROOT_ACCESS_KEY_ID: 'AKIA0123456789ABCDEF', STOWAGE_ROOT_SECRET_ACCESS_KEY: 'secret-123' },
    });
    expect(config).toMatchObject({ secretsKey, rootAccessKeyId: 'AKIA0123456789ABCDEF', rootSecretAccessKey: 'secret-123' });
    expect(loadConfig({ env: {} }).secretsKey).toBeUndefined();
    expect(() => loadConfig({ env: { STOWAGE_SECRETS_KEY: Buffer.alloc(16).toString('base64') } })).toThrow(/secretsKey: must be the base64 encoding of 32 bytes/);
    expect(() => loadConfig({ env: { STOWAGE_ROOT_ACCESS_KEY_ID: 'AKIA0123456789ABCDEF' } })).toThrow(/must be set together/);
    expect(() => loadConfig({ env: { STOWAGE_ROOT_SECRET_ACCESS_KEY: 'secret-123' } })).toThrow(/must be set together/);
    expect(() => loadConfig({ env: { STOWAGE_ROOT_ACCESS_KEY_ID: 'akia-lower', STOWAGE_ROOT_SECRET_ACCESS_KEY: 'secret-123' } })).toThrow(
      /rootAccessKeyId: must be 16 to 128 characters/,
    );
    const tooShort = { STOWAGE_ROOT_ACCESS_KEY_ID: 'AKIA0123456789ABCDEF', STOWAGE_ROOT_SECRET_ACCESS_KEY: 'short' };
    expect(() => loadConfig({ env: tooShort })).toThrow(/rootSecretAccessKey/);
    // The message names the setting, never the secret.
    expect(() => loadConfig({ env: tooShort })).not.toThrow(/short/);
  });
});
