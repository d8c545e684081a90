import { Readable } from 'node:stream';
import { findLinkedBlob, findLinkedBlobs } from '../storage/meta/blobs.js';
import { hasBlobContent } from './blob-content.js';
import type { RegistryContext } from './context.js';
import { parseDigest, type Digest } from './digest.js';
import { isRegistryError, RegistryError } from './errors.js';
import type { LayerDownloadGrant, LayerDownloads } from './layer-downloads.js';
import { refreshLinksInBackground } from './link-touches.js';
import type { Repositories } from './repositories.js';
import type { Uploads } from './uploads.js';

/** The part size InitiateLayerUpload asks clients to use. */
export const LAYER_PART_SIZE = 10 * 1024 * 1024;
/** The largest layer part UploadLayerPart takes (the service model's limit on `layerPartBlob`). */
export const MAX_LAYER_PART_BYTES = 20 * 1024 * 1024;

export interface AvailableLayer {
  digest: Digest;
  size: number;
}

export interface LayerFailure {
  digest: string;
  code: 'InvalidLayerDigest' | 'MissingLayerDigest';
  reason: string;
}

/**
 * Layers as ECR's control plane handles them: availability checks, uploads in numbered
 * byte ranges (the same upload sessions as `/v2/` uploads, so either API may be used for a
 * push) and short-lived download grants.
 */
export class Layers {
  constructor(
    private readonly context: RegistryContext,
    private readonly repositories: Repositories,
    private readonly uploads: Uploads,
    private readonly downloads: LayerDownloads,
  ) {}

  /** Which of `digests` the repository holds, with their sizes; malformed and absent ones as failures. */
  async availability(name: string, digests: string[]): Promise<{ layers: AvailableLayer[]; failures: LayerFailure[] }> {
    const repository = await this.repositories.details(name);
    const valid = new Map<string, Digest>();
    for (const text of digests) {
      const digest = tryParseDigest(text);
      if (digest) valid.set(text, digest);
    }
    const linked = await findLinkedBlobs(this.context.database.db, repository.id, [...new Set(valid.values())]);
    // Clients skip uploading the layers reported available: garbage collection must spare them a while.
    refreshLinksInBackground(this.context, repository.id, linked.values());
    const layers: AvailableLayer[] = [];
    const failures: LayerFailure[] = [];
    for (const text of digests) {
      const digest = valid.get(text);
      const blob = digest && linked.get(digest);
      if (!digest) {
        failures.push({ digest: text, code: 'InvalidLayerDigest', reason: `Invalid layer digest '${text}': it must be a sha256 or sha512 digest` });
      } else if (!blob) {
        failures.push({ digest: text, code: 'MissingLayerDigest', reason: `The layer with digest '${text}' is not in the repository` });
      } else {
        layers.push({ digest, size: blob.size });
      }
    }
    return { layers, failures };
  }

  /** Begins an upload session in the repository, which must exist (the control plane never creates one by uploading). */
  async initiateUpload(name: string): Promise<{ uploadId: string; partSize: number }> {
    await this.repositories.details(name);
    const session = await this.uploads.start(name);
    return { uploadId: session.id, partSize: LAYER_PART_SIZE };
  }

  /**
   * Appends bytes `first`…`last` (inclusive) to an upload; they must continue it exactly.
   * Resolves to the position of the last byte received.
   */
  async uploadPart(name: string, uploadId: string, first: number, last: number, bytes: Uint8Array): Promise<number> {
    await this.repositories.details(name);
    if (bytes.byteLength > MAX_LAYER_PART_BYTES) {
      throw new RegistryError('INVALID_PARAMETER', `A layer part may hold at most ${MAX_LAYER_PART_BYTES} bytes, not ${bytes.byteLength}`);
    }
    const size = await this.uploadSize(name, uploadId);
    if (bytes.byteLength === 0 || last - first + 1 !== bytes.byteLength) {
      throw this.partInvalid(
        name,
        uploadId,
        size,
        `The layer part of ${bytes.byteLength} bytes does not fill the byte range ${first}-${last} it is declared to cover`,
      );
    }
    try {
      const status = await this.uploads.append(name, uploadId, Readable.from([Buffer.from(bytes)]), { start: first, end: last }, bytes.byteLength);
      return status.size - 1;
    } catch (error) {
      if (isRegistryError(error, 'RANGE_NOT_SATISFIABLE')) {
        const current = (error.detail as { size?: number } | undefined)?.size ?? size;
        throw this.partInvalid(
          name,
          uploadId,
          current,
          `The layer part's first byte ${first} is not consecutive to the last byte received, ${current - 1}, of the upload with id '${uploadId}'`,
        );
      }
      throw this.renameUploadUnknown(error, name, uploadId);
    }
  }

  /**
   * Finishes an upload: verifies that its bytes have `digestText` and makes the layer part of
   * the repository. A layer the repository already holds is refused (the upload is dropped).
   */
  async completeUpload(name: string, uploadId: string, digestText: string): Promise<Digest> {
    const repository = await this.repositories.details(name);
    const digest = tryParseDigest(digestText);
    if (!digest) throw new RegistryError('INVALID_PARAMETER', `Invalid layer digest '${digestText}': it must be a sha256 or sha512 digest`);
    const size = await this.uploadSize(name, uploadId);
    if (size === 0) throw new RegistryError('UPLOAD_EMPTY', `The upload with id '${uploadId}' does not contain any layer parts`);
    const existing = await findLinkedBlob(this.context.database.db, repository.id, digest);
    if (existing) {
      // The client is told the layer is there (and goes on to PutImage): spare it a while.
      refreshLinksInBackground(this.context, repository.id, [existing]);
      await this.uploads.cancel(name, uploadId).catch(() => undefined);
      throw new RegistryError(
        'LAYER_ALREADY_EXISTS',
        `The layer with digest '${digest}' already exists in the repository with name '${name}' in registry with id '${this.context.registryId}'`,
      );
    }
    try {
      return await this.uploads.complete(name, uploadId, digest);
    } catch (error) {
      if (isRegistryError(error, 'DIGEST_INVALID')) {
        throw new RegistryError(
          'LAYER_INVALID',
          `The digest of the uploaded layer does not match the layer digest '${digest}'; the upload with id '${uploadId}' was discarded`,
        );
      }
      throw this.renameUploadUnknown(error, name, uploadId);
    }
  }

  /** A grant to download one layer of the repository for a while, without other credentials. */
  async downloadGrant(name: string, digestText: string): Promise<LayerDownloadGrant & { signature: string }> {
    const repository = await this.repositories.details(name);
    const digest = tryParseDigest(digestText);
    if (!digest) throw new RegistryError('INVALID_PARAMETER', `Invalid layer digest '${digestText}': it must be a sha256 or sha512 digest`);
    const blob = await findLinkedBlob(this.context.database.db, repository.id, digest);
    if (!blob) {
      throw new RegistryError(
        'BLOB_UNKNOWN',
        `The layer with digest '${digest}' does not exist in the repository with name '${name}' in the registry with id '${this.context.registryId}'`,
        { digest },
      );
    }
    if (!(await hasBlobContent(this.context, { digest, size: blob.size, inline: blob.inline }))) {
      throw new RegistryError('LAYER_INACCESSIBLE', `The content of the layer with digest '${digest}' is not available`);
    }
    return this.downloads.issue({ registryId: this.context.registryId, repositoryName: name, digest }, this.context.now());
  }

  private async uploadSize(name: string, uploadId: string): Promise<number> {
    try {
      return (await this.uploads.status(name, uploadId)).size;
    } catch (error) {
      throw this.renameUploadUnknown(error, name, uploadId);
    }
  }

  private renameUploadUnknown(error: unknown, name: string, uploadId: string): unknown {
    if (!isRegistryError(error, 'BLOB_UPLOAD_UNKNOWN')) return error;
    return new RegistryError(
      'BLOB_UPLOAD_UNKNOWN',
      `The upload with id '${uploadId}' does not exist in the repository with name '${name}' in the registry with id '${this.context.registryId}'`,
    );
  }

  private partInvalid(name: string, uploadId: string, size: number, message: string): RegistryError {
    return new RegistryError('LAYER_PART_INVALID', message, {
      registryId: this.context.registryId,
      repositoryName: name,
      uploadId,
      lastValidByteReceived: size - 1,
    });
  }
}

function tryParseDigest(text: string): Digest | undefined {
  try {
    return parseDigest(text);
  } catch {
    return undefined;
  }
}
