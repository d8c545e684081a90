import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { RegistryContext } from '../../src/registry/context.js';
import type { Digest } from '../../src/registry/digest.js';
import { settleLinkTouches } from '../../src/registry/link-touches.js';
import { Registry } from '../../src/registry/registry.js';
import type { BlobStore } from '../../src/storage/blobs/blob-store.js';
import { FsBlobStore } from '../../src/storage/blobs/fs-blob-store.js';
import { openDatabase, type Database, type Dialect } from '../../src/storage/meta/database.js';
import { freshDatabaseUrl } from '../helpers/databases.js';
import { sha256 } from '../helpers/oci-client.js';

export const IMAGE_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export interface GcFixture {
  dir: string;
  database: Database;
  /** The filesystem store under the registry (the registry may see it through a wrapper). */
  files: FsBlobStore;
  store: BlobStore;
  clock: { now: number };
  registry: Registry;
  close(): Promise<void>;
}

/**
 * A registry over a fresh database of `dialect` and a filesystem store, with a clock the test
 * moves (starting at the real time, as orphan files are judged by their real modification
 * time). `wrap` may put a wrapper between the registry and the store.
 */
export async function gcFixture(dialect: Dialect, wrap: (store: BlobStore) => BlobStore = (store) => store): Promise<GcFixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-gc-'));
  const database = await openDatabase({ url: await freshDatabaseUrl(dialect, dir) });
  const files = new FsBlobStore(path.join(dir, 'data'));
  await files.init();
  const store = wrap(files);
  const clock = { now: Date.now() };
  const registry = new Registry({
    database,
    blobs: store,
    registryId: '000000000000',
    now: () => clock.now,
    limits: { maxManifestBytes: 4 << 20, uploadTimeoutMs: 60_000, createOnPush: true },
  });
  return {
    dir,
    database,
    files,
    store,
    clock,
    registry,
    async close() {
      await settleLinkTouches(database);
      await database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Uploads a whole blob into a repository; resolves to its digest. Its length is not declared
 * unless `declareLength`, so it becomes a file of the store; declared, a small blob is kept
 * inline with its row (as an HTTP upload with Content-Length is).
 */
export async function putBlob(registry: Registry, name: string, data: string | Buffer, options: { declareLength?: boolean } = {}): Promise<Digest> {
  const bytes = Buffer.from(data);
  return registry.uploads.uploadWhole(name, sha256(data), Readable.from([bytes]), options.declareLength ? bytes.length : undefined);
}

/** The manifest of an image over `config` and `layers` (blob contents). */
export function imageManifest(config: string, layers: string[]): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: IMAGE_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: Buffer.byteLength(config) },
    layers: layers.map((layer) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: Buffer.byteLength(layer) })),
  });
}

/** Uploads the blobs of an image and pushes its manifest under `tag`; resolves to the manifest digest. */
export async function putImage(registry: Registry, name: string, tag: string, config: string, layers: string[]): Promise<Digest> {
  for (const blob of [config, ...layers]) await putBlob(registry, name, blob);
  const pushed = await registry.manifests.put(name, tag, Buffer.from(imageManifest(config, layers)), IMAGE_MANIFEST);
  return pushed.digest;
}

/** The digests of blobs whose bytes are stored: files of the store, and bytes kept inline with their rows. */
export async function storedContentDigests(context: RegistryContext): Promise<Set<string>> {
  const digests = await storedDigests(context.blobs);
  for (const row of await context.database.db.selectFrom('blob_contents').select('digest').execute()) digests.add(row.digest);
  return digests;
}

/** The digests of the committed files of a store. */
export async function storedDigests(store: BlobStore): Promise<Set<string>> {
  const digests = new Set<string>();
  for await (const blob of store.list()) digests.add(blob.digest);
  return digests;
}

export async function readBlob(store: BlobStore, digest: string): Promise<Buffer | undefined> {
  const stream = await store.open(digest as Digest);
  if (!stream) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The path of a committed blob in a filesystem store rooted at `root`. */
export function blobFile(root: string, digest: string): string {
  const [algorithm, hex] = digest.split(':') as [string, string];
  return path.join(root, 'blobs', algorithm, hex.slice(0, 2), hex);
}

/** A promise with its resolver: a gate a paused step waits at. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

export const HOUR = 3_600_000;
