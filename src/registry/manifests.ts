import { findLinkedBlobs } from '../storage/meta/blobs.js';
import * as manifestRows from '../storage/meta/manifests.js';
import { deleteTag, listTagNames, putTag } from '../storage/meta/tags.js';
import type { RegistryContext } from './context.js';
import { digestAlgorithm, digestOf, looksLikeDigest, parseDigest, type Digest } from './digest.js';
import { RegistryError } from './errors.js';
import { parseManifest, type Descriptor, type ParsedManifest } from './manifest.js';
import { MediaType } from './media-types.js';
import { assertRepositoryName, assertTag, isValidTag } from './names.js';
import type { PullRecorder } from './pull-recorder.js';
import type { Repositories } from './repositories.js';

export interface StoredManifest {
  digest: Digest;
  mediaType: string;
  content: Uint8Array;
  subjectDigest: string | null;
}

export interface PushedManifest {
  digest: Digest;
  subjectDigest: string | null;
}

/** A reference is either a tag or a digest. */
type Reference = { tag: string } | { digest: Digest };

function parseReference(reference: string): Reference {
  return looksLikeDigest(reference) ? { digest: parseDigest(reference) } : { tag: assertTag(reference) };
}

/** Manifests, tags and referrers of repositories. */
export class Manifests {
  constructor(
    private readonly context: RegistryContext,
    private readonly repositories: Repositories,
    private readonly pulls: PullRecorder,
  ) {}

  /**
   * Stores a manifest under a tag or its digest. Everything it references must already be
   * in the repository; its `subject` need not be (referrers may arrive first).
   */
  async put(name: string, referenceText: string, body: Uint8Array, contentType: string | undefined): Promise<PushedManifest> {
    const reference = parseReference(referenceText);
    if (body.byteLength > this.context.limits.maxManifestBytes) {
      throw new RegistryError('MANIFEST_TOO_LARGE', `manifest of ${body.byteLength} bytes exceeds the limit of ${this.context.limits.maxManifestBytes}`);
    }
    const digest = digestOf(body, 'digest' in reference ? digestAlgorithm(reference.digest) : 'sha256');
    if ('digest' in reference && reference.digest !== digest) {
      throw new RegistryError('DIGEST_INVALID', `manifest digest ${digest} does not match reference ${reference.digest}`, { digest: reference.digest });
    }
    const manifest = parseManifest(body, contentType);
    // A refused push must not create the repository: a new one is created in the transaction that stores the manifest.
    const existing = await this.repositories.find(name);
    const imageSize = await this.checkReferences(existing?.id, manifest);
    const now = this.context.now();
    await this.context.database.db.transaction().execute(async (trx) => {
      const repository = existing ?? (await this.repositories.forPush(name, trx));
      await manifestRows.insertManifest(
        trx,
        {
          repositoryId: repository.id,
          digest,
          mediaType: manifest.mediaType,
          artifactType: manifest.artifactType,
          configMediaType: manifest.configMediaType,
          subjectDigest: manifest.subject?.digest ?? null,
          size: body.byteLength,
          imageSize,
          content: body,
          pushedAt: now,
          lastPulledAt: null,
        },
        [
          ...manifest.requiredBlobs.map((d) => ({ digest: d.digest, kind: 'blob' as const })),
          ...manifest.requiredManifests.map((d) => ({ digest: d.digest, kind: 'manifest' as const })),
        ],
      );
      if ('tag' in reference) await putTag(trx, repository.id, reference.tag, digest, now);
    });
    return { digest, subjectDigest: manifest.subject?.digest ?? null };
  }

  /**
   * Verifies that referenced blobs and manifests exist; resolves to the image size. A
   * repository that does not exist yet (`repositoryId` undefined) holds nothing.
   */
  private async checkReferences(repositoryId: number | undefined, manifest: ParsedManifest): Promise<number> {
    const db = this.context.database.db;
    const blobs = repositoryId === undefined ? new Map<string, { size: number }>() : await findLinkedBlobs(db, repositoryId, unique(manifest.requiredBlobs));
    for (const descriptor of manifest.requiredBlobs) {
      const blob = blobs.get(descriptor.digest);
      if (!blob) {
        throw new RegistryError('MANIFEST_BLOB_UNKNOWN', `blob ${descriptor.digest} is not in the repository`, { digest: descriptor.digest });
      }
      if (blob.size !== descriptor.size) {
        throw new RegistryError('MANIFEST_INVALID', `descriptor of ${descriptor.digest} says ${descriptor.size} bytes, the blob has ${blob.size}`);
      }
    }
    if (manifest.kind === 'image') return manifest.layerBytes;
    let imageSize = 0;
    for (const descriptor of manifest.requiredManifests) {
      const child = repositoryId === undefined ? undefined : await manifestRows.findManifestSummary(db, repositoryId, descriptor.digest);
      if (!child) {
        throw new RegistryError('MANIFEST_REFERENCE_UNKNOWN', `manifest ${descriptor.digest} is not in the repository`, { digest: descriptor.digest });
      }
      imageSize += child.imageSize;
    }
    return imageSize;
  }

  /** The manifest a tag or digest names. `recordPull` marks it pulled (GET, not HEAD). */
  async get(name: string, referenceText: string, options: { recordPull: boolean }): Promise<StoredManifest> {
    // A tag no push could have created names no manifest: unknown (404) rather than invalid.
    const reference = looksLikeDigest(referenceText) || isValidTag(referenceText) ? parseReference(referenceText) : undefined;
    assertRepositoryName(name);
    const found = reference && (await manifestRows.findManifestByName(this.context.database.db, this.context.registryId, name, reference));
    if (!found) {
      await this.repositories.get(name); // NAME_UNKNOWN when the repository itself is missing
      throw new RegistryError('MANIFEST_UNKNOWN', `manifest ${referenceText} unknown to repository ${name}`);
    }
    if (options.recordPull) this.pulls.record(found.repositoryId, found.digest);
    return { digest: found.digest as Digest, mediaType: found.mediaType, content: found.content, subjectDigest: found.subjectDigest };
  }

  /** Deletes a manifest (by digest, with its tags) or only a tag. */
  async delete(name: string, referenceText: string): Promise<void> {
    const reference = parseReference(referenceText);
    const repository = await this.repositories.get(name);
    const db = this.context.database.db;
    const deleted =
      'digest' in reference
        ? await manifestRows.deleteManifest(db, repository.id, reference.digest)
        : await deleteTag(db, repository.id, reference.tag);
    if (!deleted) throw new RegistryError('MANIFEST_UNKNOWN', `manifest ${referenceText} unknown to repository ${name}`);
  }

  /** Tags in byte order after `last`; `hasMore` says whether a next page exists. */
  async listTags(name: string, options: { last?: string; limit: number }): Promise<{ tags: string[]; hasMore: boolean }> {
    const repository = await this.repositories.get(name);
    if (options.limit === 0) return { tags: [], hasMore: false };
    const tags = await listTagNames(this.context.database.db, repository.id, { last: options.last, limit: options.limit + 1 });
    return { tags: tags.slice(0, options.limit), hasMore: tags.length > options.limit };
  }

  /** Descriptors of the manifests whose subject is `digest`, optionally of one artifact type. */
  async listReferrers(name: string, digestText: string, artifactType?: string): Promise<Descriptor[]> {
    const digest = parseDigest(digestText);
    // The spec forbids 404 here (clients take it to mean "no referrers API"): a repository
    // that does not exist yet simply has no referrers.
    const repository = await this.repositories.find(name);
    if (!repository) return [];
    const rows = await manifestRows.listReferrers(this.context.database.db, repository.id, digest);
    const descriptors = rows.map((row): Descriptor => {
      const descriptor: Descriptor = {
        mediaType: row.mediaType,
        digest: row.digest as Digest,
        size: row.size,
        artifactType: row.artifactType ?? row.configMediaType ?? undefined,
      };
      const annotations = annotationsOf(row.content);
      if (annotations) descriptor.annotations = annotations;
      return descriptor;
    });
    return artifactType === undefined ? descriptors : descriptors.filter((d) => d.artifactType === artifactType);
  }
}

function unique(descriptors: Descriptor[]): string[] {
  return [...new Set(descriptors.map((descriptor) => descriptor.digest))];
}

function annotationsOf(content: Uint8Array): Record<string, string> | undefined {
  try {
    const document = JSON.parse(Buffer.from(content).toString('utf8')) as { annotations?: Record<string, string> };
    return document.annotations && Object.keys(document.annotations).length > 0 ? document.annotations : undefined;
  } catch {
    return undefined;
  }
}

export { MediaType };
