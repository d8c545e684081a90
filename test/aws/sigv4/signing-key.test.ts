import { describe, expect, it } from 'vitest';
import { SigningKeyCache, deriveSigningKey } from '../../../src/aws/sigv4/signing-key.js';

describe('deriveSigningKey', () => {
  it('derives the key of the AWS documentation example', () => {
    // docs.aws.amazon.com, "Examples of how to derive a signing key for Signature Version 4".
    const key = deriveSigningKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20120215', 'us-east-1', 'iam');
    expect(key.toString('hex')).toBe('f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d');
  });
});

describe('SigningKeyCache', () => {
  it('returns the derived key, once derived, for the same scope', () => {
    const cache = new SigningKeyCache(4);
    const first = cache.signingKey('secret', '20261127', 'us-east-1', 'ecr');
    expect(first).toEqual(deriveSigningKey('secret', '20261127', 'us-east-1', 'ecr'));
    expect(cache.signingKey('secret', '20261127', 'us-east-1', 'ecr')).toBe(first);
    expect(cache.size).toBe(1);
  });

  it('keeps keys of different secrets, dates, regions and services apart', () => {
    const cache = new SigningKeyCache(8);
    const keys = [
      cache.signingKey('secret', '20261127', 'us-east-1', 'ecr'),
      cache.signingKey('other', '20261127', 'us-east-1', 'ecr'),
      cache.signingKey('secret', '20261128', 'us-east-1', 'ecr'),
      cache.signingKey('secret', '20261127', 'eu-west-1', 'ecr'),
      cache.signingKey('secret', '20261127', 'us-east-1', 's3'),
    ];
    expect(new Set(keys.map((key) => key.toString('hex'))).size).toBe(5);
  });

  it('stays within its bound, evicting the least recently used key', () => {
    const cache = new SigningKeyCache(2);
    const a = cache.signingKey('a', '20261127', 'us-east-1', 'ecr');
    cache.signingKey('b', '20261127', 'us-east-1', 'ecr');
    expect(cache.signingKey('a', '20261127', 'us-east-1', 'ecr')).toBe(a); // a is now the most recent
    cache.signingKey('c', '20261127', 'us-east-1', 'ecr'); // evicts b
    expect(cache.size).toBe(2);
    expect(cache.signingKey('a', '20261127', 'us-east-1', 'ecr')).toBe(a);
    const b = cache.signingKey('b', '20261127', 'us-east-1', 'ecr'); // derived again, evicts c
    expect(b).toEqual(deriveSigningKey('b', '20261127', 'us-east-1', 'ecr'));
    expect(cache.size).toBe(2);
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new SigningKeyCache(0)).toThrow(RangeError);
  });
});
