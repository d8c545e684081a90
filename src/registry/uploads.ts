import { randomUUID } from 'node:crypto';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { linkBlob } from '../storage/meta/blobs.js';
import * as uploadRows from '../storage/meta/uploads.js';
import type { RegistryContext } from './context.js';
import { digestAlgorithm, DigestCalculator, parseDigest, type Digest, type DigestAlgorithm } from './digest.js';
import { RegistryError } from './errors.js';
import { KeyedMutex } from './keyed-mutex.js';
import type { Repositories } from './repositories.js';

export interface UploadStatus {
  id: string;
  /** Bytes received so far. */
  size: number;
}

/** A chunk's declared place in the upload: `Content-Range: start-end` (inclusive). */
export interface ChunkRange {
  start: number;
  end: number;
}

/** A running digest of an upload, valid while `size` equals the stored size. */
/** In-memory state of upload sessions in this process: running hashes and per-session locks. */
export class UploadSessionState {
  readonly hashes = new Map<string, HashState>();
  readonly locks = new KeyedMutex();
}

interface HashState {
  calculator: DigestCalculator;
  size: number;
}

/** Prefix of store uploads that have no session row: single-request uploads. */
const DIRECT_UPLOAD_PREFIX = 'direct-';

/**
 * Blob upload sessions: bytes are appended in order, hashed as they stream, and become a
 * blob only after the digest the client names is verified.
 *
 * The running hash lives in memory beside the session; after a restart (or when a
 * different algorithm is asked for) the digest is recomputed from the stored bytes, so a
 * session survives the process that began it.
 */
export class Uploads {
  private readonly hashes: Map<string, HashState>;
  private readonly locks: KeyedMutex;

  constructor(
    private readonly context: RegistryContext,
    private readonly repositories: Repositories,
    /** Session state shared by the registries of all accounts: upload ids are global. */
    shared: UploadSessionState = new UploadSessionState(),
  ) {
    this.hashes = shared.hashes;
    this.locks = shared.locks;
  }

  async start(name: string): Promise<UploadStatus> {
    const repository = await this.repositories.forPush(name);
    const id = randomUUID();
    await this.context.blobs.createUpload(id);
    await uploadRows.insertUpload(this.context.database.db, id, repository.id, this.context.now());
    this.hashes.set(id, { calculator: new DigestCalculator(), size: 0 });
    return { id, size: 0 };
  }

  async status(name: string, id: string): Promise<UploadStatus> {
    await this.session(name, id);
    return { id, size: await this.storedSize(id) };
  }

  /** Appends a chunk. With `range`, the chunk must start where the upload ends. */
  async append(name: string, id: string, source: Readable, range?: ChunkRange, declaredLength?: number): Promise<UploadStatus> {
    await this.session(name, id);
    return this.locks.run(id, async () => {
      const size = await this.appendLocked(id, source, range, declaredLength);
      await uploadRows.touchUpload(this.context.database.db, id, this.context.now());
      return { id, size };
    });
  }

  /**
   * Finishes an upload: appends the optional last chunk, verifies the digest and commits
   * the blob. Any failure after the session is found cancels the session, as a
   * half-finished upload is of no use to the client.
   */
  async complete(name: string, id: string, digestText: string, lastChunk?: Readable, range?: ChunkRange): Promise<Digest> {
    const repositoryId = await this.session(name, id);
    return this.locks.run(id, async () => {
      let digest: Digest;
      try {
        digest = parseDigest(digestText);
        if (lastChunk) await this.appendLocked(id, lastChunk, range);
      } catch (error) {
        if (error instanceof RegistryError && error.kind === 'RANGE_NOT_SATISFIABLE') throw error;
        await this.discard(id);
        throw error;
      }
      return this.commit(id, { id: repositoryId }, digest, { session: true });
    });
  }

  /** A whole blob in one request (`POST ?digest=` with a body). */
  async uploadWhole(name: string, digestText: string, source: Readable, declaredLength?: number): Promise<Digest> {
    const digest = parseDigest(digestText);
    // A new repository is created only when the blob is committed: a refused upload creates none.
    const repository = (await this.repositories.find(name)) ?? { name };
    const id = DIRECT_UPLOAD_PREFIX + randomUUID();
    await this.context.blobs.createUpload(id);
    this.hashes.set(id, { calculator: new DigestCalculator(digestAlgorithm(digest)), size: 0 });
    try {
      await this.appendLocked(id, source, undefined, declaredLength);
    } catch (error) {
      await this.discard(id);
      throw error;
    }
    return this.commit(id, repository, digest, { session: false });
  }

  async cancel(name: string, id: string): Promise<void> {
    await this.session(name, id);
    await this.locks.run(id, () => this.discard(id));
  }

  /** Removes sessions idle longer than the upload timeout, and store uploads nobody owns. */
  async expireAbandoned(): Promise<number> {
    const cutoff = this.context.now() - this.context.limits.uploadTimeoutMs;
    let removed = 0;
    for (const id of await uploadRows.listIdleUploads(this.context.database.db, cutoff, 1000)) {
      await this.locks.run(id, () => this.discard(id));
      removed++;
    }
    for await (const upload of this.context.blobs.listUploads()) {
      if (upload.modifiedAt.getTime() >= cutoff) continue;
      if (await uploadRows.uploadExists(this.context.database.db, upload.id)) continue;
      await this.locks.run(upload.id, () => this.discard(upload.id));
      removed++;
    }
    return removed;
  }

  /** The session's repository id, or BLOB_UPLOAD_UNKNOWN (also for another repository's session). */
  private async session(name: string, id: string): Promise<number> {
    const repository = await this.repositories.get(name).catch(() => undefined);
    const row = id.startsWith(DIRECT_UPLOAD_PREFIX) ? undefined : await uploadRows.findUpload(this.context.database.db, id);
    if (!repository || !row || row.repositoryId !== repository.id) {
      throw new RegistryError('BLOB_UPLOAD_UNKNOWN', `upload ${id} unknown to repository ${name}`);
    }
    return row.repositoryId;
  }

  private async storedSize(id: string): Promise<number> {
    const size = await this.context.blobs.uploadSize(id);
    if (size === undefined) throw new RegistryError('BLOB_UPLOAD_UNKNOWN', `upload ${id} has no data`);
    return size;
  }

  private async appendLocked(id: string, source: Readable, range?: ChunkRange, declaredLength?: number): Promise<number> {
    const size = await this.storedSize(id);
    let expected = declaredLength;
    if (range) {
      if (range.start !== size || range.end < range.start) {
        source.resume(); // drain what the client sends; the answer is already known
        throw new RegistryError('RANGE_NOT_SATISFIABLE', `chunk ${range.start}-${range.end} does not continue upload of ${size} bytes`, {
          size,
        });
      }
      const chunkLength = range.end - range.start + 1;
      if (expected !== undefined && expected !== chunkLength) {
        source.resume();
        throw new RegistryError('SIZE_INVALID', `Content-Length ${expected} does not match Content-Range ${range.start}-${range.end}`);
      }
      expected = chunkLength;
    }
    let state = this.hashes.get(id);
    if (state && state.size !== size) {
      this.hashes.delete(id);
      state = undefined;
    }
    const counter = new CountingHasher(state?.calculator, expected);
    let newSize: number;
    try {
      // pipeline (not pipe) so that a client hanging up mid-chunk fails the append.
      newSize = await this.context.blobs.appendToUpload(id, pipeline(source, counter, () => undefined));
    } catch (error) {
      this.hashes.delete(id);
      if (counter.lengthError) throw counter.lengthError;
      throw error;
    }
    if (state) state.size = newSize;
    return newSize;
  }

  /** Verifies and commits an upload into `repository`: an existing one (`id`), or one to create (`name`). */
  private async commit(id: string, repository: { id: number } | { name: string }, digest: Digest, options: { session: boolean }): Promise<Digest> {
    try {
      const actual = await this.digestOfUpload(id, digestAlgorithm(digest));
      if (actual.digest !== digest) {
        throw new RegistryError('DIGEST_INVALID', `content digest ${actual.digest} does not match ${digest}`, { digest });
      }
      await this.context.blobs.commitUpload(id, digest);
      this.hashes.delete(id);
      await this.context.database.db.transaction().execute(async (trx) => {
        const repositoryId = 'id' in repository ? repository.id : (await this.repositories.forPush(repository.name, trx)).id;
        await linkBlob(trx, repositoryId, digest, actual.size, this.context.now());
        if (options.session) await uploadRows.deleteUpload(trx, id);
      });
      return digest;
    } catch (error) {
      await this.discard(id);
      throw error;
    }
  }

  private async digestOfUpload(id: string, algorithm: DigestAlgorithm): Promise<{ digest: Digest; size: number }> {
    const size = await this.storedSize(id);
    const state = this.hashes.get(id);
    if (state && state.size === size && state.calculator.algorithm === algorithm) {
      return { digest: state.calculator.digest(), size };
    }
    const stream = await this.context.blobs.openUpload(id);
    if (!stream) throw new RegistryError('BLOB_UPLOAD_UNKNOWN', `upload ${id} has no data`);
    const calculator = new DigestCalculator(algorithm);
    for await (const chunk of stream) calculator.update(chunk as Buffer);
    return { digest: calculator.digest(), size: calculator.size };
  }

  private async discard(id: string): Promise<void> {
    this.hashes.delete(id);
    await this.context.blobs.deleteUpload(id);
    if (!id.startsWith(DIRECT_UPLOAD_PREFIX)) await uploadRows.deleteUpload(this.context.database.db, id);
  }
}

/** Passes bytes through, feeding the running digest and holding the chunk to its declared length. */
class CountingHasher extends Transform {
  private count = 0;
  lengthError: RegistryError | undefined;

  constructor(
    private readonly calculator: DigestCalculator | undefined,
    private readonly expectedLength: number | undefined,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.count += chunk.length;
    if (this.expectedLength !== undefined && this.count > this.expectedLength) {
      this.lengthError = new RegistryError('SIZE_INVALID', `chunk longer than its declared ${this.expectedLength} bytes`);
      callback(this.lengthError);
      return;
    }
    this.calculator?.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.expectedLength !== undefined && this.count !== this.expectedLength) {
      this.lengthError = new RegistryError('SIZE_INVALID', `chunk of ${this.count} bytes, ${this.expectedLength} declared`);
      callback(this.lengthError);
      return;
    }
    callback();
  }
}

