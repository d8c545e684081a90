import { RegistryError, type RegistryErrorKind } from '../../registry/errors.js';
import { AwsError } from './errors.js';

/** How domain failures are named in ECR's API (the service model's exception names). */
const ECR_EXCEPTIONS: Partial<Record<RegistryErrorKind, string>> = {
  NAME_UNKNOWN: 'RepositoryNotFoundException',
  NAME_INVALID: 'InvalidParameterException',
  INVALID_PARAMETER: 'InvalidParameterException',
  REPOSITORY_ALREADY_EXISTS: 'RepositoryAlreadyExistsException',
  REPOSITORY_NOT_EMPTY: 'RepositoryNotEmptyException',
  REPOSITORY_POLICY_NOT_FOUND: 'RepositoryPolicyNotFoundException',
  REGISTRY_POLICY_NOT_FOUND: 'RegistryPolicyNotFoundException',
  LIFECYCLE_POLICY_NOT_FOUND: 'LifecyclePolicyNotFoundException',
  LIFECYCLE_PREVIEW_NOT_FOUND: 'LifecyclePolicyPreviewNotFoundException',
  LIFECYCLE_PREVIEW_IN_PROGRESS: 'LifecyclePolicyPreviewInProgressException',
  SCAN_NOT_FOUND: 'ScanNotFoundException',
  SCAN_IMAGE_UNSUPPORTED: 'UnsupportedImageTypeException',
  SCAN_LIMIT_EXCEEDED: 'LimitExceededException',
  SCAN_NOT_ALLOWED: 'ValidationException',
  SCANNING_CONFIGURATION_INVALID: 'ValidationException',
  IMAGE_ALREADY_EXISTS: 'ImageAlreadyExistsException',
  LAYER_ALREADY_EXISTS: 'LayerAlreadyExistsException',
  LAYER_PART_INVALID: 'InvalidLayerPartException',
  UPLOAD_EMPTY: 'EmptyUploadException',
  LAYER_INACCESSIBLE: 'LayerInaccessibleException',
  LAYER_INVALID: 'InvalidLayerException',
  RESOURCE_TAG_INVALID: 'InvalidTagParameterException',
  TOO_MANY_RESOURCE_TAGS: 'TooManyTagsException',
  MANIFEST_UNKNOWN: 'ImageNotFoundException',
  MANIFEST_INVALID: 'InvalidParameterException',
  MANIFEST_TOO_LARGE: 'InvalidParameterException',
  MANIFEST_BLOB_UNKNOWN: 'LayersNotFoundException',
  MANIFEST_REFERENCE_UNKNOWN: 'ReferencedImagesNotFoundException',
  TAG_INVALID: 'InvalidParameterException',
  TAG_IMMUTABLE: 'ImageTagAlreadyExistsException',
  DIGEST_INVALID: 'ImageDigestDoesNotMatchException',
  BLOB_UNKNOWN: 'LayersNotFoundException',
  BLOB_UPLOAD_UNKNOWN: 'UploadNotFoundException',
  BLOB_UPLOAD_INVALID: 'InvalidLayerPartException',
  RANGE_NOT_SATISFIABLE: 'InvalidLayerPartException',
  SIZE_INVALID: 'InvalidLayerException',
};

/** The AWS exception for a domain failure, or undefined for anything else. */
export function ecrOperationError(error: unknown): AwsError | undefined {
  if (!(error instanceof RegistryError)) return undefined;
  const type = ECR_EXCEPTIONS[error.kind];
  if (!type) return undefined;
  // InvalidLayerPartException carries where the upload stands (registryId, uploadId, lastValidByteReceived …).
  const members = error.kind === 'LAYER_PART_INVALID' && typeof error.detail === 'object' && error.detail !== null ? (error.detail as Record<string, unknown>) : {};
  return new AwsError(type, error.message, 400, members);
}
