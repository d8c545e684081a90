import type { RegistryErrorKind } from '../../registry/errors.js';

/** The OCI distribution error codes, with the spec's messages. */
export const OCI_ERROR_MESSAGES = {
  BLOB_UNKNOWN: 'blob unknown to registry',
  BLOB_UPLOAD_INVALID: 'blob upload invalid',
  BLOB_UPLOAD_UNKNOWN: 'blob upload unknown to registry',
  DIGEST_INVALID: 'provided digest did not match uploaded content',
  MANIFEST_BLOB_UNKNOWN: 'manifest references a manifest or blob unknown to registry',
  MANIFEST_INVALID: 'manifest invalid',
  MANIFEST_UNKNOWN: 'manifest unknown to registry',
  NAME_INVALID: 'invalid repository name',
  NAME_UNKNOWN: 'repository name not known to registry',
  SIZE_INVALID: 'provided length did not match content length',
  UNAUTHORIZED: 'authentication required',
  DENIED: 'requested access to the resource is denied',
  UNSUPPORTED: 'the operation is unsupported',
  TOOMANYREQUESTS: 'too many requests',
  PAGINATION_NUMBER_INVALID: 'invalid number of results requested',
} as const;

export type OciErrorCode = keyof typeof OCI_ERROR_MESSAGES;

/** How each domain failure is answered on `/v2/`: status and OCI code. */
export const OCI_ERRORS: Record<RegistryErrorKind, { status: number; code: OciErrorCode }> = {
  BLOB_UNKNOWN: { status: 404, code: 'BLOB_UNKNOWN' },
  BLOB_UPLOAD_INVALID: { status: 400, code: 'BLOB_UPLOAD_INVALID' },
  BLOB_UPLOAD_UNKNOWN: { status: 404, code: 'BLOB_UPLOAD_UNKNOWN' },
  DIGEST_INVALID: { status: 400, code: 'DIGEST_INVALID' },
  MANIFEST_BLOB_UNKNOWN: { status: 400, code: 'MANIFEST_BLOB_UNKNOWN' },
  MANIFEST_INVALID: { status: 400, code: 'MANIFEST_INVALID' },
  MANIFEST_TOO_LARGE: { status: 413, code: 'MANIFEST_INVALID' },
  MANIFEST_UNKNOWN: { status: 404, code: 'MANIFEST_UNKNOWN' },
  // The spec answers a missing child manifest like a missing blob: "manifest references a manifest or blob unknown".
  MANIFEST_REFERENCE_UNKNOWN: { status: 400, code: 'MANIFEST_BLOB_UNKNOWN' },
  MANIFEST_NOT_ACCEPTABLE: { status: 404, code: 'MANIFEST_UNKNOWN' },
  NAME_INVALID: { status: 400, code: 'NAME_INVALID' },
  NAME_UNKNOWN: { status: 404, code: 'NAME_UNKNOWN' },
  RANGE_NOT_SATISFIABLE: { status: 416, code: 'BLOB_UPLOAD_INVALID' },
  SIZE_INVALID: { status: 400, code: 'SIZE_INVALID' },
  TAG_INVALID: { status: 400, code: 'MANIFEST_INVALID' },
  TAG_IMMUTABLE: { status: 400, code: 'MANIFEST_INVALID' },
  // Control-plane failures; a /v2/ request does not meet them, but every kind has an answer.
  REPOSITORY_ALREADY_EXISTS: { status: 400, code: 'UNSUPPORTED' },
  REPOSITORY_NOT_EMPTY: { status: 400, code: 'UNSUPPORTED' },
  REPOSITORY_POLICY_NOT_FOUND: { status: 404, code: 'NAME_UNKNOWN' },
  REGISTRY_POLICY_NOT_FOUND: { status: 404, code: 'NAME_UNKNOWN' },
  LIFECYCLE_POLICY_NOT_FOUND: { status: 404, code: 'NAME_UNKNOWN' },
  LIFECYCLE_PREVIEW_NOT_FOUND: { status: 404, code: 'NAME_UNKNOWN' },
  LIFECYCLE_PREVIEW_IN_PROGRESS: { status: 429, code: 'TOOMANYREQUESTS' },
  SCAN_NOT_FOUND: { status: 404, code: 'MANIFEST_UNKNOWN' },
  SCAN_IMAGE_UNSUPPORTED: { status: 400, code: 'UNSUPPORTED' },
  SCAN_LIMIT_EXCEEDED: { status: 429, code: 'TOOMANYREQUESTS' },
  SCAN_NOT_ALLOWED: { status: 400, code: 'UNSUPPORTED' },
  SCANNING_CONFIGURATION_INVALID: { status: 400, code: 'UNSUPPORTED' },
  IMAGE_ALREADY_EXISTS: { status: 400, code: 'UNSUPPORTED' },
  LAYER_ALREADY_EXISTS: { status: 400, code: 'UNSUPPORTED' },
  LAYER_PART_INVALID: { status: 416, code: 'BLOB_UPLOAD_INVALID' },
  UPLOAD_EMPTY: { status: 400, code: 'BLOB_UPLOAD_INVALID' },
  LAYER_INACCESSIBLE: { status: 404, code: 'BLOB_UNKNOWN' },
  LAYER_INVALID: { status: 400, code: 'DIGEST_INVALID' },
  RESOURCE_TAG_INVALID: { status: 400, code: 'UNSUPPORTED' },
  TOO_MANY_RESOURCE_TAGS: { status: 400, code: 'UNSUPPORTED' },
  INVALID_PARAMETER: { status: 400, code: 'UNSUPPORTED' },
  UNSUPPORTED: { status: 405, code: 'UNSUPPORTED' },
  // The spec spells this code without underscores.
  TOO_MANY_REQUESTS: { status: 429, code: 'TOOMANYREQUESTS' },
  UNAUTHORIZED: { status: 401, code: 'UNAUTHORIZED' },
  DENIED: { status: 403, code: 'DENIED' },
};

export function ociErrorBody(code: OciErrorCode, message?: string, detail?: unknown): string {
  const error: { code: string; message: string; detail?: unknown } = { code, message: message ?? OCI_ERROR_MESSAGES[code] };
  if (detail !== undefined) error.detail = detail;
  return JSON.stringify({ errors: [error] });
}
