/**
 * The header form: `Authorization: AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/ecr/
 * aws4_request, SignedHeaders=host;x-amz-date, Signature=<hex>`.
 *
 * The parameters are read the way AWS reads them: after the algorithm, the value is split
 * on commas and whitespace and every piece must be `name=value`.
 */
import { ALGORITHM } from './canonical-request.js';
import { parseCredential, type Credential } from './credential-scope.js';
import { IncompleteSignatureError } from './errors.js';

/** What a request claims about its signature, whichever form carried it. */
export interface SignatureClaims {
  readonly credential: Credential;
  /** Lower case, sorted, without duplicates. */
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** The SignedHeaders list in canonical form: lower case, sorted, each name once. */
export function parseSignedHeaders(value: string): string[] {
  const names = new Set<string>();
  for (const name of value.split(';')) {
    const trimmed = name.trim().toLowerCase();
    if (trimmed !== '') names.add(trimmed);
  }
  return [...names].sort();
}

export function checkAlgorithm(algorithm: string): void {
  if (algorithm !== ALGORITHM) {
    throw new IncompleteSignatureError(
      'unsupported-algorithm',
      `Unsupported AWS 'algorithm': '${algorithm}'. The only supported algorithm is '${ALGORITHM}'.`,
    );
  }
}

/**
 * Parses the Authorization header. `hasDate` tells whether the request carries an
 * `X-Amz-Date` or `Date` header: AWS reports its absence together with missing parameters.
 */
export function parseAuthorizationHeader(header: string, hasDate: boolean): SignatureClaims {
  const trimmed = header.trim();
  const space = trimmed.search(/\s/);
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  const rest = space < 0 ? '' : trimmed.slice(space + 1);

  const parameters = new Map<string, string>();
  for (const piece of rest.split(/[\s,]+/)) {
    if (piece === '') continue;
    const equals = piece.indexOf('=');
    if (equals < 0) {
      throw new IncompleteSignatureError(
        'malformed-authorization',
        `'${piece}' not a valid key=value pair (missing equal-sign) in Authorization header: '${header}'.`,
      );
    }
    const name = piece.slice(0, equals);
    if (!parameters.has(name)) parameters.set(name, piece.slice(equals + 1));
  }

  const problems: string[] = [];
  for (const name of ['Credential', 'Signature', 'SignedHeaders']) {
    if (!parameters.has(name)) problems.push(`Authorization header requires '${name}' parameter.`);
  }
  if (!hasDate) problems.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  if (problems.length > 0) {
    throw new IncompleteSignatureError('malformed-authorization', `${problems.join(' ')} Authorization=${header}`);
  }

  checkAlgorithm(algorithm);
  return {
    credential: parseCredential(parameters.get('Credential')!),
    signedHeaders: parseSignedHeaders(parameters.get('SignedHeaders')!),
    signature: parameters.get('Signature')!,
  };
}
