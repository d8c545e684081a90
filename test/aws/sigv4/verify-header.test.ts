import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import {
  IncompleteSignatureError,
  InvalidSignatureError,
  MissingAuthenticationTokenError,
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
  SIGNING_DATE,
  ecrCall,
  keyLookup,
  secondsAfterSigning,
  signWithHeader,
  withHeader,
  withQuery,
  type SdkRequest,
} from './signing.js';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

function verifier(options: { allowUnsignedPayload?: boolean } = {}) {
  const keys = keyLookup();
  return { ...createSigV4Verifier({ region: REGION, service: SERVICE, lookupAccessKey: keys.lookup, ...options }), calls: keys.calls };
}

async function rejection(promise: Promise<unknown>): Promise<SigV4Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof SigV4Error)) throw new Error(`expected a SigV4Error, got ${String(error)}`);
  return error;
}

async function expectFailure(
  request: SignedRequest,
  errorClass: new (...args: never[]) => SigV4Error,
  reason: SigV4FailureReason,
): Promise<SigV4Error> {
  const error = await rejection(verifier().verify(request));
  expect(error).toBeInstanceOf(errorClass);
  expect(error.reason).toBe(reason);
  return error;
}

const GET_WITH_EVERYTHING: SdkRequest = {
  method: 'GET',
  // What the SDK puts on the wire for the labels 'team/a b' and 'café+1': escaped once.
  path: '/v2/team%2Fa%20b/caf%C3%A9%2B1/manifests/sha256%3Aabc',
  query: {
    'n': '10',
    'last': 'repo name/with+plus&amp=eq',
    'tag': ['b-tag', 'a-tag', 'ü'],
    'empty': '',
    '~weird key*': "it's (fine)!",
  },
  headers: {
    'x-amz-meta-note': '  several   spaces\there  ',
    'accept': 'application/json',
  },
};

describe('header-signed requests that verify', () => {
  it('accepts an ECR JSON call signed by the SDK and returns the identity', async () => {
    const request = await signWithHeader(ecrCall('DescribeRepositories', { maxResults: 5 }));
    const { verify, calls } = verifier();
    const result = await verify(request);
    expect(result.accessKeyId).toBe(ACCESS_KEY_ID);
    expect(result.identity).toBe(IDENTITY);
    expect(result.form).toBe('header');
    expect(result.credential).toEqual({ accessKeyId: ACCESS_KEY_ID, date: '20261127', region: REGION, service: SERVICE, terminator: 'aws4_request' });
    expect(result.signedHeaders).toEqual(['content-type', 'host', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-target']);
    expect(result.payloadHash).toBe(createHash('sha256').update(request.body as Uint8Array).digest('hex'));
    expect(result.requestTime).toEqual(SIGNING_DATE);
    expect(result.sessionToken).toBeUndefined();
    expect(calls).toEqual([{ accessKeyId: ACCESS_KEY_ID, sessionToken: undefined }]);
  });

  it('accepts escaped paths, repeated and special query parameters and untidy header values', async () => {
    const request = await signWithHeader(GET_WITH_EVERYTHING);
    expect(request.rawPath).toBe('/v2/team%2Fa%20b/caf%C3%A9%2B1/manifests/sha256%3Aabc');
    await expect(verifier().verify(request)).resolves.toMatchObject({ accessKeyId: ACCESS_KEY_ID });
  });

  it('accepts a query string in any order and with lower-case escapes', async () => {
    const request = await signWithHeader({ method: 'GET', path: '/', query: { b: 'x y', a: '1', c: 'é' } });
    await expect(verifier().verify(withQuery(request, 'c=%c3%a9&b=x%20y&a=1'))).resolves.toBeDefined();
  });

  it('joins the occurrences of a repeated header with commas', async () => {
    // Sent as three header lines; the SDK signs their canonical join.
    const request = await signWithHeader({ method: 'GET', path: '/', headers: { 'x-amz-meta-list': 'one,two,three' } });
    const onWire = withHeader(request, 'x-amz-meta-list', ['one', '  two ', 'three']);
    await expect(verifier().verify(onWire)).resolves.toBeDefined();
    // Node's headers object would have joined them with ', ', which is another value.
    await expectFailure(withHeader(request, 'x-amz-meta-list', 'one, two, three'), InvalidSignatureError, 'signature-mismatch');
  });

  it('accepts UNSIGNED-PAYLOAD whatever the body, unless refused', async () => {
    const request = await signWithHeader({
      method: 'PUT',
      path: '/upload',
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      body: 'original',
    });
    const result = await verifier().verify({ ...request, body: Buffer.from('anything else') });
    expect(result.payloadHash).toBe('UNSIGNED-PAYLOAD');
    const error = await rejection(verifier({ allowUnsignedPayload: false }).verify(request));
    expect(error).toBeInstanceOf(InvalidSignatureError);
    expect(error.reason).toBe('unsigned-payload-refused');
  });

  it('accepts the body as a SHA-256 given by a streaming caller', async () => {
    const body = JSON.stringify({ repositoryName: 'team/app' });
    const request = await signWithHeader(ecrCall('CreateRepository', JSON.parse(body)));
    const sha256 = createHash('sha256').update(body).digest('hex');
    await expect(verifier().verify({ ...request, body: { sha256 } })).resolves.toBeDefined();
    await expectFailure({ ...request, body: { sha256: '0'.repeat(64) } }, InvalidSignatureError, 'payload-hash-mismatch');
  });

  it('hashes the body itself when the client sends no x-amz-content-sha256', async () => {
    const request = await signWithHeader(ecrCall('ListImages', { repositoryName: 'app' }), { applyChecksum: false });
    expect(request.headers['x-amz-content-sha256']).toBeUndefined();
    await expect(verifier().verify(request)).resolves.toBeDefined();
    await expectFailure({ ...request, body: Buffer.from('{"repositoryName":"other"}') }, InvalidSignatureError, 'signature-mismatch');
    await expectFailure({ ...request, body: undefined }, InvalidSignatureError, 'signature-mismatch');
  });

  it('passes the session token of temporary credentials to the lookup', async () => {
    const request = await signWithHeader(ecrCall('DescribeRepositories', {}), { sessionToken: 'FwoGZXIvYXdzEXAMPLE//token==' });
    const { verify, calls } = verifier();
    const result = await verify(request);
    expect(result.sessionToken).toBe('FwoGZXIvYXdzEXAMPLE//token==');
    expect(result.signedHeaders).toContain('x-amz-security-token');
    expect(calls[0]!.sessionToken).toBe('FwoGZXIvYXdzEXAMPLE//token==');
  });

  it('accepts a request 14 minutes early or late', async () => {
    const request = await signWithHeader(ecrCall('DescribeRepositories', {}));
    await expect(verifier().verify({ ...request, now: secondsAfterSigning(14 * 60) })).resolves.toBeDefined();
    await expect(verifier().verify({ ...request, now: secondsAfterSigning(-14 * 60) })).resolves.toBeDefined();
  });

  it('finds the host in :authority for HTTP/2 requests', async () => {
    const request = await signWithHeader(ecrCall('DescribeRepositories', {}));
    const http2 = withHeader(withHeader(request, 'host', undefined), ':authority', '127.0.0.1:5000');
    await expect(verifier().verify(http2)).resolves.toBeDefined();
  });
});

describe('header-signed requests that were tampered with', () => {
  it('refuses another method', async () => {
    const request = await signWithHeader(GET_WITH_EVERYTHING);
    await expectFailure({ ...request, method: 'DELETE' }, InvalidSignatureError, 'signature-mismatch');
  });

  it('refuses another path', async () => {
    const request = await signWithHeader(GET_WITH_EVERYTHING);
    await expectFailure({ ...request, rawPath: '/v2/team%2Fa%20b/other/manifests/sha256%3Aabc' }, InvalidSignatureError, 'signature-mismatch');
    // Unescaping what the client escaped changes the canonical path too.
    await expectFailure({ ...request, rawPath: '/v2/team/a%20b/caf%C3%A9%2B1/manifests/sha256%3Aabc' }, InvalidSignatureError, 'signature-mismatch');
  });

  it('refuses another query string', async () => {
    const request = await signWithHeader(GET_WITH_EVERYTHING);
    await expectFailure(withQuery(request, request.rawQuery.replace('n=10', 'n=11')), InvalidSignatureError, 'signature-mismatch');
    await expectFailure(withQuery(request, `${request.rawQuery}&extra=1`), InvalidSignatureError, 'signature-mismatch');
    const withoutN = request.rawQuery.split('&').filter((pair) => pair !== 'n=10');
    expect(withoutN.join('&')).not.toBe(request.rawQuery);
    await expectFailure(withQuery(request, withoutN.join('&')), InvalidSignatureError, 'signature-mismatch');
  });

  it('refuses a changed signed header', async () => {
    const request = await signWithHeader(ecrCall('DescribeRepositories', {}));
    const other = withHeader(request, 'x-amz-target', 'AmazonEC2ContainerRegistry_V20150921.DeleteRepository');
    await expectFailure(other, InvalidSignatureError, 'signature-mismatch');
    await expectFailure(withHeader(request, 'host', 'evil.example:5000'), InvalidSignatureError, 'signature-mismatch');
  });

  it('ignores unsigned headers', async () => {
    const request = await signWithHeader(ecrCall('DescribeRepositories', {}));
    await expect(verifier().verify(withHeader(request, 'user-agent', 'changed/1.0'))).resolves.toBeDefined();
  });

  it('refuses a request without a header it signed', async () => {
    const request = await signWithHeader(ecrCall('DescribeRepositories', {}));
    const error = await expectFailure(withHeader(request, 'x-amz-target', undefined), IncompleteSignatureError, 'missing-signed-header');
    expect(error.message).toBe("'x-amz-target' is named as a SignedHeader, but it does not exist in the HTTP request.");
  });

  it('refuses another body', async () => {
    const request = await signWithHeader(ecrCall('DeleteRepository', { repositoryName: 'a' }));
    const error = await expectFailure({ ...request, body: Buffer.from('{"repositoryName":"b"}') }, InvalidSignatureError, 'payload-hash-mismatch');
    expect(error.message).toBe("The provided 'x-amz-content-sha256' header does not match what was computed.");
    // With the declared hash changed to match, the signature no longer does.
    const rehashed = withHeader(
      { ...request, body: Buffer.from('{"repositoryName":"b"}') },
      'x-amz-content-sha256',
      createHash('sha256').update('{"repositoryName":"b"}').digest('hex'),
    );
    await expectFailure(rehashed, InvalidSignatureError, 'signature-mismatch');
  });

  it('refuses another x-amz-date inside the window', async () => {
    const request = await signWithHeader(ecrCall('DescribeRepositories', {}));
    await expectFailure(withHeader(request, 'x-amz-date', '20261127T102031Z'), InvalidSignatureError, 'signature-mismatch');
  });

  it('refuses a request signed more than 15 minutes ago, in AWS words', async () => {
    const request = await signWithHeader(ecrCall('DescribeRepositories', {}));
    const error = await expectFailure({ ...request, now: secondsAfterSigning(15 * 60 + 1) }, InvalidSignatureError, 'signature-expired');
    expect(error.message).toBe('Signature expired: 20261127T102030Z is now earlier than 20261127T102031Z (20261127T103531Z - 15 min.)');
    expect(error.statusCode).toBe(400);
  });

  it('refuses a request signed more than 15 minutes ahead, in AWS words', async () => {
    const request = await signWithHeader(ecrCall('DescribeRepositories', {}));
    const error = await expectFailure({ ...request, now: secondsAfterSigning(-(15 * 60 + 1)) }, InvalidSignatureError, 'signature-not-yet-current');
    expect(error.message).toBe('Signature not yet current: 20261127T102030Z is still later than 20261127T102029Z (20261127T100529Z + 15 min.)');
  });

  it('refuses a credential scoped to another region', async () => {
    const request = await signWithHeader(ecrCall('DescribeRepositories', {}), { region: 'eu-west-1' });
    const error = await expectFailure(request, InvalidSignatureError, 'wrong-region');
    expect(error.message).toBe("Credential should be scoped to a valid region, not 'eu-west-1'. ");
  });

  it('refuses a credential scoped to another service', async () => {
    const request = await signWithHeader(ecrCall('DescribeRepositories', {}), { service: 'ecr-public' });
    const error = await expectFailure(request, InvalidSignatureError, 'wrong-service');
    expect(error.message).toBe("Credential should be scoped to correct service: 'ecr'. ");
  });

  it('refuses a scope date other than the request date', async () => {
    const request = await signWithHeader(ecrCall('DescribeRepositories', {}));
    const error = await expectFailure(withHeader(request, 'x-amz-date', '20261128T000000Z'), InvalidSignatureError, 'scope-date-mismatch');
    expect(error.message).toBe(
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261127' != '20261128', from '20261128T000000Z'.",
    );
  });

  it('refuses a request signed with another secret', async () => {
    const request = await signWithHeader(ecrCall('DescribeRepositories', {}), { secretAccessKey: 'not-the-secret' });
    const error = await expectFailure(request, InvalidSignatureError, 'signature-mismatch');
    expect(error.message).toBe(SIGNATURE_MISMATCH);
    expect(error.message).not.toContain(IDENTITY.secretAccessKey);
    expect(error.toAwsError()).toEqual({ __type: 'InvalidSignatureException', message: SIGNATURE_MISMATCH });
  });

  it('refuses an access key it does not know', async () => {
    const request = await signWithHeader(ecrCall('DescribeRepositories', {}), { accessKeyId: 'AKIAUNKNOWN000000000' });
    const error = await expectFailure(request, UnrecognizedClientError, 'unknown-access-key');
    expect(error.toAwsError()).toEqual({
      __type: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
  });

  it('refuses a request whose key id was swapped for a known one', async () => {
    const keys = keyLookup({ [ACCESS_KEY_ID]: IDENTITY, AKIAOTHER00000000000: { ...IDENTITY, userName: 'bob', secretAccessKey: 'other' } });
    const request = await signWithHeader(ecrCall('DescribeRepositories', {}));
    const swapped = withHeader(request, 'authorization', String(request.headers.authorization).replace(ACCESS_KEY_ID, 'AKIAOTHER00000000000'));
    const error = await rejection(createSigV4Verifier({ region: REGION, service: SERVICE, lookupAccessKey: keys.lookup }).verify(swapped));
    expect(error.reason).toBe('signature-mismatch');
  });

  it('refuses a forged signature of the right length', async () => {
    const request = await signWithHeader(ecrCall('DescribeRepositories', {}));
    const forged = String(request.headers.authorization).replace(/Signature=[0-9a-f]+/, `Signature=${'ab'.repeat(32)}`);
    await expectFailure(withHeader(request, 'authorization', forged), InvalidSignatureError, 'signature-mismatch');
    const short = String(request.headers.authorization).replace(/Signature=[0-9a-f]+/, 'Signature=abc');
    await expectFailure(withHeader(request, 'authorization', short), InvalidSignatureError, 'signature-mismatch');
  });

  it('refuses a signature that does not cover the host', async () => {
    const request = await signWithHeader(ecrCall('DescribeRepositories', {}));
    const withoutHost = String(request.headers.authorization).replace('SignedHeaders=content-type;host;', 'SignedHeaders=content-type;');
    const error = await expectFailure(withHeader(request, 'authorization', withoutHost), InvalidSignatureError, 'host-not-signed');
    expect(error.message).toBe("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  });
});

describe('requests without a usable signature', () => {
  it('answers MissingAuthenticationTokenException when there is no signature at all', async () => {
    const request: SignedRequest = { method: 'POST', rawPath: '/', rawQuery: '', headers: { host: 'x' }, now: SIGNING_DATE };
    const error = await expectFailure(request, MissingAuthenticationTokenError, 'missing-authentication');
    expect(error.toAwsError()).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
    expect(error.statusCode).toBe(400);
    await expectFailure({ ...request, headers: { host: 'x', authorization: '  ' } }, MissingAuthenticationTokenError, 'missing-authentication');
  });

  it('reads the request time from the Date header when X-Amz-Date is absent', async () => {
    // The SDKs always send X-Amz-Date, so this request is canonicalised by hand and only
    // its string to sign is signed by the SDK's signer.
    const httpDate = SIGNING_DATE.toUTCString();
    const canonical = ['GET', '/', '', `date:${httpDate}`, 'host:127.0.0.1:5000', '', 'date;host', EMPTY_SHA256].join('\n');
    const scope = `20261127/${REGION}/${SERVICE}/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', '20261127T102030Z', scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
    const signature = await new SignatureV4({
      credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: IDENTITY.secretAccessKey },
      region: REGION,
      service: SERVICE,
      sha256: Sha256,
    }).sign(toSign, { signingDate: SIGNING_DATE });
    const request: SignedRequest = {
      method: 'GET',
      rawPath: '/',
      rawQuery: '',
      headers: {
        host: '127.0.0.1:5000',
        date: httpDate,
        authorization: `AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/${scope}, SignedHeaders=date;host, Signature=${signature}`,
      },
      now: secondsAfterSigning(1),
    };
    await expect(verifier().verify(request)).resolves.toMatchObject({ requestTime: SIGNING_DATE });
    const late = await rejection(verifier().verify({ ...request, now: secondsAfterSigning(3600) }));
    expect(late.reason).toBe('signature-expired');
    await expectFailure(withHeader(request, 'date', 'not a date'), IncompleteSignatureError, 'malformed-date');
  });

  it('refuses a malformed X-Amz-Date', async () => {
    const request = await signWithHeader(ecrCall('DescribeRepositories', {}));
    await expectFailure(withHeader(request, 'x-amz-date', '2026-11-27T10:20:30Z'), IncompleteSignatureError, 'malformed-date');
    await expectFailure(withHeader(request, 'x-amz-date', '20261131T102030Z'), IncompleteSignatureError, 'malformed-date');
  });

  it('refuses an x-amz-content-sha256 that is neither a digest nor UNSIGNED-PAYLOAD', async () => {
    const request = await signWithHeader({
      method: 'PUT',
      path: '/',
      headers: { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' },
      body: 'x',
    });
    await expectFailure(request, IncompleteSignatureError, 'unsupported-payload-hash');
  });
});
