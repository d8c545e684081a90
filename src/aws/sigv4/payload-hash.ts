/**
 * The payload hash that ends the canonical request: the `x-amz-content-sha256` value the
 * client declared (a hex digest, or `UNSIGNED-PAYLOAD`), else the SHA-256 of the body.
 * A declared digest is checked against the body, because the signature only covers the
 * declared value.
 */
import { EMPTY_BODY_SHA256, UNSIGNED_PAYLOAD, sha256Hex } from './canonical-request.js';
import { IncompleteSignatureError, InvalidSignatureError } from './errors.js';
import { isPayloadDigest, type SignedRequest } from './request.js';

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

function bodySha256(body: SignedRequest['body']): string {
  if (body === undefined) return EMPTY_BODY_SHA256;
  if (isPayloadDigest(body)) return body.sha256.toLowerCase();
  return sha256Hex(body);
}

export function resolvePayloadHash(
  declared: string | undefined,
  body: SignedRequest['body'],
  allowUnsignedPayload: boolean,
): string {
  if (declared === undefined) return bodySha256(body);
  if (declared === UNSIGNED_PAYLOAD) {
    if (!allowUnsignedPayload) {
      throw new InvalidSignatureError(
        'unsigned-payload-refused',
        `'${UNSIGNED_PAYLOAD}' is not accepted here: sign the payload.`,
      );
    }
    return declared;
  }
  if (!HEX_SHA256.test(declared)) {
    throw new IncompleteSignatureError(
      'unsupported-payload-hash',
      `x-amz-content-sha256 must be '${UNSIGNED_PAYLOAD}' or the hex SHA-256 of the payload, got '${declared}'.`,
    );
  }
  if (declared.toLowerCase() !== bodySha256(body)) {
    throw new InvalidSignatureError(
      'payload-hash-mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
  }
  return declared;
}
