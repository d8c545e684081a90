import { Buffer } from 'node:buffer';
import {
  digestsOfTags,
  findImageSummaries,
  findManifestContents,
  indexesListing,
  listImageIds,
  listImageSummaries,
  tagsOfManifests,
  type ImageIdRow,
  type TagStatus,
} from '../storage/meta/images.js';
import type { ManifestSummary } from '../storage/meta/manifests.js';
import { deleteManifest } from '../storage/meta/manifests.js';
import type { Queryable } from '../storage/meta/schema.js';
import { deleteTag } from '../storage/meta/tags.js';
import type { RegistryContext } from './context.js';
import { digestOf, parseDigest, type Digest } from './digest.js';
import { isRegistryError, RegistryError } from './errors.js';
import type { Descriptor } from './manifest.js';
import type { Manifests } from './manifests.js';
import type { PullRecorder } from './pull-recorder.js';
import type { Repositories } from './repositories.js';

export type { ImageIdRow, TagStatus };

/** An image as a client names it: by tag, by digest, or both (they must then agree). */
export interface ImageId {
  imageDigest?: string;
  imageTag?: string;
}

export type ImageFailureCode =
  | 'InvalidImageDigest'
  | 'ImageTagDoesNotMatchDigest'
  | 'ImageNotFound'
  | 'MissingDigestAndTag'
  | 'ImageReferencedByManifestList'
  | 'UnsupportedImageType';

/** Why one image of a batch was not served or deleted; the others go ahead. */
export interface ImageFailure {
  imageId: ImageId;
  failureCode: ImageFailureCode;
  failureReason: string;
}

/** What DescribeImages reports of an image. */
export interface ImageDetails extends ManifestSummary {
  tags: string[];
}

/** A manifest as BatchGetImage serves it: the stored text, under the id it was found by. */
export interface RetrievedImage {
  imageId: { imageDigest: string; imageTag?: string };
  mediaType: string;
  manifest: string;
}

/** What PutImage stored. */
export interface PutImageResult {
  digest: Digest;
  tag?: string;
  mediaType: string;
}

/** ECR's digest syntax in image ids; a digest outside it is InvalidImageDigest. */
const IMAGE_DIGEST_SYNTAX = /^[a-zA-Z0-9_+.-]+:[a-fA-F0-9]+$/;

type Resolution = { id: ImageId; digest: string; tag?: string } | { id: ImageId; failure: ImageFailure };

/**
 * Images as ECR's control plane sees them: the manifests of a repository with their tags.
 * Listing, describing, batch retrieval and deletion, and PutImage (the same domain call as a
 * manifest PUT on `/v2/`).
 */
export class Images {
  constructor(
    private readonly context: RegistryContext,
    private readonly repositories: Repositories,
    private readonly manifests: Manifests,
    private readonly pulls: PullRecorder,
  ) {}

  /** One id per tag, and one per untagged manifest, in (digest, tag) order after `after`. */
  async listIds(name: string, options: { tagStatus: TagStatus; after?: { digest: string; tag: string }; limit: number }): Promise<ImageIdRow[]> {
    const repository = await this.repositories.details(name);
    return listImageIds(this.context.database.db, repository.id, options);
  }

  /** Images in digest order after `after`, with their tags. */
  async describe(name: string, options: { tagStatus: TagStatus; after?: string; limit: number }): Promise<ImageDetails[]> {
    const repository = await this.repositories.details(name);
    const db = this.context.database.db;
    const summaries = await listImageSummaries(db, repository.id, options);
    const tags = await tagsOfManifests(db, repository.id, summaries.map((summary) => summary.digest));
    return summaries.map((summary) => ({ ...summary, tags: tags.get(summary.digest) ?? [] }));
  }

  /** The named images, each once; an id that names no image fails the whole call (MANIFEST_UNKNOWN). */
  async describeIds(name: string, ids: ImageId[]): Promise<ImageDetails[]> {
    const repository = await this.repositories.details(name);
    const db = this.context.database.db;
    const resolutions = await this.resolve(db, repository.id, ids);
    for (const resolution of resolutions) {
      if (!('failure' in resolution)) continue;
      const { failureCode, failureReason } = resolution.failure;
      if (failureCode === 'MissingDigestAndTag' || failureCode === 'InvalidImageDigest') throw new RegistryError('INVALID_PARAMETER', failureReason);
      throw this.imageNotFound(name, resolution.id);
    }
    const digests = unique(resolutions.map((resolution) => (resolution as { digest: string }).digest));
    const summaries = await findImageSummaries(db, repository.id, digests);
    const tags = await tagsOfManifests(db, repository.id, digests);
    return digests.map((digest) => {
      const summary = summaries.get(digest);
      if (!summary) throw this.imageNotFound(name, { imageDigest: digest });
      return { ...summary, tags: tags.get(digest) ?? [] };
    });
  }

  /**
   * The manifests the ids name, as stored. A digest names the image under each of its tags.
   * `acceptedMediaTypes`, when given, limits the manifest types served. Each image served
   * counts as a pull.
   */
  async batchGet(name: string, ids: ImageId[], acceptedMediaTypes?: string[]): Promise<{ images: RetrievedImage[]; failures: ImageFailure[] }> {
    const repository = await this.repositories.details(name);
    const db = this.context.database.db;
    const resolutions = await this.resolve(db, repository.id, ids);
    const resolved = resolutions.filter((resolution): resolution is Extract<Resolution, { digest: string }> => 'digest' in resolution);
    const digests = unique(resolved.map((resolution) => resolution.digest));
    const contents = await findManifestContents(db, repository.id, digests);
    const tags = await tagsOfManifests(db, repository.id, unique(resolved.filter((resolution) => !resolution.tag).map((resolution) => resolution.digest)));
    const images: RetrievedImage[] = [];
    const failures: ImageFailure[] = [];
    const served = new Set<string>();
    for (const resolution of resolutions) {
      if ('failure' in resolution) {
        failures.push(resolution.failure);
        continue;
      }
      const stored = contents.get(resolution.digest);
      if (!stored) {
        failures.push(notFound(resolution.id));
        continue;
      }
      if (acceptedMediaTypes && !acceptedMediaTypes.includes(stored.mediaType)) {
        failures.push({
          imageId: resolution.id,
          failureCode: 'UnsupportedImageType',
          failureReason: `The image manifest media type '${stored.mediaType}' is not one of the accepted media types`,
        });
        continue;
      }
      const names = resolution.tag ? [resolution.tag] : (tags.get(resolution.digest) ?? [undefined]);
      for (const tag of names) {
        const key = `${resolution.digest} ${tag ?? ''}`;
        if (served.has(key)) continue;
        served.add(key);
        images.push({
          imageId: tag === undefined ? { imageDigest: resolution.digest } : { imageDigest: resolution.digest, imageTag: tag },
          mediaType: stored.mediaType,
          manifest: Buffer.from(stored.content).toString('utf8'),
        });
      }
      this.pulls.record(repository.id, resolution.digest);
    }
    return { images, failures };
  }

  /**
   * Deletes images and tags in one transaction. A tag id removes the tag, and the image with
   * it when that was its last tag (unless an index still lists the image); a digest id removes
   * the image with all its tags, unless an index that stays lists it. All ids are resolved
   * against the repository as it was before the call, so two ids of one image delete it once.
   */
  async batchDelete(name: string, ids: ImageId[]): Promise<{ deleted: { imageDigest: string; imageTag?: string }[]; failures: ImageFailure[] }> {
    const repository = await this.repositories.details(name);
    return this.context.database.db.transaction().execute(async (trx) => {
      const resolutions = await this.resolve(trx, repository.id, ids);
      const failures: ImageFailure[] = [];
      const byDigest = new Set<string>();
      for (const resolution of resolutions) if ('digest' in resolution && !resolution.tag) byDigest.add(resolution.digest);
      const blocked = await this.listedByRemainingIndexes(trx, repository.id, byDigest);
      const tagsBefore = await tagsOfManifests(trx, repository.id, [...byDigest]);
      const deleted: { imageDigest: string; imageTag?: string }[] = [];
      const reported = new Set<string>();
      const report = (digest: string, tag?: string) => {
        const key = `${digest} ${tag ?? ''}`;
        if (reported.has(key)) return;
        reported.add(key);
        deleted.push(tag === undefined ? { imageDigest: digest } : { imageDigest: digest, imageTag: tag });
      };
      const untagged = new Set<string>();
      const deletedManifests = new Set<string>();
      for (const resolution of resolutions) {
        if ('failure' in resolution) {
          failures.push(resolution.failure);
        } else if (!resolution.tag) {
          const indexes = blocked.get(resolution.digest);
          if (indexes) {
            failures.push({
              imageId: resolution.id,
              failureCode: 'ImageReferencedByManifestList',
              failureReason: `Requested image referenced by manifest list: [${indexes.join(', ')}]`,
            });
            continue;
          }
          if (deletedManifests.has(resolution.digest)) continue;
          deletedManifests.add(resolution.digest);
          await deleteManifest(trx, repository.id, resolution.digest);
          const tags = tagsBefore.get(resolution.digest);
          if (tags) for (const tag of tags) report(resolution.digest, tag);
          else report(resolution.digest);
        } else if (byDigest.has(resolution.digest) && !blocked.has(resolution.digest)) {
          // Deleted with the whole image by another id of this call.
          report(resolution.digest, resolution.tag);
        } else {
          await deleteTag(trx, repository.id, resolution.tag);
          report(resolution.digest, resolution.tag);
          untagged.add(resolution.digest);
        }
      }
      // An image whose last tag went goes with it, as in ECR, unless an index still lists it.
      const candidates = [...untagged].filter((digest) => !byDigest.has(digest) || blocked.has(digest));
      const remainingTags = await tagsOfManifests(trx, repository.id, candidates);
      const listed = await indexesListing(trx, repository.id, candidates);
      for (const digest of candidates) {
        if (!remainingTags.has(digest) && !listed.has(digest)) await deleteManifest(trx, repository.id, digest);
      }
      return { deleted, failures };
    });
  }

  /**
   * Stores a manifest as PutImage does: under `tag` when given, else by its digest. With both
   * a tag and `digest`, the manifest must have that digest. Pushing exactly what is there
   * already (the same manifest under the same tag) is IMAGE_ALREADY_EXISTS. Unlike a push on
   * `/v2/` (see `createOnPush`), PutImage never creates the repository, as in ECR.
   */
  async put(name: string, image: { manifest: string; mediaType?: string; tag?: string; digest?: string }): Promise<PutImageResult> {
    await this.repositories.details(name);
    const body = Buffer.from(image.manifest, 'utf8');
    let expected: Digest | undefined;
    if (image.digest !== undefined) {
      try {
        expected = parseDigest(image.digest);
      } catch (error) {
        if (isRegistryError(error)) throw new RegistryError('INVALID_PARAMETER', `Invalid parameter at 'imageDigest': ${error.message}`);
        throw error;
      }
    }
    const reference = image.tag ?? expected ?? digestOf(body);
    const pushed = await this.manifests.put(name, reference, body, image.mediaType, { expectedDigest: image.tag ? expected : undefined });
    if (pushed.unchanged) {
      throw new RegistryError(
        'IMAGE_ALREADY_EXISTS',
        `Image with digest '${pushed.digest}' and tag '${image.tag ?? 'null'}' already exists in the repository with name '${name}' in registry with id '${this.context.registryId}'`,
      );
    }
    return { digest: pushed.digest, tag: image.tag, mediaType: pushed.mediaType };
  }

  /** The referrers of `subjectDigest` (manifests whose `subject` it is), optionally of some artifact types, in digest order after `after`. */
  async referrers(name: string, subjectDigest: string, options: { artifactTypes?: string[]; after?: string; limit: number }): Promise<Descriptor[]> {
    await this.repositories.details(name);
    let subject: Digest;
    try {
      subject = parseDigest(subjectDigest);
    } catch (error) {
      if (isRegistryError(error)) throw new RegistryError('INVALID_PARAMETER', `Invalid parameter at 'subjectId.imageDigest': ${error.message}`);
      throw error;
    }
    const all = await this.manifests.listReferrers(name, subject);
    const types = options.artifactTypes && options.artifactTypes.length > 0 ? new Set(options.artifactTypes) : undefined;
    return all
      .filter((descriptor) => !types || (descriptor.artifactType !== undefined && types.has(descriptor.artifactType)))
      .filter((descriptor) => options.after === undefined || descriptor.digest > options.after)
      .slice(0, options.limit);
  }

  /** Resolves each id against the repository; ids that cannot be served become failures. */
  private async resolve(db: Queryable, repositoryId: number, ids: ImageId[]): Promise<Resolution[]> {
    const tags = unique(ids.flatMap((id) => (id.imageTag ? [id.imageTag] : [])));
    const digestsOnly = unique(ids.flatMap((id) => (!id.imageTag && id.imageDigest ? [id.imageDigest] : [])));
    const tagged = await digestsOfTags(db, repositoryId, tags);
    const existing = await findImageSummaries(db, repositoryId, digestsOnly);
    return ids.map((id): Resolution => {
      const { imageDigest, imageTag } = id;
      if (!imageDigest && !imageTag) {
        return { id, failure: { imageId: id, failureCode: 'MissingDigestAndTag', failureReason: 'Invalid request parameters: both tag and digest cannot be null' } };
      }
      if (imageDigest && !IMAGE_DIGEST_SYNTAX.test(imageDigest)) {
        return {
          id,
          failure: {
            imageId: id,
            failureCode: 'InvalidImageDigest',
            failureReason: "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'",
          },
        };
      }
      if (imageTag) {
        const target = tagged.get(imageTag);
        if (!target) return { id, failure: notFound(id) };
        if (imageDigest && imageDigest !== target) {
          return {
            id,
            failure: { imageId: id, failureCode: 'ImageTagDoesNotMatchDigest', failureReason: 'Invalid request parameters: given tag does not map to the given digest' },
          };
        }
        return { id, digest: target, tag: imageTag };
      }
      return existing.has(imageDigest!) ? { id, digest: imageDigest! } : { id, failure: notFound(id) };
    });
  }

  /**
   * Of the images to delete by digest, those an index lists that is not itself deleted, with
   * the indexes listing them. Deleting an index frees its children, so the set is narrowed
   * until no image in it is listed by a blocked one.
   */
  private async listedByRemainingIndexes(db: Queryable, repositoryId: number, digests: Set<string>): Promise<Map<string, string[]>> {
    const listing = await indexesListing(db, repositoryId, [...digests]);
    const deleting = new Set(digests);
    const blocked = new Map<string, string[]>();
    let changed = true;
    while (changed) {
      changed = false;
      for (const [digest, indexes] of listing) {
        if (blocked.has(digest)) continue;
        const remaining = indexes.filter((index) => !deleting.has(index));
        if (remaining.length > 0) {
          blocked.set(digest, remaining);
          deleting.delete(digest);
          changed = true;
        }
      }
    }
    return blocked;
  }

  private imageNotFound(name: string, id: ImageId): RegistryError {
    return new RegistryError(
      'MANIFEST_UNKNOWN',
      `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${name}' in the registry with id '${this.context.registryId}'`,
    );
  }
}

function notFound(id: ImageId): ImageFailure {
  return { imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' };
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
