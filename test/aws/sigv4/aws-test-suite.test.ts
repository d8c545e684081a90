import { describe, expect, it } from 'vitest';
import {
  canonicalHeaders,
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  sha256Hex,
} from '../../../src/aws/sigv4/canonical-request.js';
import { createSigV4Verifier, type SignedRequest } from '../../../src/aws/sigv4/index.js';
import { parseSignedHeaders } from '../../../src/aws/sigv4/parse-authorization.js';
import { parseRawQuery } from '../../../src/aws/sigv4/query-string.js';
import { normalizeHeaders } from '../../../src/aws/sigv4/request.js';
import { CASES, SUITE, type SuiteCase } from './aws-test-suite.js';

function receivedRequest(suiteCase: SuiteCase): SignedRequest {
  const question = suiteCase.target.indexOf('?');
  return {
    method: suiteCase.method,
    rawPath: question < 0 ? suiteCase.target : suiteCase.target.slice(0, question),
    rawQuery: question < 0 ? '' : suiteCase.target.slice(question + 1),
    headers: {
      host: 'example.amazonaws.com',
      'x-amz-date': SUITE.amzDate,
      ...suiteCase.headers,
      authorization:
        `AWS4-HMAC-SHA256 Credential=${SUITE.accessKeyId}/20150830/${SUITE.region}/${SUITE.service}/aws4_request, ` +
        `SignedHeaders=${suiteCase.signedHeaders}, Signature=${suiteCase.signature}`,
    },
    body: suiteCase.body === undefined ? undefined : Buffer.from(suiteCase.body),
    now: SUITE.now,
  };
}

const verifier = createSigV4Verifier({
  region: SUITE.region,
  service: SUITE.service,
  lookupAccessKey: async (accessKeyId) =>
    accessKeyId === SUITE.accessKeyId ? { secretAccessKey: SUITE.secretAccessKey } : undefined,
});

describe('the AWS Signature Version 4 test suite', () => {
  it.each(CASES.map((suiteCase) => [suiteCase.name, suiteCase] as const))('%s verifies', async (_name, suiteCase) => {
    await expect(verifier.verify(receivedRequest(suiteCase))).resolves.toMatchObject({ accessKeyId: SUITE.accessKeyId });
  });

  it.each(CASES.filter((c) => c.canonicalRequest !== undefined).map((c) => [c.name, c] as const))(
    '%s has the canonical request AWS builds',
    (_name, suiteCase) => {
      const request = receivedRequest(suiteCase);
      const signedHeaders = parseSignedHeaders(suiteCase.signedHeaders);
      const built = canonicalRequest({
        method: request.method,
        canonicalUri: canonicalUri(request.rawPath),
        canonicalQuery: canonicalQueryString(parseRawQuery(request.rawQuery)),
        canonicalHeaders: canonicalHeaders(normalizeHeaders(request.headers), signedHeaders),
        signedHeaders,
        payloadHash: sha256Hex(suiteCase.body ?? ''),
      });
      expect(built).toBe(suiteCase.canonicalRequest);
    },
  );

  it.each(CASES.map((suiteCase) => [suiteCase.name, suiteCase] as const))('%s fails with one signature bit flipped', async (_name, suiteCase) => {
    const flipped = suiteCase.signature.slice(0, -1) + (suiteCase.signature.endsWith('0') ? '1' : '0');
    await expect(verifier.verify(receivedRequest({ ...suiteCase, signature: flipped }))).rejects.toMatchObject({
      awsType: 'InvalidSignatureException',
      reason: 'signature-mismatch',
    });
  });
});
