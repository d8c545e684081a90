/**
 * Failures of the identity domain, one kind each; the edges map a kind to their own
 * error (an AWS exception name, a command-line exit status).
 */
export type IdentityErrorKind =
  | 'ACCOUNT_EXISTS'
  | 'ACCOUNT_UNKNOWN'
  | 'USER_EXISTS'
  | 'USER_UNKNOWN'
  | 'ACCESS_KEY_EXISTS'
  | 'ACCESS_KEY_UNKNOWN'
  | 'POLICY_UNKNOWN'
  | 'MALFORMED_POLICY_DOCUMENT'
  | 'LIMIT_EXCEEDED'
  | 'INVALID_PARAMETER'
  /** A stored secret does not open under the master key in use (a different key, or tampering). */
  | 'SECRET_UNREADABLE';

export class IdentityError extends Error {
  constructor(
    readonly kind: IdentityErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'IdentityError';
  }
}

export function isIdentityError(error: unknown, kind?: IdentityErrorKind): error is IdentityError {
  return error instanceof IdentityError && (kind === undefined || error.kind === kind);
}
