/**
 * Requests signed by the AWS SDK's own signer (`@smithy/signature-v4`), turned into what a
 * server receives on the wire.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AccessKeySecret } from '../../../src/aws/sigv4/index.js';
import type { SignedRequest } from '../../../src/aws/sigv4/request.js';

export const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
export const SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
export const REGION = 'us-east-1';
export const SERVICE = 'ecr';
export const SIGNING_DATE = new Date('2026-11-27T10:20:30Z');

export interface TestIdentity extends AccessKeySecret {
  readonly userName: string;
  readonly accountId: string;
}

export const IDENTITY: TestIdentity = { secretAccessKey: SECRET_ACCESS_KEY, userName: 'alice', accountId: '123456789012' };

/** A lookup over a fixed set of keys that records the calls it gets. */
export function keyLookup(keys: Record<string, TestIdentity> = { [ACCESS_KEY_ID]: IDENTITY }) {
  const calls: Array<{ accessKeyId: string; sessionToken: string | undefined }> = [];
  const lookup = async (accessKeyId: string, context: { sessionToken: string | undefined }) => {
    calls.push({ accessKeyId, sessionToken: context.sessionToken });
    return Object.hasOwn(keys, accessKeyId) ? keys[accessKeyId] : undefined;
  };
  return { lookup, calls };
}

/** The request as the SDK hands it to its signer: `path` already percent-encoded, `query` decoded. */
export interface SdkRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export interface SignerSettings {
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  region?: string;
  service?: string;
  signingDate?: Date;
  /** Send x-amz-content-sha256 (the SDK default); without it the server hashes the body itself. */
  applyChecksum?: boolean;
}

function signer(settings: SignerSettings): SignatureV4 {
  return new SignatureV4({
    credentials: {
      accessKeyId: settings.accessKeyId ?? ACCESS_KEY_ID,
      secretAccessKey: settings.secretAccessKey ?? SECRET_ACCESS_KEY,
      ...(settings.sessionToken === undefined ? {} : { sessionToken: settings.sessionToken }),
    },
    region: settings.region ?? REGION,
    service: settings.service ?? SERVICE,
    sha256: Sha256,
    applyChecksum: settings.applyChecksum ?? true,
  });
}

function smithyRequest(request: SdkRequest) {
  return {
    method: request.method,
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 5000,
    path: request.path,
    query: request.query ?? {},
    headers: { host: '127.0.0.1:5000', ...request.headers },
    body: request.body,
  };
}

/** RFC 3986 encoding as the SDK's query builder does it. */
export function encodeQueryComponent(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

interface SignedSmithyRequest {
  method: string;
  path: string;
  query: Record<string, string | string[] | null | undefined>;
  headers: Record<string, string>;
  body?: unknown;
}

/** What the server receives for a request the SDK signed. */
export function onTheWire(signed: SignedSmithyRequest, now = new Date(SIGNING_DATE.getTime() + 5_000)): SignedRequest {
  const query: string[] = [];
  for (const [name, value] of Object.entries(signed.query)) {
    if (value === null || value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) query.push(`${encodeQueryComponent(name)}=${encodeQueryComponent(one)}`);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[name.toLowerCase()] = value;
  const body = signed.body;
  return {
    method: signed.method,
    rawPath: signed.path,
    rawQuery: query.join('&'),
    headers,
    body: typeof body === 'string' ? Buffer.from(body) : body instanceof Uint8Array ? body : undefined,
    now,
  };
}

/** Signs in the Authorization header, as every SDK call does. */
export async function signWithHeader(request: SdkRequest, settings: SignerSettings = {}): Promise<SignedRequest> {
  const signed = await signer(settings).sign(smithyRequest(request), {
    signingDate: settings.signingDate ?? SIGNING_DATE,
  });
  return onTheWire(signed as unknown as SignedSmithyRequest);
}

/** Signs in the query string (a presigned URL). */
export async function presign(request: SdkRequest, expiresIn: number, settings: SignerSettings = {}): Promise<SignedRequest> {
  const signed = await signer(settings).presign(smithyRequest(request), {
    signingDate: settings.signingDate ?? SIGNING_DATE,
    expiresIn,
  });
  return onTheWire(signed as unknown as SignedSmithyRequest);
}

/** An ECR JSON API call as the SDK sends it. */
export function ecrCall(operation: string, input: unknown): SdkRequest {
  return {
    method: 'POST',
    path: '/',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AmazonEC2ContainerRegistry_V20150921.${operation}`,
    },
    body: JSON.stringify(input),
  };
}

/** The request with the query string replaced. */
export function withQuery(request: SignedRequest, rawQuery: string): SignedRequest {
  return { ...request, rawQuery };
}

/** The request with one header set (or removed with undefined). */
export function withHeader(request: SignedRequest, name: string, value: string | string[] | undefined): SignedRequest {
  return { ...request, headers: { ...request.headers, [name]: value } };
}

export function secondsAfterSigning(seconds: number): Date {
  return new Date(SIGNING_DATE.getTime() + seconds * 1000);
}
