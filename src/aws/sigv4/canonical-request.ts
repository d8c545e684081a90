/**
 * The SigV4 canonical request and string to sign, built as the AWS signers build them
 * (`@smithy/signature-v4`, botocore), so that what a client signed can be recomputed from
 * what the server received.
 */
import { createHash } from 'node:crypto';
import type { RawQueryParameter } from './query-string.js';
import type { HeaderLookup } from './request.js';
import { percentDecodeBytes, uriEncodeBytes } from './uri-encoding.js';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * The canonical URI. With `uriEscapePath` (the default of the AWS SDKs for every service
 * but S3) the path is normalised (empty, `.` and `..` segments removed) and then
 * percent-encoded again, so an escape on the wire such as `%20` becomes `%2520`; without
 * it the path is used as received (S3's single encoding).
 */
export function canonicalUri(rawPath: string, uriEscapePath = true): string {
  if (!uriEscapePath) return rawPath === '' ? '/' : rawPath;
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailingSlash = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  const normalized = '/' + segments.join('/') + trailingSlash;
  return uriEncodeBytes(Buffer.from(normalized, 'utf8'), true);
}

function canonicalComponent(raw: string): string {
  return uriEncodeBytes(percentDecodeBytes(raw));
}

/**
 * The canonical query string: every pair decoded and re-encoded per RFC 3986, sorted by
 * name and then by value, `X-Amz-Signature` left out.
 */
export function canonicalQueryString(parameters: readonly RawQueryParameter[]): string {
  const pairs: Array<[string, string]> = [];
  for (const parameter of parameters) {
    const name = canonicalComponent(parameter.name);
    if (name.toLowerCase() === 'x-amz-signature') continue;
    pairs.push([name, canonicalComponent(parameter.value)]);
  }
  pairs.sort(([nameA, valueA], [nameB, valueB]) =>
    nameA < nameB ? -1 : nameA > nameB ? 1 : valueA < valueB ? -1 : valueA > valueB ? 1 : 0,
  );
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

/** Trims a header value and collapses runs of whitespace (line folds included) to one space. */
export function canonicalHeaderValue(value: string): string {
  return value.replace(/[ \t\r\n]+/g, ' ').replace(/^ | $/g, '');
}

/**
 * The canonical headers block: one `name:value` line per signed header, in the order of
 * `signedHeaders` (already sorted), every occurrence of a repeated header joined with `,`.
 * A signed header must be present; the caller checks that first.
 */
export function canonicalHeaders(headers: HeaderLookup, signedHeaders: readonly string[]): string {
  let block = '';
  for (const name of signedHeaders) {
    const values = headers.get(name) ?? [];
    block += `${name}:${values.map(canonicalHeaderValue).join(',')}\n`;
  }
  return block;
}

export interface CanonicalRequestParts {
  readonly method: string;
  readonly canonicalUri: string;
  readonly canonicalQuery: string;
  readonly canonicalHeaders: string;
  readonly signedHeaders: readonly string[];
  readonly payloadHash: string;
}

export function canonicalRequest(parts: CanonicalRequestParts): string {
  return [
    parts.method,
    parts.canonicalUri,
    parts.canonicalQuery,
    parts.canonicalHeaders,
    parts.signedHeaders.join(';'),
    parts.payloadHash,
  ].join('\n');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The string to sign: algorithm, request time, credential scope and the canonical request's hash. */
export function stringToSign(amzDate: string, credentialScope: string, request: string): string {
  return `${ALGORITHM}\n${amzDate}\n${credentialScope}\n${sha256Hex(request)}`;
}
