import type { BlobStore } from '../storage/blobs/blob-store.js';
import type { Database } from '../storage/meta/database.js';

/** What every registry service shares: storage, the clock and the registry's limits. */
export interface RegistryContext {
  database: Database;
  blobs: BlobStore;
  /** The account whose registry this is; ECR's registryId. */
  registryId: string;
  now(): number;
  limits: RegistryLimits;
  /**
   * Signs the short-lived layer download URLs of GetDownloadUrlForLayer; derived from the
   * master key so that every node accepts the URLs of every other. Without it, a key is
   * made for this process only.
   */
  layerDownloadKey?: Uint8Array;
  /**
   * Signs upload session ids (see UploadIds), so that every node, and the process after a
   * restart, recognizes a session that has not received bytes yet. Derived from the master
   * key; without it, a key is made for this process only.
   */
  uploadIdKey?: Uint8Array;
}

export interface RegistryLimits {
  /** Largest manifest accepted, in bytes. */
  maxManifestBytes: number;
  /** An upload untouched this long is abandoned and removed. */
  uploadTimeoutMs: number;
  /** Whether pushing to a repository that does not exist creates it. */
  createOnPush: boolean;
}
