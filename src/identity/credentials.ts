import { randomBytes } from 'node:crypto';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Access key ids as AWS issues them for IAM users: 'AKIA' and 16 base32 characters. */
export function generateAccessKeyId(): string {
  // 256 is a multiple of 32, so taking each byte modulo 32 keeps every character equally likely.
  return 'AKIA' + Array.from(randomBytes(16), (byte) => BASE32_ALPHABET[byte % 32]).join('');
}

/** 40 characters of base64 (30 random bytes), the shape of an AWS secret access key. */
export function generateSecretAccessKey(): string {
  return randomBytes(30).toString('base64');
}

/** Ids an administrator may choose: what AWS clients accept, in the upper case AWS uses. */
export const ACCESS_KEY_ID_PATTERN = /^[A-Z0-9]{16,128}$/;
/** Secrets an administrator may choose: printable ASCII without spaces, so they survive shells and files. */
export const SECRET_ACCESS_KEY_PATTERN = /^[\x21-\x7e]{8,128}$/;
