import type { ImageDetails, ImageId, TagStatus } from '../../../registry/images.js';
import type { ScanRecord } from '../../../storage/meta/scans.js';
import { scanStatusShape, scanSummaryShape } from './scanning.js';
import { AwsError } from '../errors.js';
import type { Operation, OperationContext } from '../operation.js';
import { decodeNextToken, page } from '../pagination.js';
import { invalid } from './repositories.js';

type Input = Record<string, unknown>;

/** ListImages and DescribeImages answer up to 100 results unless told otherwise; ListImageReferrers up to 50. */
const DEFAULT_PAGE_SIZE = 100;
const DEFAULT_REFERRERS_PAGE_SIZE = 50;

/** Stowage keeps no archived images: filters for archived (or activating) ones match nothing. */
function onlyArchived(status: unknown): boolean {
  return status === 'ARCHIVED' || status === 'ACTIVATING';
}

function tagStatusOf(input: Input): TagStatus {
  return ((input.filter as { tagStatus?: TagStatus } | undefined)?.tagStatus ?? 'ANY') as TagStatus;
}

function imageIdsOf(input: Input): ImageId[] {
  return ((input.imageIds as ImageId[] | undefined) ?? []).map((id) => {
    const imageId: ImageId = {};
    if (id.imageDigest !== undefined) imageId.imageDigest = id.imageDigest;
    if (id.imageTag !== undefined) imageId.imageTag = id.imageTag;
    return imageId;
  });
}

/** ListImages pages by (digest, tag); the token carries both. */
function decodeImagePosition(token: unknown): { digest: string; tag: string } | undefined {
  const position = decodeNextToken(token);
  if (position === undefined) return undefined;
  try {
    const [digest, tag] = JSON.parse(position) as unknown[];
    if (typeof digest === 'string' && typeof tag === 'string') return { digest, tag };
  } catch {
    // answered below
  }
  throw new AwsError('InvalidParameterException', "Invalid parameter at 'nextToken' failed to satisfy constraint: 'The token is not valid'");
}

const listImages: Operation = async ({ input, registry }) => {
  const name = input.repositoryName as string;
  const limit = (input.maxResults as number | undefined) ?? DEFAULT_PAGE_SIZE;
  const after = decodeImagePosition(input.nextToken);
  if (onlyArchived((input.filter as { imageStatus?: string } | undefined)?.imageStatus)) {
    await registry.repositories.details(name);
    return { imageIds: [] };
  }
  const rows = await registry.images.listIds(name, { tagStatus: tagStatusOf(input), after, limit: limit + 1 });
  const { items, nextToken } = page(rows, limit, (row) => JSON.stringify([row.digest, row.tag ?? '']));
  return {
    imageIds: items.map((row) => (row.tag === null ? { imageDigest: row.digest } : { imageDigest: row.digest, imageTag: row.tag })),
    ...(nextToken ? { nextToken } : {}),
  };
};

/** ECR's `ImageDetail` shape, with the image's scan where it has one. */
function imageDetailShape(context: OperationContext, image: ImageDetails, scan?: ScanRecord): Record<string, unknown> {
  const shape: Record<string, unknown> = {
    registryId: context.registry.context.registryId,
    repositoryName: context.input.repositoryName,
    imageDigest: image.digest,
  };
  if (image.tags.length > 0) shape.imageTags = image.tags;
  shape.imageSizeInBytes = image.imageSize;
  shape.imagePushedAt = new Date(image.pushedAt);
  shape.imageManifestMediaType = image.mediaType;
  const artifactMediaType = image.artifactType ?? image.configMediaType;
  if (artifactMediaType) shape.artifactMediaType = artifactMediaType;
  if (image.lastPulledAt !== null) shape.lastRecordedPullTime = new Date(image.lastPulledAt);
  if (image.subjectDigest) shape.subjectManifestDigest = image.subjectDigest;
  if (scan) {
    shape.imageScanStatus = scanStatusShape(scan);
    const summary = scanSummaryShape(scan);
    if (summary) shape.imageScanFindingsSummary = summary;
  }
  shape.imageStatus = 'ACTIVE';
  return shape;
}

/** The shapes of images, each with its scan. */
async function imageDetailShapes(context: OperationContext, images: ImageDetails[]): Promise<Record<string, unknown>[]> {
  const scans = await context.registry.scans.scansOf(context.input.repositoryName as string, images.map((image) => image.digest));
  return images.map((image) => imageDetailShape(context, image, scans.get(image.digest)));
}

const describeImages: Operation = async (context) => {
  const { input, registry } = context;
  const name = input.repositoryName as string;
  if (input.imageIds !== undefined) {
    if (input.maxResults !== undefined || input.nextToken !== undefined) {
      throw invalid('maxResults and nextToken cannot be used together with imageIds');
    }
    const images = await registry.images.describeIds(name, imageIdsOf(input));
    return { imageDetails: await imageDetailShapes(context, images) };
  }
  const limit = (input.maxResults as number | undefined) ?? DEFAULT_PAGE_SIZE;
  const after = decodeNextToken(input.nextToken);
  if (onlyArchived((input.filter as { imageStatus?: string } | undefined)?.imageStatus)) {
    await registry.repositories.details(name);
    return { imageDetails: [] };
  }
  const rows = await registry.images.describe(name, { tagStatus: tagStatusOf(input), after, limit: limit + 1 });
  const { items, nextToken } = page(rows, limit, (image) => image.digest);
  return { imageDetails: await imageDetailShapes(context, items), ...(nextToken ? { nextToken } : {}) };
};

const batchGetImage: Operation = async ({ input, registry }) => {
  const name = input.repositoryName as string;
  const { images, failures } = await registry.images.batchGet(name, imageIdsOf(input), input.acceptedMediaTypes as string[] | undefined);
  return {
    images: images.map((image) => ({
      registryId: registry.context.registryId,
      repositoryName: name,
      imageId: image.imageId,
      imageManifest: image.manifest,
      imageManifestMediaType: image.mediaType,
    })),
    failures,
  };
};

const batchDeleteImage: Operation = async ({ input, registry }) => {
  const { deleted, failures } = await registry.images.batchDelete(input.repositoryName as string, imageIdsOf(input));
  return { imageIds: deleted, failures };
};

const putImage: Operation = async ({ input, registry }) => {
  const name = input.repositoryName as string;
  const manifest = input.imageManifest as string;
  const pushed = await registry.images.put(name, {
    manifest,
    mediaType: input.imageManifestMediaType as string | undefined,
    tag: input.imageTag as string | undefined,
    digest: input.imageDigest as string | undefined,
  });
  return {
    image: {
      registryId: registry.context.registryId,
      repositoryName: name,
      imageId: pushed.tag === undefined ? { imageDigest: pushed.digest } : { imageDigest: pushed.digest, imageTag: pushed.tag },
      imageManifest: manifest,
      imageManifestMediaType: pushed.mediaType,
    },
  };
};

const listImageReferrers: Operation = async ({ input, registry }) => {
  const name = input.repositoryName as string;
  const filter = input.filter as { artifactTypes?: string[]; artifactStatus?: string } | undefined;
  const limit = (input.maxResults as number | undefined) ?? DEFAULT_REFERRERS_PAGE_SIZE;
  const after = decodeNextToken(input.nextToken);
  const subject = (input.subjectId as { imageDigest: string }).imageDigest;
  if (onlyArchived(filter?.artifactStatus)) {
    await registry.repositories.details(name);
    return { referrers: [] };
  }
  const referrers = await registry.images.referrers(name, subject, { artifactTypes: filter?.artifactTypes, after, limit: limit + 1 });
  const { items, nextToken } = page(referrers, limit, (referrer) => referrer.digest);
  return {
    referrers: items.map((referrer) => {
      const shape: Record<string, unknown> = { digest: referrer.digest, mediaType: referrer.mediaType };
      if (referrer.artifactType) shape.artifactType = referrer.artifactType;
      shape.size = referrer.size;
      if (referrer.annotations) shape.annotations = referrer.annotations;
      shape.artifactStatus = 'ACTIVE';
      return shape;
    }),
    ...(nextToken ? { nextToken } : {}),
  };
};

export const imageOperations: Record<string, Operation> = {
  ListImages: listImages,
  DescribeImages: describeImages,
  BatchGetImage: batchGetImage,
  BatchDeleteImage: batchDeleteImage,
  PutImage: putImage,
  ListImageReferrers: listImageReferrers,
};
