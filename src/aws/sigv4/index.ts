export {
  createSigV4Verifier,
  type AccessKeyLookup,
  type AccessKeyLookupContext,
  type AccessKeySecret,
  type SigV4Verifier,
  type SigV4VerifierOptions,
  type VerifiedRequest,
} from './verify.js';
export {
  IncompleteSignatureError,
  InvalidSignatureError,
  MissingAuthenticationTokenError,
  SigV4Error,
  UnrecognizedClientError,
  isSigV4Error,
  type SigV4ErrorType,
  type SigV4FailureReason,
} from './errors.js';
export { headersFromRawHeaders, type PayloadDigest, type RequestHeaders, type SignedRequest } from './request.js';
export type { Credential } from './credential-scope.js';
