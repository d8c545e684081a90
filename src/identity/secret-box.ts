import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../config.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Sealed values carry their format, so a later master key scheme can tell them apart. */
const FORMAT_PREFIX = 'v1:';
export const SECRETS_KEY_FILE = 'secrets.key';

/**
 * Seals short secrets with AES-256-GCM under the master key. The associated data (the
 * access key id) is authenticated, so a sealed secret moved to another row does not open.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== KEY_BYTES) throw new Error(`the secrets key must be ${KEY_BYTES} bytes, not ${key.length}`);
    this.#key = Buffer.from(key);
  }

  /**
   * A key for one other purpose (signing login tokens, download URLs), derived with HKDF so
   * that no two uses share key material, and every node with the same master key agrees.
   */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#key, Buffer.alloc(0), `stowage ${purpose}`, KEY_BYTES));
  }

  seal(plaintext: string, associatedData: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return FORMAT_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
  }

  /** The plaintext, or undefined when the value was sealed under another key, for other data, or altered. */
  open(sealed: string, associatedData: string): string | undefined {
    if (!sealed.startsWith(FORMAT_PREFIX)) return undefined;
    const bytes = Buffer.from(sealed.slice(FORMAT_PREFIX.length), 'base64');
    if (bytes.length < IV_BYTES + TAG_BYTES) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}

/** The key in a base64 text (STOWAGE_SECRETS_KEY, secrets.key), or undefined if it is not exactly 32 bytes in canonical base64. */
export function decodeSecretsKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, 'base64');
  return key.length === KEY_BYTES && key.toString('base64') === trimmed ? key : undefined;
}

/**
 * The master key: the configured one, else the one in `<dataDir>/secrets.key`, created on
 * first use. Nodes sharing one database must share the key, hence the setting.
 */
export async function loadSecretsKey(options: { secretsKey?: string; dataDir: string }): Promise<Buffer> {
  if (options.secretsKey !== undefined) {
    const key = decodeSecretsKey(options.secretsKey);
    if (!key) throw new ConfigError('invalid configuration: secretsKey: must be the base64 encoding of 32 bytes');
    return key;
  }
  const file = path.join(options.dataDir, SECRETS_KEY_FILE);
  return (await readKeyFile(file)) ?? (await createKeyFile(file));
}

async function readKeyFile(file: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read the secrets key ${file}: ${(error as Error).message}`);
  }
  const key = decodeSecretsKey(text);
  if (!key) throw new ConfigError(`the secrets key ${file} does not hold the base64 encoding of 32 bytes`);
  return key;
}

/**
 * Writes a new key beside the final name and links it into place, so a process starting
 * at the same moment either sees no file or a complete one, and exactly one key wins.
 * Losing this file loses every stored secret, so it is made durable before use.
 */
async function createKeyFile(file: string): Promise<Buffer> {
  const directory = path.dirname(file);
  await fs.mkdir(directory, { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
  const handle = await fs.open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(`${randomBytes(KEY_BYTES).toString('base64')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.link(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await fs.unlink(temporary);
  }
  const directoryHandle = await fs.open(directory, 'r');
  try {
    await directoryHandle.sync();
  } finally {
    await directoryHandle.close();
  }
  const key = await readKeyFile(file);
  if (!key) throw new Error(`the secrets key ${file} vanished after creation`);
  return key;
}
