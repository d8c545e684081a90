import { describe, expect, it } from 'vitest';
import { IncompleteSignatureError } from '../../../src/aws/sigv4/errors.js';
import { parseAuthorizationHeader, parseSignedHeaders } from '../../../src/aws/sigv4/parse-authorization.js';

const VALID =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/us-east-1/ecr/aws4_request, ' +
  'SignedHeaders=host;x-amz-date, Signature=' +
  'a'.repeat(64);

function failure(header: string, hasDate = true): IncompleteSignatureError {
  try {
    parseAuthorizationHeader(header, hasDate);
  } catch (error) {
    if (error instanceof IncompleteSignatureError) return error;
    throw error;
  }
  throw new Error('expected the header to be refused');
}

describe('parseAuthorizationHeader', () => {
  it('reads the credential, the signed headers and the signature', () => {
    expect(parseAuthorizationHeader(VALID, true)).toEqual({
      credential: { accessKeyId: 'AKIDEXAMPLE', date: '20261127', region: 'us-east-1', service: 'ecr', terminator: 'aws4_request' },
      signedHeaders: ['host', 'x-amz-date'],
      signature: 'a'.repeat(64),
    });
  });

  it('takes commas without spaces, extra whitespace and any parameter order', () => {
    const compact =
      'AWS4-HMAC-SHA256  Signature=ff,SignedHeaders=x-amz-date;host,\tCredential=AKID/20261127/us-east-1/ecr/aws4_request';
    expect(parseAuthorizationHeader(compact, true)).toMatchObject({ signature: 'ff', signedHeaders: ['host', 'x-amz-date'] });
  });

  it('names every missing parameter and a missing date, then repeats the header, as AWS does', () => {
    expect(failure('AWS4-HMAC-SHA256', false).message).toBe(
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
        "Authorization header requires 'SignedHeaders' parameter. " +
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256",
    );
    expect(failure('AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1/ecr/aws4_request, SignedHeaders=host').message).toBe(
      "Authorization header requires 'Signature' parameter. " +
        'Authorization=AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1/ecr/aws4_request, SignedHeaders=host',
    );
  });

  it('refuses a piece that is not name=value, quoting it', () => {
    const header = 'AWS4-HMAC-SHA256 Credential= AKID/20261127/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=ab';
    const error = failure(header);
    expect(error.reason).toBe('malformed-authorization');
    expect(error.message).toBe(
      `'AKID/20261127/us-east-1/ecr/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: '${header}'.`,
    );
  });

  it('treats other schemes as a SigV4 header without its parameters', () => {
    expect(failure('Basic dXNlcjpwYXNz').message).toContain("'dXNlcjpwYXNz' not a valid key=value pair");
    expect(failure('eyJhbGciOiJIUzI1NiJ9.e30.sig').message).toMatch(/^Authorization header requires 'Credential' parameter\./);
  });

  it('refuses another algorithm', () => {
    const error = failure(VALID.replace('AWS4-HMAC-SHA256', 'AWS4-ECDSA-P256-SHA256'));
    expect(error.reason).toBe('unsupported-algorithm');
  });

  it('refuses a credential without exactly five elements, in AWS words', () => {
    const error = failure(VALID.replace('AKIDEXAMPLE/20261127', 'AKID/EXAMPLE/20261127'));
    expect(error.reason).toBe('malformed-credential');
    expect(error.message).toBe(
      "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKID/EXAMPLE/20261127/us-east-1/ecr/aws4_request'",
    );
    expect(error.statusCode).toBe(400);
    expect(error.toAwsError().__type).toBe('IncompleteSignatureException');
  });
});

describe('parseSignedHeaders', () => {
  it('lower-cases, sorts and removes duplicates and empty names', () => {
    expect(parseSignedHeaders('X-Amz-Date;host;;Content-Type;host')).toEqual(['content-type', 'host', 'x-amz-date']);
    expect(parseSignedHeaders('')).toEqual([]);
  });
});
