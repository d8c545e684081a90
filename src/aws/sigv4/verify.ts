/**
 * Verifies the AWS Signature Version 4 of an incoming request, in the Authorization header
 * or in a presigned query, and resolves who signed it.
 *
 * Checks run cheapest first and answer as AWS does: the form of the signature
 * (IncompleteSignatureException), its scope and time (InvalidSignatureException), the
 * access key (UnrecognizedClientException), then the signature itself, compared in
 * constant time (InvalidSignatureException).
 */
import { timingSafeEqual } from 'node:crypto';
import { canonicalHeaders, canonicalQueryString, canonicalRequest, canonicalUri, stringToSign } from './canonical-request.js';
import { checkCredentialScope, credentialScope, type Credential } from './credential-scope.js';
import {
  IncompleteSignatureError,
  InvalidSignatureError,
  MissingAuthenticationTokenError,
  SIGNATURE_MISMATCH_MESSAGE,
  UnrecognizedClientError,
} from './errors.js';
import { parseAuthorizationHeader, type SignatureClaims } from './parse-authorization.js';
import { hasPresignedParameters, parsePresignedQuery } from './parse-presigned-query.js';
import { resolvePayloadHash } from './payload-hash.js';
import { parseRawQuery, queryParameter, type RawQueryParameter } from './query-string.js';
import { firstHeader, normalizeHeaders, type HeaderLookup, type SignedRequest } from './request.js';
import { SigningKeyCache, hmacSha256 } from './signing-key.js';
import {
  DEFAULT_CLOCK_SKEW_SECONDS,
  amzDateFromHttpDate,
  checkPresignedTime,
  checkRequestTime,
  parseAmzDate,
} from './timestamps.js';

/** What an access key lookup must return at least; anything else it returns is passed through. */
export interface AccessKeySecret {
  readonly secretAccessKey: string;
}

export interface AccessKeyLookupContext {
  /** The `X-Amz-Security-Token` the request carried, for temporary credentials. */
  readonly sessionToken: string | undefined;
}

/** Finds an access key by id; undefined when there is none. */
export type AccessKeyLookup<Identity extends AccessKeySecret> = (
  accessKeyId: string,
  context: AccessKeyLookupContext,
) => Promise<Identity | undefined>;

export interface SigV4VerifierOptions<Identity extends AccessKeySecret> {
  /** The region this server answers as; a credential scoped to another is refused. */
  readonly region: string;
  /** The signing name of the service, e.g. `ecr`. */
  readonly service: string;
  readonly lookupAccessKey: AccessKeyLookup<Identity>;
  /** Encode the path again before signing, as the AWS SDKs do for every service but S3. Default true. */
  readonly uriEscapePath?: boolean;
  /** Accept `x-amz-content-sha256: UNSIGNED-PAYLOAD`. Default true. */
  readonly allowUnsignedPayload?: boolean;
  /** How far a request's time may be from now. Default 900 (15 minutes). */
  readonly clockSkewSeconds?: number;
  /** How many derived signing keys to keep. Default 256. */
  readonly signingKeyCacheSize?: number;
}

export interface VerifiedRequest<Identity> {
  readonly accessKeyId: string;
  /** Whatever the lookup returned for the access key. */
  readonly identity: Identity;
  readonly sessionToken: string | undefined;
  /** Where the signature was: the Authorization header or a presigned query. */
  readonly form: 'header' | 'presigned';
  readonly credential: Credential;
  readonly signedHeaders: readonly string[];
  /** The payload hash the signature covers: a hex digest, or `UNSIGNED-PAYLOAD`. */
  readonly payloadHash: string;
  readonly requestTime: Date;
}

export interface SigV4Verifier<Identity> {
  /** Resolves the signer, or rejects with a `SigV4Error` (or whatever the lookup threw). */
  verify(request: SignedRequest): Promise<VerifiedRequest<Identity>>;
}

interface ParsedSignature {
  readonly form: 'header' | 'presigned';
  readonly claims: SignatureClaims;
  readonly amzDate: string;
  readonly expiresSeconds: number | undefined;
  readonly sessionToken: string | undefined;
  readonly declaredPayloadHash: string | undefined;
}

function malformedDate(value: string): IncompleteSignatureError {
  return new IncompleteSignatureError(
    'malformed-date',
    `Invalid request date '${value}': X-Amz-Date must be in the ISO8601 basic format "yyyyMMdd'T'HHmmss'Z'".`,
  );
}

function readSignature(headers: HeaderLookup, query: readonly RawQueryParameter[]): ParsedSignature {
  const authorization = firstHeader(headers, 'authorization');
  if (authorization !== undefined && authorization.trim() !== '') {
    const amzDateHeader = firstHeader(headers, 'x-amz-date');
    const dateHeader = firstHeader(headers, 'date');
    const claims = parseAuthorizationHeader(authorization, amzDateHeader !== undefined || dateHeader !== undefined);
    // AWS reads X-Amz-Date first and falls back to the HTTP Date header.
    const amzDate = amzDateHeader ?? amzDateFromHttpDate(dateHeader!);
    if (amzDate === undefined) throw malformedDate(dateHeader!);
    return {
      form: 'header',
      claims,
      amzDate,
      expiresSeconds: undefined,
      sessionToken: firstHeader(headers, 'x-amz-security-token'),
      declaredPayloadHash: firstHeader(headers, 'x-amz-content-sha256'),
    };
  }
  if (hasPresignedParameters(query)) {
    const claims = parsePresignedQuery(query);
    return {
      form: 'presigned',
      claims,
      amzDate: claims.amzDate,
      expiresSeconds: claims.expiresSeconds,
      sessionToken: claims.sessionToken,
      declaredPayloadHash: queryParameter(query, 'X-Amz-Content-Sha256') ?? firstHeader(headers, 'x-amz-content-sha256'),
    };
  }
  throw new MissingAuthenticationTokenError();
}

function checkSignedHeaders(signedHeaders: readonly string[], headers: HeaderLookup): void {
  if (!signedHeaders.includes('host')) {
    throw new InvalidSignatureError(
      'host-not-signed',
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
  }
  for (const name of signedHeaders) {
    if (!headers.has(name)) {
      throw new IncompleteSignatureError(
        'missing-signed-header',
        `'${name}' is named as a SignedHeader, but it does not exist in the HTTP request.`,
      );
    }
  }
}

function signaturesMatch(expectedHex: string, providedHex: string): boolean {
  const expected = Buffer.from(expectedHex, 'utf8');
  const provided = Buffer.from(providedHex, 'utf8');
  // The expected length is public (64 hex digits); only the content must not leak.
  return expected.length === provided.length && timingSafeEqual(expected, provided);
}

export function createSigV4Verifier<Identity extends AccessKeySecret>(
  options: SigV4VerifierOptions<Identity>,
): SigV4Verifier<Identity> {
  const { region, service, lookupAccessKey } = options;
  const uriEscapePath = options.uriEscapePath ?? true;
  const allowUnsignedPayload = options.allowUnsignedPayload ?? true;
  const clockSkewSeconds = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  const signingKeys = new SigningKeyCache(options.signingKeyCacheSize);

  return {
    async verify(request: SignedRequest): Promise<VerifiedRequest<Identity>> {
      const headers = normalizeHeaders(request.headers);
      const query = parseRawQuery(request.rawQuery);
      const parsed = readSignature(headers, query);
      const { claims, amzDate } = parsed;

      const requestTime = parseAmzDate(amzDate);
      if (requestTime === undefined) throw malformedDate(amzDate);
      checkCredentialScope(claims.credential, { region, service }, amzDate);
      checkSignedHeaders(claims.signedHeaders, headers);
      if (parsed.expiresSeconds === undefined) checkRequestTime(requestTime, amzDate, request.now, clockSkewSeconds);
      else checkPresignedTime(requestTime, amzDate, parsed.expiresSeconds, request.now, clockSkewSeconds);

      const { accessKeyId } = claims.credential;
      const identity = await lookupAccessKey(accessKeyId, { sessionToken: parsed.sessionToken });
      if (identity === undefined) throw new UnrecognizedClientError();

      const payloadHash = resolvePayloadHash(parsed.declaredPayloadHash, request.body, allowUnsignedPayload);
      const canonical = canonicalRequest({
        method: request.method,
        canonicalUri: canonicalUri(request.rawPath, uriEscapePath),
        canonicalQuery: canonicalQueryString(query),
        canonicalHeaders: canonicalHeaders(headers, claims.signedHeaders),
        signedHeaders: claims.signedHeaders,
        payloadHash,
      });
      const toSign = stringToSign(amzDate, credentialScope(claims.credential), canonical);
      const key = signingKeys.signingKey(identity.secretAccessKey, claims.credential.date, region, service);
      const expected = hmacSha256(key, toSign).toString('hex');
      if (!signaturesMatch(expected, claims.signature)) {
        throw new InvalidSignatureError('signature-mismatch', SIGNATURE_MISMATCH_MESSAGE);
      }

      return {
        accessKeyId,
        identity,
        sessionToken: parsed.sessionToken,
        form: parsed.form,
        credential: claims.credential,
        signedHeaders: claims.signedHeaders,
        payloadHash,
        requestTime,
      };
    },
  };
}
