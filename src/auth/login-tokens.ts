import { createHmac, timingSafeEqual } from 'node:crypto';
import { userArn } from '../identity/names.js';
import type { Caller } from './access-control.js';

/** ECR's authorization tokens are valid for 12 hours. */
export const LOGIN_TOKEN_LIFETIME_MS = 12 * 3600 * 1000;
const FORMAT = 'v1';

interface TokenClaims {
  /** The principal: account, user name. */
  a: string;
  u: string;
  /** Expiry, epoch milliseconds. */
  e: number;
}

/**
 * The password of `aws ecr get-login-password`: a self-contained token naming the caller
 * and its expiry, signed with a key derived from the master key, so every node that shares
 * the master key accepts it and nothing has to be stored. What the caller may do is decided
 * per request by policy, as for any signed call.
 */
export class LoginTokens {
  constructor(private readonly key: Buffer) {}

  issue(caller: Caller, now: number): { token: string; expiresAt: number } {
    const expiresAt = now + LOGIN_TOKEN_LIFETIME_MS;
    const claims: TokenClaims = { a: caller.accountId, u: caller.userName, e: expiresAt };
    const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
    return { token: `${FORMAT}.${payload}.${this.sign(payload)}`, expiresAt };
  }

  /** The caller a token names, or undefined when it is malformed, forged or expired. */
  verify(token: string, now: number): (Caller & { expiresAt: number }) | undefined {
    const [format, payload, signature] = token.split('.');
    if (format !== FORMAT || !payload || !signature) return undefined;
    const expected = Buffer.from(this.sign(payload), 'utf8');
    const given = Buffer.from(signature, 'utf8');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return undefined;
    }
    if (typeof claims.e !== 'number' || claims.e <= now || typeof claims.a !== 'string' || typeof claims.u !== 'string') return undefined;
    return { accountId: claims.a, userName: claims.u, arn: userArn(claims.a, claims.u), type: 'User', expiresAt: claims.e };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(`${FORMAT}.${payload}`).digest('base64url');
  }
}
