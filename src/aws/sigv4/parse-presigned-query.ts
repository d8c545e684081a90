/**
 * The query form (presigned URLs): `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`,
 * `X-Amz-Expires`, `X-Amz-SignedHeaders`, `X-Amz-Signature` and, for temporary
 * credentials, `X-Amz-Security-Token`.
 */
import { parseCredential } from './credential-scope.js';
import { IncompleteSignatureError } from './errors.js';
import { checkAlgorithm, parseSignedHeaders, type SignatureClaims } from './parse-authorization.js';
import { queryParameter, type RawQueryParameter } from './query-string.js';
import { MAX_PRESIGNED_EXPIRES_SECONDS } from './timestamps.js';

export interface PresignedClaims extends SignatureClaims {
  readonly amzDate: string;
  /** Seconds the URL lives after `amzDate`; absent means the ordinary clock-skew window. */
  readonly expiresSeconds: number | undefined;
  readonly sessionToken: string | undefined;
}

const REQUIRED = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Signature'] as const;

/** Whether the query carries a presigned signature at all. */
export function hasPresignedParameters(parameters: readonly RawQueryParameter[]): boolean {
  const markers = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature'];
  return markers.some((name) => queryParameter(parameters, name) !== undefined);
}

function parseExpires(value: string): number {
  if (/^-\d+$/.test(value)) throw new IncompleteSignatureError('malformed-expires', 'X-Amz-Expires must be non-negative');
  if (!/^\d+$/.test(value)) throw new IncompleteSignatureError('malformed-expires', 'X-Amz-Expires should be a number');
  const seconds = Number(value);
  if (seconds > MAX_PRESIGNED_EXPIRES_SECONDS) {
    throw new IncompleteSignatureError(
      'malformed-expires',
      'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds',
    );
  }
  return seconds;
}

export function parsePresignedQuery(parameters: readonly RawQueryParameter[]): PresignedClaims {
  const values = new Map<string, string>();
  for (const name of [...REQUIRED, 'X-Amz-Expires', 'X-Amz-Security-Token']) {
    const value = queryParameter(parameters, name);
    if (value !== undefined) values.set(name, value);
  }
  const missing = REQUIRED.filter((name) => !values.has(name));
  if (missing.length > 0) {
    throw new IncompleteSignatureError(
      'malformed-authorization',
      `AWS query-string parameters must include ${missing.map((name) => `'${name}'`).join(', ')}. ` +
        'Re-examine the query-string parameters.',
    );
  }
  checkAlgorithm(values.get('X-Amz-Algorithm')!);
  const expires = values.get('X-Amz-Expires');
  return {
    credential: parseCredential(values.get('X-Amz-Credential')!),
    signedHeaders: parseSignedHeaders(values.get('X-Amz-SignedHeaders')!),
    signature: values.get('X-Amz-Signature')!,
    amzDate: values.get('X-Amz-Date')!,
    expiresSeconds: expires === undefined ? undefined : parseExpires(expires),
    sessionToken: values.get('X-Amz-Security-Token'),
  };
}
