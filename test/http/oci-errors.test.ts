import { describe, expect, it } from 'vitest';
import { OCI_ERRORS, ociErrorBody } from '../../src/http/oci/errors.js';
import { SPEC_ERROR_CODES } from '../helpers/oci-client.js';

describe('OCI error mapping', () => {
  it('answers every domain failure with a code from the spec and a 4xx status', () => {
    for (const [kind, { status, code }] of Object.entries(OCI_ERRORS)) {
      expect(SPEC_ERROR_CODES, kind).toContain(code);
      expect(status, kind).toBeGreaterThanOrEqual(400);
      expect(status, kind).toBeLessThan(500);
    }
  });

  it('maps rate limiting to 429 TOOMANYREQUESTS and authorization failures to 401 and 403', () => {
    expect(OCI_ERRORS.TOO_MANY_REQUESTS).toEqual({ status: 429, code: 'TOOMANYREQUESTS' });
    expect(OCI_ERRORS.UNAUTHORIZED).toEqual({ status: 401, code: 'UNAUTHORIZED' });
    expect(OCI_ERRORS.DENIED).toEqual({ status: 403, code: 'DENIED' });
  });

  it('writes the spec error envelope, with detail only when given', () => {
    expect(JSON.parse(ociErrorBody('BLOB_UNKNOWN'))).toEqual({ errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry' }] });
    expect(JSON.parse(ociErrorBody('DIGEST_INVALID', 'bad', { digest: 'sha256:x' }))).toEqual({
      errors: [{ code: 'DIGEST_INVALID', message: 'bad', detail: { digest: 'sha256:x' } }],
    });
  });
});
