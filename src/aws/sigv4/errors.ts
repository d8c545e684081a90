/**
 * Failures of Signature Version 4 verification, named and worded as AWS answers them for
 * the JSON protocol services (ECR among them): the edge answers `{"__type": awsType,
 * "message": message}` with `statusCode`.
 *
 * ECR answers every authentication failure with HTTP 400, unlike REST services behind API
 * Gateway (403): SDK error reports against ecr.<region>.amazonaws.com show
 * `MissingAuthenticationTokenException` (Status Code: 400), `UnrecognizedClientException`
 * (400 Bad Request) and `InvalidSignatureException` (status code: 400).
 *
 * Messages never carry a secret access key or a derived key. Some repeat what the client
 * sent (the Authorization header, the Credential value), as AWS does; an edge that logs
 * failures should log `awsType` and `reason` rather than the message.
 */
export type SigV4ErrorType =
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'InvalidSignatureException'
  | 'UnrecognizedClientException';

/** Why verification failed, for logs, metrics and tests; finer than the AWS exception name. */
export type SigV4FailureReason =
  | 'missing-authentication'
  | 'malformed-authorization'
  | 'unsupported-algorithm'
  | 'malformed-credential'
  | 'malformed-date'
  | 'malformed-expires'
  | 'missing-signed-header'
  | 'unsupported-payload-hash'
  | 'host-not-signed'
  | 'wrong-terminator'
  | 'wrong-service'
  | 'wrong-region'
  | 'scope-date-mismatch'
  | 'signature-expired'
  | 'signature-not-yet-current'
  | 'presigned-url-expired'
  | 'unknown-access-key'
  | 'payload-hash-mismatch'
  | 'unsigned-payload-refused'
  | 'signature-mismatch';

const STATUS_CODES: Record<SigV4ErrorType, number> = {
  MissingAuthenticationTokenException: 400,
  IncompleteSignatureException: 400,
  InvalidSignatureException: 400,
  UnrecognizedClientException: 400,
};

export class SigV4Error extends Error {
  readonly statusCode: number;

  constructor(
    readonly awsType: SigV4ErrorType,
    readonly reason: SigV4FailureReason,
    message: string,
  ) {
    super(message);
    this.name = awsType;
    this.statusCode = STATUS_CODES[awsType];
  }

  /** The AWS JSON protocol error body. */
  toAwsError(): { __type: SigV4ErrorType; message: string } {
    return { __type: this.awsType, message: this.message };
  }
}

/** Neither an Authorization header nor presigned query parameters. */
export class MissingAuthenticationTokenError extends SigV4Error {
  constructor() {
    super('MissingAuthenticationTokenException', 'missing-authentication', 'Missing Authentication Token');
  }
}

/** The signature parts are malformed or incomplete. */
export class IncompleteSignatureError extends SigV4Error {
  constructor(reason: SigV4FailureReason, message: string) {
    super('IncompleteSignatureException', reason, message);
  }
}

/** The signature is well formed but wrong: scope, time window, payload or the signature itself. */
export class InvalidSignatureError extends SigV4Error {
  constructor(reason: SigV4FailureReason, message: string) {
    super('InvalidSignatureException', reason, message);
  }
}

/** No access key with the id the request names. */
export class UnrecognizedClientError extends SigV4Error {
  constructor() {
    super('UnrecognizedClientException', 'unknown-access-key', 'The security token included in the request is invalid.');
  }
}

export const SIGNATURE_MISMATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

export function isSigV4Error(error: unknown, awsType?: SigV4ErrorType): error is SigV4Error {
  return error instanceof SigV4Error && (awsType === undefined || error.awsType === awsType);
}
