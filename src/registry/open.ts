import type { Config } from '../config.js';
import type { BlobStore } from '../storage/blobs/blob-store.js';
import type { Database } from '../storage/meta/database.js';
import { Registry } from './registry.js';

/** The registry of the configured account over the given storage, with the configured limits. */
export function openRegistry(config: Config, storage: { database: Database; blobs: BlobStore }, keys: { layerDownloadKey?: Uint8Array; uploadIdKey?: Uint8Array } = {}): Registry {
  return new Registry({
    database: storage.database,
    blobs: storage.blobs,
    registryId: config.accountId,
    now: () => Date.now(),
    limits: {
      maxManifestBytes: config.maxManifestBytes,
      uploadTimeoutMs: config.uploadTimeoutSeconds * 1000,
      createOnPush: config.createOnPush,
    },
    ...keys,
  });
}
