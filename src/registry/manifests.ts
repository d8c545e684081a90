import { findLinkedBlobs } from '../storage/meta/blobs.js';
import * as manifestRows from '../storage/meta/manifests.js';
import { findRepositoryDetails, type RepositoryRow } from '../storage/meta/repositories.js';
import { deleteTag, findTagDigest, listTagNames, putTag, putTagUnlessMoved } from '../storage/meta/tags.js';
import type { Queryable } from '../storage/meta/schema.js';
import type { RegistryContext } from './context.js';
import { digestAlgorithm, digestOf, looksLikeDigest, parseDigest, type Digest } from './digest.js';
import { RegistryError } from './errors.js';
import { parseManifest, type Descriptor, type ParsedManifest } from './manifest.js';
import { MediaType } from './media-types.js';
import { assertRepositoryName, assertTag, isValidTag } from './names.js';
import type { PullRecorder } from './pull-recorder.js';
import type { Repositories } from './repositories.js';
import { isTagImmutable, type RepositorySettings } from './repository-settings.js';

export interface StoredManifest {
  digest: Digest;
  mediaType: string;
  content: Uint8Array;
  subjectDigest: string | null;
}

export interface PushedManifest {
  digest: Digest;
  mediaType: string;
  subjectDigest: string | null;
  /** The manifest was stored already, and (when pushed under a tag) the tag pointed at it already. */
  unchanged: boolean;
}

export interface PutOptions {
  /** The digest the client says the manifest has (ECR PutImage's imageDigest beside a tag). */
  expectedDigest?: Digest;
}

/** A reference is either a tag or a digest. */
type Reference = { tag: string } | { digest: Digest };

function parseReference(reference: string): Reference {
  return looksLikeDigest(reference) ? { digest: parseDigest(reference) } : { tag: assertTag(reference) };
}

/**
 * Called in the transaction that stores a new manifest; resolves to whether it queued work
 * (a scan on push) to be announced once the push has committed.
 */
export type ManifestStoredHook = (trx: Queryable, repository: RepositoryRow, digest: Digest, manifest: ParsedManifest) => Promise<boolean>;

/** Manifests, tags and referrers of repositories. */
export class Manifests {
  /** Set by the registry: scanning on push. */
  onStored: ManifestStoredHook | undefined;
  /** Set by the registry: runs after a push whose hook queued work has committed. */
  afterStored: (() => void) | undefined;

  constructor(
    private readonly context: RegistryContext,
    private readonly repositories: Repositories,
    private readonly pulls: PullRecorder,
  ) {}

  /**
   * Stores a manifest under a tag or its digest. Everything it references must already be
   * in the repository; its `subject` need not be (referrers may arrive first). A tag that
   * the repository's settings make immutable is never moved to another manifest; pushing
   * the manifest it already names again is allowed.
   */
  async put(name: string, referenceText: string, body: Uint8Array, contentType: string | undefined, options: PutOptions = {}): Promise<PushedManifest> {
    const reference = parseReference(referenceText);
    if (body.byteLength > this.context.limits.maxManifestBytes) {
      throw new RegistryError('MANIFEST_TOO_LARGE', `manifest of ${body.byteLength} bytes exceeds the limit of ${this.context.limits.maxManifestBytes}`);
    }
    const expected = 'digest' in reference ? reference.digest : options.expectedDigest;
    const digest = digestOf(body, expected ? digestAlgorithm(expected) : 'sha256');
    if (expected && expected !== digest) {
      throw new RegistryError('DIGEST_INVALID', `manifest digest ${digest} does not match ${expected}`, { digest: expected });
    }
    // A refused push must not create the repository: a new one is created in the transaction that stores the manifest.
    const existing = await this.repositories.find(name);
    if (!existing && !this.context.limits.createOnPush) await this.repositories.details(name); // NAME_UNKNOWN before anything else
    const manifest = parseManifest(body, contentType);
    // A repository that does not exist yet holds nothing: refused before it is created.
    if (!existing) await this.checkReferences(this.context.database.db, undefined, manifest);
    const now = this.context.now();
    let queued = false;
    const pushed = await this.context.database.transaction(async (trx) => {
      const repository = existing ?? (await this.repositories.forPush(name, trx));
      // Checked in the transaction that stores the manifest and its references (the links
      // locked on PostgreSQL): a garbage collection that deletes a link either commits first,
      // and the push is refused, or finds the references and spares it (see gc/collect.ts).
      const imageSize = await this.checkReferences(trx, repository.id, manifest);
      const inserted = await manifestRows.insertManifest(
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
      const tagUnchanged = 'tag' in reference ? await this.tag(trx, repository.id, name, reference.tag, digest, now) : true;
      if (inserted && this.onStored) queued = await this.onStored(trx, repository, digest, manifest);
      return { digest, mediaType: manifest.mediaType, subjectDigest: manifest.subject?.digest ?? null, unchanged: !inserted && tagUnchanged };
    });
    if (queued) this.afterStored?.();
    return pushed;
  }

  /** Points `tag` at `digest` within the push's transaction; resolves to whether it pointed there already. */
  private async tag(trx: Queryable, repositoryId: number, name: string, tag: string, digest: Digest, now: number): Promise<boolean> {
    const previous = await findTagDigest(trx, repositoryId, tag);
    if (previous === digest) {
      await putTag(trx, repositoryId, tag, digest, now);
      return true;
    }
    const settings = await findRepositoryDetails(trx, this.context.registryId, name);
    if (settings && isTagImmutable(settings as Pick<RepositorySettings, 'imageTagMutability' | 'tagMutabilityExclusions'>, tag)) {
      // Created in the same statement that checks it, so a concurrent push cannot slip in between.
      if (previous !== undefined || !(await putTagUnlessMoved(trx, repositoryId, tag, digest, now))) {
        throw new RegistryError(
          'TAG_IMMUTABLE',
          `The image tag '${tag}' already exists in the '${name}' repository and cannot be overwritten because the tag is immutable.`,
        );
      }
      return false;
    }
    await putTag(trx, repositoryId, tag, digest, now);
    return false;
  }

  /**
   * Verifies that referenced blobs and manifests exist; resolves to the image size. A
   * repository that does not exist yet (`repositoryId` undefined) holds nothing. In a
   * transaction on PostgreSQL the links are locked `for share` until it ends.
   */
  private async checkReferences(db: Queryable, repositoryId: number | undefined, manifest: ParsedManifest): Promise<number> {
    const lock = db !== this.context.database.db && this.context.database.dialect === 'postgres';
    const blobs =
      repositoryId === undefined ? new Map<string, { size: number }>() : await findLinkedBlobs(db, repositoryId, unique(manifest.requiredBlobs), { lock });
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
