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
}

export interface RegistryLimits {
  /** Largest manifest accepted, in bytes. */
  maxManifestBytes: number;
  /** An upload untouched this long is abandoned and removed. */
  uploadTimeoutMs: number;
  /** Whether pushing to a repository that does not exist creates it. */
  createOnPush: boolean;
}
