/**
 * SigV4 signing keys: `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
 * "aws4_request")`, and a small bounded cache of them, since one key serves every request
 * of one access key on one day.
 */
import { createHash, createHmac } from 'node:crypto';

export function hmacSha256(key: Uint8Array | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

export function deriveSigningKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const dateKey = hmacSha256(`AWS4${secretAccessKey}`, date);
  const regionKey = hmacSha256(dateKey, region);
  const serviceKey = hmacSha256(regionKey, service);
  return hmacSha256(serviceKey, 'aws4_request');
}

export const DEFAULT_SIGNING_KEY_CACHE_SIZE = 256;

/**
 * Derived keys by (secret, date, region, service), least recently used evicted first. The
 * secret itself is never a cache key: its SHA-256 stands for it.
 */
export class SigningKeyCache {
  private readonly keys = new Map<string, Buffer>();

  constructor(private readonly maxEntries = DEFAULT_SIGNING_KEY_CACHE_SIZE) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  }

  get size(): number {
    return this.keys.size;
  }

  signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
    const secretId = createHash('sha256').update(secretAccessKey, 'utf8').digest('hex');
    const cacheKey = `${secretId}/${date}/${region}/${service}`;
    const cached = this.keys.get(cacheKey);
    if (cached) {
      // Re-inserting marks the entry as the most recently used.
      this.keys.delete(cacheKey);
      this.keys.set(cacheKey, cached);
      return cached;
    }
    const key = deriveSigningKey(secretAccessKey, date, region, service);
    this.keys.set(cacheKey, key);
    while (this.keys.size > this.maxEntries) {
      const oldest = this.keys.keys().next().value as string;
      this.keys.delete(oldest);
    }
    return key;
  }
}
