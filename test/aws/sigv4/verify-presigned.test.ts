import { describe, expect, it } from 'vitest';
import {
  IncompleteSignatureError,
  InvalidSignatureError,
  SigV4Error,
  UnrecognizedClientError,
  createSigV4Verifier,
  type SigV4FailureReason,
  type SignedRequest,
} from '../../../src/aws/sigv4/index.js';
import {
  ACCESS_KEY_ID,
  IDENTITY,
  REGION,
  SERVICE,
  encodeQueryComponent,
  keyLookup,
  presign,
  secondsAfterSigning,
  withHeader,
  withQuery,
  type SdkRequest,
} from './signing.js';

const GET_LAYER: SdkRequest = {
  method: 'GET',
  path: '/v2/team%2Fapp/blobs/sha256%3A0123',
  query: { 'response-content-type': 'application/octet-stream', 'part': ['2', '1'] },
};

function verify(request: SignedRequest) {
  return createSigV4Verifier({ region: REGION, service: SERVICE, lookupAccessKey: keyLookup().lookup }).verify(request);
}

async function expectFailure(
  request: SignedRequest,
  errorClass: new (...args: never[]) => SigV4Error,
  reason: SigV4FailureReason,
): Promise<SigV4Error> {
  const error = await verify(request).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(errorClass);
  expect((error as SigV4Error).reason).toBe(reason);
  return error as SigV4Error;
}

/** Replaces one query parameter's value in the raw query string. */
function replaceParameter(request: SignedRequest, name: string, value: string | undefined): SignedRequest {
  const pairs = request.rawQuery.split('&').filter((pair) => !pair.startsWith(`${name}=`));
  if (value !== undefined) pairs.push(`${name}=${encodeQueryComponent(value)}`);
  return withQuery(request, pairs.join('&'));
}

function parameter(request: SignedRequest, name: string): string | undefined {
  return new URLSearchParams(request.rawQuery).get(name) ?? undefined;
}

describe('presigned requests that verify', () => {
  it('accepts a URL presigned by the SDK', async () => {
    const request = await presign(GET_LAYER, 3600);
    expect(request.headers.authorization).toBeUndefined();
    expect(parameter(request, 'X-Amz-Expires')).toBe('3600');
    const result = await verify(request);
    expect(result).toMatchObject({ form: 'presigned', accessKeyId: ACCESS_KEY_ID, identity: IDENTITY, signedHeaders: ['host'] });
  });

  it('accepts it until its expiry, even past the clock-skew window', async () => {
    const request = await presign(GET_LAYER, 3600);
    await expect(verify({ ...request, now: secondsAfterSigning(3600) })).resolves.toBeDefined();
  });

  it('accepts one that lives for the maximum of seven days', async () => {
    const request = await presign(GET_LAYER, 604800);
    await expect(verify({ ...request, now: secondsAfterSigning(604800) })).resolves.toBeDefined();
  });

  it('accepts presigned headers hoisted into the query and a session token', async () => {
    const request = await presign(
      { method: 'GET', path: '/', headers: { 'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken' } },
      900,
      { sessionToken: 'session/token+=' },
    );
    expect(parameter(request, 'x-amz-target')).toBe('AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken');
    const result = await verify(request);
    expect(result.sessionToken).toBe('session/token+=');
  });

  it('accepts a presigned request with a body', async () => {
    const request = await presign({ method: 'PUT', path: '/upload', body: 'layer bytes' }, 900);
    await expect(verify(request)).resolves.toBeDefined();
    await expectFailure({ ...request, body: Buffer.from('other bytes') }, InvalidSignatureError, 'signature-mismatch');
  });
});

describe('presigned requests that were tampered with or are stale', () => {
  it('refuses one past its expiry', async () => {
    const request = await presign(GET_LAYER, 60);
    const error = await expectFailure({ ...request, now: secondsAfterSigning(61) }, InvalidSignatureError, 'presigned-url-expired');
    expect(error.message).toBe('Signature expired: 20261127T102030Z is now earlier than 20261127T102031Z (20261127T102131Z - 1 min.)');
  });

  it('refuses a longer X-Amz-Expires than was signed', async () => {
    const request = await presign(GET_LAYER, 60);
    await expectFailure(replaceParameter(request, 'X-Amz-Expires', '3600'), InvalidSignatureError, 'signature-mismatch');
  });

  it('refuses an X-Amz-Expires beyond a week or not a number', async () => {
    const request = await presign(GET_LAYER, 60);
    const tooLong = await expectFailure(replaceParameter(request, 'X-Amz-Expires', '604801'), IncompleteSignatureError, 'malformed-expires');
    expect(tooLong.message).toContain('must be less than a week');
    await expectFailure(replaceParameter(request, 'X-Amz-Expires', 'soon'), IncompleteSignatureError, 'malformed-expires');
    await expectFailure(replaceParameter(request, 'X-Amz-Expires', '-5'), IncompleteSignatureError, 'malformed-expires');
  });

  it('refuses one signed for later than the clock skew allows', async () => {
    const request = await presign(GET_LAYER, 3600);
    await expectFailure({ ...request, now: secondsAfterSigning(-16 * 60) }, InvalidSignatureError, 'signature-not-yet-current');
  });

  it('refuses another method, path, query or host', async () => {
    const request = await presign(GET_LAYER, 3600);
    await expectFailure({ ...request, method: 'DELETE' }, InvalidSignatureError, 'signature-mismatch');
    await expectFailure({ ...request, rawPath: '/v2/team%2Fapp/blobs/sha256%3A9999' }, InvalidSignatureError, 'signature-mismatch');
    await expectFailure(replaceParameter(request, 'part', '3'), InvalidSignatureError, 'signature-mismatch');
    await expectFailure(withQuery(request, `${request.rawQuery}&extra=1`), InvalidSignatureError, 'signature-mismatch');
    await expectFailure(withHeader(request, 'host', 'elsewhere:5000'), InvalidSignatureError, 'signature-mismatch');
  });

  it('refuses another X-Amz-Date', async () => {
    const request = await presign(GET_LAYER, 3600);
    await expectFailure(replaceParameter(request, 'X-Amz-Date', '20261127T102031Z'), InvalidSignatureError, 'signature-mismatch');
    await expectFailure(replaceParameter(request, 'X-Amz-Date', '20261128T102030Z'), InvalidSignatureError, 'scope-date-mismatch');
  });

  it('refuses another region, service, secret or key id', async () => {
    await expectFailure(await presign(GET_LAYER, 3600, { region: 'us-west-2' }), InvalidSignatureError, 'wrong-region');
    await expectFailure(await presign(GET_LAYER, 3600, { service: 's3' }), InvalidSignatureError, 'wrong-service');
    await expectFailure(await presign(GET_LAYER, 3600, { secretAccessKey: 'wrong' }), InvalidSignatureError, 'signature-mismatch');
    await expectFailure(await presign(GET_LAYER, 3600, { accessKeyId: 'AKIANOBODY0000000000' }), UnrecognizedClientError, 'unknown-access-key');
  });

  it('refuses a forged X-Amz-Signature', async () => {
    const request = await presign(GET_LAYER, 3600);
    await expectFailure(replaceParameter(request, 'X-Amz-Signature', 'f'.repeat(64)), InvalidSignatureError, 'signature-mismatch');
  });

  it('refuses a presigned query that lacks a parameter, naming it', async () => {
    const request = await presign(GET_LAYER, 3600);
    const error = await expectFailure(replaceParameter(request, 'X-Amz-SignedHeaders', undefined), IncompleteSignatureError, 'malformed-authorization');
    expect(error.message).toBe("AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.");
  });

  it('refuses another algorithm', async () => {
    const request = await presign(GET_LAYER, 3600);
    await expectFailure(replaceParameter(request, 'X-Amz-Algorithm', 'AWS4-HMAC-SHA512'), IncompleteSignatureError, 'unsupported-algorithm');
  });

  it('refuses a credential that is not five elements', async () => {
    const request = await presign(GET_LAYER, 3600);
    const error = await expectFailure(
      replaceParameter(request, 'X-Amz-Credential', `${ACCESS_KEY_ID}/20261127/us-east-1/ecr`),
      IncompleteSignatureError,
      'malformed-credential',
    );
    expect(error.message).toBe(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${ACCESS_KEY_ID}/20261127/us-east-1/ecr'`,
    );
  });
});
