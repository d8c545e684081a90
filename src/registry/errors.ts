/**
 * Failures of the registry domain. Each kind is one distinct failure; the HTTP edges map
 * the kind to their protocol's error (OCI error codes, AWS exception names).
 * The kinds reuse the OCI distribution error code names because the data plane is where
 * they were defined; the domain itself knows nothing of HTTP.
 */
export type RegistryErrorKind =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_TOO_LARGE'
  | 'MANIFEST_UNKNOWN'
  | 'MANIFEST_REFERENCE_UNKNOWN'
  | 'MANIFEST_NOT_ACCEPTABLE'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'RANGE_NOT_SATISFIABLE'
  | 'SIZE_INVALID'
  | 'TAG_INVALID'
  | 'TAG_IMMUTABLE'
  | 'REPOSITORY_ALREADY_EXISTS'
  | 'REPOSITORY_NOT_EMPTY'
  | 'REPOSITORY_POLICY_NOT_FOUND'
  | 'REGISTRY_POLICY_NOT_FOUND'
  | 'LIFECYCLE_POLICY_NOT_FOUND'
  | 'LIFECYCLE_PREVIEW_NOT_FOUND'
  | 'LIFECYCLE_PREVIEW_IN_PROGRESS'
  | 'SCAN_NOT_FOUND'
  | 'SCAN_IMAGE_UNSUPPORTED'
  | 'SCAN_LIMIT_EXCEEDED'
  | 'SCAN_NOT_ALLOWED'
  | 'SCANNING_CONFIGURATION_INVALID'
  | 'IMAGE_ALREADY_EXISTS'
  | 'LAYER_ALREADY_EXISTS'
  | 'LAYER_PART_INVALID'
  | 'UPLOAD_EMPTY'
  | 'LAYER_INACCESSIBLE'
  | 'LAYER_INVALID'
  | 'RESOURCE_TAG_INVALID'
  | 'TOO_MANY_RESOURCE_TAGS'
  | 'INVALID_PARAMETER'
  | 'UNSUPPORTED'
  | 'TOO_MANY_REQUESTS'
  | 'UNAUTHORIZED'
  | 'DENIED';

export class RegistryError extends Error {
  constructor(
    readonly kind: RegistryErrorKind,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

export function isRegistryError(error: unknown, kind?: RegistryErrorKind): error is RegistryError {
  return error instanceof RegistryError && (kind === undefined || error.kind === kind);
}
