/**
 * The request as the verifier sees it: plain data, free of any HTTP framework.
 */

/** A header's value: one string, or one string per occurrence of the header. */
export type HeaderValue = string | readonly string[] | undefined;

/** Header names to values. Names should be lower case (Node's `IncomingMessage.headers` are). */
export type RequestHeaders = Readonly<Record<string, HeaderValue>>;

/**
 * The body's SHA-256 (hex), for callers that stream the body and hash it themselves. The
 * caller then owns comparing the bytes it reads with this digest.
 */
export interface PayloadDigest {
  readonly sha256: string;
}

export interface SignedRequest {
  /** The HTTP method as received, e.g. `POST`. */
  readonly method: string;
  /** The path as received on the request line, percent-encoding preserved, without the query. */
  readonly rawPath: string;
  /** The query string as received, without the leading `?` (empty when there is none). */
  readonly rawQuery: string;
  /**
   * The headers. A header that occurred several times should be given as an array, one
   * element per occurrence (see `headersFromRawHeaders`): SigV4 joins them with `,`,
   * while Node's `headers` object joins them with `, `.
   */
  readonly headers: RequestHeaders;
  /** The body bytes, or their SHA-256; absent means an empty body. */
  readonly body?: Uint8Array | PayloadDigest;
  /** The time the request is judged at. */
  readonly now: Date;
}

/** Header values by lower-case name, every value as a list of occurrences. */
export type HeaderLookup = ReadonlyMap<string, readonly string[]>;

export function normalizeHeaders(headers: RequestHeaders): HeaderLookup {
  const lookup = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const values = typeof value === 'string' ? [value] : [...value];
    if (values.length === 0) continue;
    const existing = lookup.get(key);
    if (existing) existing.push(...values);
    else lookup.set(key, values);
  }
  // HTTP/2 carries the host as the :authority pseudo-header.
  const authority = lookup.get(':authority');
  if (!lookup.has('host') && authority) lookup.set('host', authority);
  return lookup;
}

/** The first value of a header, or undefined. */
export function firstHeader(headers: HeaderLookup, name: string): string | undefined {
  return headers.get(name)?.[0];
}

/**
 * Builds the headers from Node's `rawHeaders` (`[name, value, name, value, …]`), keeping
 * every occurrence of a repeated header apart.
 */
export function headersFromRawHeaders(rawHeaders: readonly string[]): Record<string, string[]> {
  const headers: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    (headers[name] ??= []).push(rawHeaders[i + 1]!);
  }
  return headers;
}

export function isPayloadDigest(body: SignedRequest['body']): body is PayloadDigest {
  return body !== undefined && !(body instanceof Uint8Array);
}
