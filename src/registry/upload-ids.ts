import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 hex digits in the 8-4-4-4-12 groups of a UUID. */
const ID_SHAPE = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/;
const TIME_DIGITS = 11; // milliseconds since the epoch, good until the year 2527
const NONCE_DIGITS = 10;
const TAG_DIGITS = 11;

/**
 * Upload session ids that vouch for themselves: the time the session began, a random
 * nonce and an HMAC over both and the repository the session belongs to. A session that
 * has not received any bytes yet needs no stored record: any process holding the key
 * recognizes the id (after a restart too, and on every node sharing the master key), and
 * knows when it expires.
 */
export class UploadIds {
  private readonly key: Buffer;

  constructor(key: Uint8Array = randomBytes(32)) {
    this.key = Buffer.from(key);
  }

  issue(repositoryId: number, nowMs: number): string {
    const time = Math.max(0, Math.floor(nowMs)).toString(16).padStart(TIME_DIGITS, '0').slice(-TIME_DIGITS);
    const nonce = randomBytes(NONCE_DIGITS / 2).toString('hex');
    const hex = time + nonce + this.tag(repositoryId, time, nonce);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** When the session `id` began, if this key issued it for `repositoryId`; undefined otherwise. */
  startedAt(id: string, repositoryId: number): number | undefined {
    const match = ID_SHAPE.exec(id);
    if (!match) return undefined;
    const hex = match.slice(1).join('');
    const time = hex.slice(0, TIME_DIGITS);
    const nonce = hex.slice(TIME_DIGITS, TIME_DIGITS + NONCE_DIGITS);
    const expected = Buffer.from(this.tag(repositoryId, time, nonce), 'latin1');
    const given = Buffer.from(hex.slice(TIME_DIGITS + NONCE_DIGITS), 'latin1');
    return timingSafeEqual(expected, given) ? parseInt(time, 16) : undefined;
  }

  private tag(repositoryId: number, time: string, nonce: string): string {
    return createHmac('sha256', this.key).update(`upload session\n${repositoryId}\n${time}\n${nonce}`).digest('hex').slice(0, TAG_DIGITS);
  }
}
