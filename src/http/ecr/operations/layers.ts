import { LAYER_DOWNLOAD_PATH, layerDownloadQuery } from '../../layer-download.js';
import type { Operation } from '../operation.js';
import { invalid } from './repositories.js';

const batchCheckLayerAvailability: Operation = async ({ input, registry }) => {
  const { layers, failures } = await registry.layers.availability(input.repositoryName as string, input.layerDigests as string[]);
  return {
    layers: layers.map((layer) => ({ layerDigest: layer.digest, layerAvailability: 'AVAILABLE', layerSize: layer.size })),
    failures: failures.map((failure) => ({ layerDigest: failure.digest, failureCode: failure.code, failureReason: failure.reason })),
  };
};

const initiateLayerUpload: Operation = async ({ input, registry }) => {
  const { uploadId, partSize } = await registry.layers.initiateUpload(input.repositoryName as string);
  return { uploadId, partSize };
};

const uploadLayerPart: Operation = async ({ input, registry }) => {
  const name = input.repositoryName as string;
  const uploadId = input.uploadId as string;
  const bytes = Buffer.from(input.layerPartBlob as string, 'base64');
  const lastByteReceived = await registry.layers.uploadPart(name, uploadId, input.partFirstByte as number, input.partLastByte as number, bytes);
  return { registryId: registry.context.registryId, repositoryName: name, uploadId, lastByteReceived };
};

const completeLayerUpload: Operation = async ({ input, registry }) => {
  const name = input.repositoryName as string;
  const uploadId = input.uploadId as string;
  const digests = input.layerDigests as string[];
  // An upload is one layer: ECR takes exactly one digest here.
  if (digests.length !== 1) throw invalid(`Invalid parameter at 'layerDigests' failed to satisfy constraint: 'Member must have length equal to 1'`);
  const layerDigest = await registry.layers.completeUpload(name, uploadId, digests[0]!);
  return { registryId: registry.context.registryId, repositoryName: name, uploadId, layerDigest };
};

/**
 * GetDownloadUrlForLayer: like ECR's presigned S3 URLs, a URL that serves the layer for an
 * hour to whoever holds it (see src/http/layer-download.ts).
 */
const getDownloadUrlForLayer: Operation = async ({ input, registry, scheme, host }) => {
  const grant = await registry.layers.downloadGrant(input.repositoryName as string, input.layerDigest as string);
  const path = `${LAYER_DOWNLOAD_PATH}/${grant.registryId}/${grant.repositoryName}/${grant.digest}`;
  return { downloadUrl: `${scheme}://${host}${path}?${layerDownloadQuery(grant)}`, layerDigest: grant.digest };
};

export const layerOperations: Record<string, Operation> = {
  BatchCheckLayerAvailability: batchCheckLayerAvailability,
  InitiateLayerUpload: initiateLayerUpload,
  UploadLayerPart: uploadLayerPart,
  CompleteLayerUpload: completeLayerUpload,
  GetDownloadUrlForLayer: getDownloadUrlForLayer,
};
