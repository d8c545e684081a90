import type { Readable } from 'node:stream';
import type { Digest } from '../../registry/digest.js';

/** An inclusive byte range, as HTTP `Range: bytes=start-end` expresses it. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface StoredBlob {
  digest: Digest;
  size: number;
  modifiedAt: Date;
}

/**
 * Positional reads of one committed blob into buffers the caller owns, so that a server can
 * serve a blob through a few reused buffers instead of allocating one per chunk.
 */
export interface BlobReader {
  /** The blob's size in bytes. */
  readonly size: number;
  /**
   * Reads up to `length` bytes (default: the buffer's length) starting at byte `position`
   * of the blob into the start of `buffer`. Resolves to the number of bytes read: fewer
   * than asked only at the end of the blob, 0 at or past it.
   */
  read(buffer: Uint8Array, position: number, length?: number): Promise<number>;
  /** Releases what the reader holds (a file descriptor, a connection). Idempotent. */
  close(): Promise<void>;
}

export interface StoredUpload {
  id: string;
  size: number;
  modifiedAt: Date;
}

/**
 * Content-addressed bytes. Implementations: the filesystem (default) and, later, S3.
 *
 * Committed blobs are immutable and named by digest. Bytes arrive through uploads: an
 * upload is an append-only staging area that becomes a blob only through `commitUpload`,
 * which the caller invokes after it has verified the digest of what it appended. Nothing
 * above this interface may assume local paths or rename: an S3 store implements uploads
 * as multipart uploads.
 */
export interface BlobStore {
  /** Size and time of a committed blob, or undefined when absent. */
  stat(digest: Digest): Promise<StoredBlob | undefined>;
  /**
   * Opens a committed blob for streaming, optionally a byte range of it.
   * Resolves to undefined when the blob is absent.
   */
  open(digest: Digest, range?: ByteRange): Promise<Readable | undefined>;
  /**
   * Optional capability: opens a committed blob for positional reads (resolves to undefined
   * when the blob is absent). Stores that can read at any position cheaply (the filesystem)
   * implement it; the others leave it out and are read through `open`. The caller must
   * `close` the reader.
   */
  openReader?(digest: Digest): Promise<BlobReader | undefined>;
  /** Removes a committed blob; absent blobs are not an error. */
  delete(digest: Digest): Promise<void>;
  /** Every committed blob, in no particular order (for garbage collection). */
  list(): AsyncIterable<StoredBlob>;

  /**
   * Garbage collection, step one of removing a blob: atomically moves the committed blob
   * aside (it is absent from then on) and resolves to a token naming the quarantined copy,
   * or to undefined when the blob is absent. The caller then checks whether the blob is
   * wanted again and either `restore`s or `purge`s it (see gc/collect.ts).
   */
  quarantine(digest: Digest): Promise<string | undefined>;
  /**
   * Puts a quarantined blob back as the committed blob `digest`, durably, unless a blob of
   * that digest exists already (committed again meanwhile), in which case the quarantined
   * copy is just removed. A token already restored or purged is not an error.
   */
  restore(token: string, digest: Digest): Promise<void>;
  /** Removes a quarantined blob for good; a token already restored or purged is not an error. */
  purge(token: string): Promise<void>;
  /** Every quarantined blob: what a collection that stopped midway left (it is recovered at the next start). */
  listQuarantined(): AsyncIterable<{ token: string; digest: Digest; size: number }>;

  /**
   * Creates an upload, replacing any upload of that id, and resolves to its size: empty, or
   * holding all of `source` (a whole blob in one request, committed next). With a source
   * it is all or nothing: if the source fails or is cut short, no upload remains.
   */
  createUpload(id: string, source?: Readable): Promise<number>;
  /**
   * Appends a stream to an upload and resolves to the upload's new size. An append is
   * all or nothing: if the source fails or is cut short, the upload keeps its previous
   * size.
   */
  appendToUpload(id: string, source: Readable): Promise<number>;
  /** Size of an upload, or undefined when it does not exist. */
  uploadSize(id: string): Promise<number | undefined>;
  /** Streams what an upload holds so far (to recompute a digest after a restart). */
  openUpload(id: string): Promise<Readable | undefined>;
  /**
   * Makes an upload's bytes the committed blob `digest`, durably, and removes the upload.
   * The caller has verified the digest. If the blob already exists the upload is dropped.
   * With `keepUpload` the upload stays as it is (also when the blob exists already), so that
   * the caller can commit it again should the blob vanish before its metadata is committed
   * (a garbage collection running meanwhile); the caller removes it with `deleteUpload`.
   */
  commitUpload(id: string, digest: Digest, options?: { keepUpload?: boolean }): Promise<void>;
  /** Removes an upload and its bytes; absent uploads are not an error. */
  deleteUpload(id: string): Promise<void>;
  /** Every upload, for expiry of abandoned ones. */
  listUploads(): AsyncIterable<StoredUpload>;
}
