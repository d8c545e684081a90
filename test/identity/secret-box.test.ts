import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { decodeSecretsKey, loadSecretsKey, SecretBox } from '../../src/identity/secret-box.js';

describe('secret box', () => {
  it('opens what it sealed, only with the same key and the same associated data', () => {
    const key = randomBytes(32);
    const box = new SecretBox(key);
    const sealed = box.seal('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'AKIAIOSFODNN7EXAMPLE');
    expect(sealed).not.toContain('wJalrXUtnFEMI');
    expect(box.open(sealed, 'AKIAIOSFODNN7EXAMPLE')).toBe('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    expect(new SecretBox(key).open(sealed, 'AKIAIOSFODNN7EXAMPLE')).toBe('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    expect(box.open(sealed, 'AKIAOTHERKEYEXAMPLE0')).toBeUndefined();
    expect(new SecretBox(randomBytes(32)).open(sealed, 'AKIAIOSFODNN7EXAMPLE')).toBeUndefined();
  });

  it('seals the same secret differently each time and detects tampering', () => {
    const box = new SecretBox(randomBytes(32));
    const one = box.seal('secret-value', 'id');
    expect(box.seal('secret-value', 'id')).not.toBe(one);
    const bytes = Buffer.from(one.slice(3), 'base64');
    bytes[bytes.length - 1]! ^= 1;
    expect(box.open(`v1:${bytes.toString('base64')}`, 'id')).toBeUndefined();
    expect(box.open('v1:AAAA', 'id')).toBeUndefined();
    expect(box.open('not sealed', 'id')).toBeUndefined();
  });

  it('accepts only 32-byte keys in canonical base64', () => {
    const key = randomBytes(32);
    expect(decodeSecretsKey(key.toString('base64'))).toEqual(key);
    expect(decodeSecretsKey(`${key.toString('base64')}\n`)).toEqual(key);
    expect(decodeSecretsKey(randomBytes(16).toString('base64'))).toBeUndefined();
    expect(decodeSecretsKey('not base64 at all!')).toBeUndefined();
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });

  it('creates <dataDir>/secrets.key once, readable only by its owner, and reuses it', async () => {
    const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-secrets-')), 'not-yet-created');
    const keys = await Promise.all([1, 2, 3, 4].map(() => loadSecretsKey({ dataDir })));
    expect(new Set(keys.map((key) => key.toString('hex'))).size).toBe(1);
    const file = path.join(dataDir, 'secrets.key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dataDir)).toEqual(['secrets.key']);
    expect(await loadSecretsKey({ dataDir })).toEqual(keys[0]);
  });

  it('prefers the configured key and refuses a damaged key file', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-secrets-'));
    const configured = randomBytes(32);
    expect(await loadSecretsKey({ dataDir, secretsKey: configured.toString('base64') })).toEqual(configured);
    expect(fs.existsSync(path.join(dataDir, 'secrets.key'))).toBe(false);
    await expect(loadSecretsKey({ dataDir, secretsKey: 'c2hvcnQ=' })).rejects.toThrow(ConfigError);
    fs.writeFileSync(path.join(dataDir, 'secrets.key'), 'truncated');
    await expect(loadSecretsKey({ dataDir })).rejects.toThrow(/does not hold the base64 encoding of 32 bytes/);
  });
});
