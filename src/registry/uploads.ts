import { randomUUID } from 'node:crypto';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { linkBlob, storeBlobContent } from '../storage/meta/blobs.js';
import * as uploadRows from '../storage/meta/uploads.js';
import type { Queryable } from '../storage/meta/schema.js';
import { mayKeepInline } from './blob-content.js';
import type { RegistryContext } from './context.js';
import { digestAlgorithm, DigestCalculator, digestOf, parseDigest, type Digest, type DigestAlgorithm } from './digest.js';
import { RegistryError } from './errors.js';
import { KeyedMutex } from './keyed-mutex.js';
import { UploadIds } from './upload-ids.js';
import type { Repositories } from './repositories.js';

export interface UploadStatus {
  id: string;
  /** Bytes received so far. */
  size: number;
}

interface WriteOptions {
  range?: ChunkRange;
  declaredLength?: number;
  knownSize?: number;
  create?: boolean;
}

/** A chunk's declared place in the upload: `Content-Range: start-end` (inclusive). */
export interface ChunkRange {
  start: number;
  end: number;
}

/** In-memory state of upload sessions in this process: running hashes, per-session locks, ids. */
export class UploadSessionState {
  readonly hashes = new Map<string, HashState>();
  readonly locks = new KeyedMutex();
  readonly ids: UploadIds;
  /**
   * Ids of sessions completed, cancelled or discarded here, most recent last. A session that
   * never received bytes has no row to delete, and its id stays genuine: this is what makes
   * it unknown afterwards. The most recent ones are kept; a client never returns to an
   * upload it has finished, and an id that is forgotten can at most start over as an empty
   * session of the same repository.
   */
  readonly closed = new Set<string>();

  /** `idKey` signs session ids; without it they are recognized by this process only. */
  constructor(idKey?: Uint8Array) {
    this.ids = new UploadIds(idKey);
  }

  close(id: string): void {
    this.closed.add(id);
    if (this.closed.size > CLOSED_IDS_KEPT) this.closed.delete(this.closed.values().next().value!);
  }
}

const CLOSED_IDS_KEPT = 10_000;

/** A running digest of an upload, valid while `size` equals the stored size. */
interface HashState {
  calculator: DigestCalculator;
  size: number;
}

/** Prefix of store uploads that have no session row: single-request uploads. */
const DIRECT_UPLOAD_PREFIX = 'direct-';

/**
 * A session as found: `stored` has a row and its bytes in the blob store; `fresh` has
 * received nothing yet, and exists only as its signed id.
 */
type Session = { kind: 'stored'; repositoryId: number } | { kind: 'fresh'; repositoryId: number; startedAt: number };

/**
 * Blob upload sessions: bytes are appended in order, hashed as they stream, and become a
 * blob only after the digest the client names is verified.
 *
 * A small blob sent whole in one request with its length declared is read into memory and
 * committed with its row (see blob-content.ts); the blob store sees only the others.
 *
 * Starting a session stores nothing: its id is signed (see UploadIds) and carries its start
 * time. The session is recorded (a row, and an upload in the blob store) when its first
 * bytes arrive in a PATCH, before they are acknowledged; a session completed by one PUT
 * with the whole blob, as most clients push small blobs, is never recorded at all. So a
 * session holding bytes survives restarts, and one holding none is recognized by its id.
 *
 * The running hash lives in memory beside the session; after a restart (or when a
 * different algorithm is asked for) the digest is recomputed from the stored bytes, so a
 * session survives the process that began it.
 */
export class Uploads {
  private readonly hashes: Map<string, HashState>;
  private readonly locks: KeyedMutex;
  private readonly shared: UploadSessionState;

  constructor(
    private readonly context: RegistryContext,
    private readonly repositories: Repositories,
    /** Session state shared by the registries of all accounts: upload ids are global. */
    shared: UploadSessionState = new UploadSessionState(),
  ) {
    this.shared = shared;
    this.hashes = shared.hashes;
    this.locks = shared.locks;
  }

  async start(name: string): Promise<UploadStatus> {
    const repository = await this.repositories.forPush(name);
    return { id: this.shared.ids.issue(repository.id, this.context.now()), size: 0 };
  }

  async status(name: string, id: string): Promise<UploadStatus> {
    const session = await this.session(name, id);
    return { id, size: session.kind === 'fresh' ? 0 : await this.storedSize(id) };
  }

  /** Appends a chunk. With `range`, the chunk must start where the upload ends. */
  async append(name: string, id: string, source: Readable, range?: ChunkRange, declaredLength?: number): Promise<UploadStatus> {
    return this.locks.run(id, async () => {
      const session = await this.session(name, id);
      if (session.kind === 'fresh') {
        // Refused before anything is recorded: the session stays as it was.
        checkChunk(0, source, range, declaredLength);
        await this.record(id, session);
        return { id, size: await this.writeLocked(id, source, { range, declaredLength, knownSize: 0 }) };
      }
      const size = await this.writeLocked(id, source, { range, declaredLength });
      await this.context.database.transaction((trx) => uploadRows.touchUpload(trx, id, this.context.now()));
      return { id, size };
    });
  }

  /**
   * Finishes an upload: appends the optional last chunk, verifies the digest and commits
   * the blob. Any failure after the session is found cancels the session, as a
   * half-finished upload is of no use to the client.
   */
  async complete(name: string, id: string, digestText: string, lastChunk?: Readable, range?: ChunkRange, declaredLength?: number): Promise<Digest> {
    return this.locks.run(id, async () => {
      const session = await this.session(name, id);
      let digest: Digest;
      let size: number | undefined;
      let inline: Buffer | undefined;
      try {
        digest = parseDigest(digestText);
        if (session.kind === 'fresh') {
          // The whole blob in this request: kept inline when small, else staged in the blob
          // store; never recorded as a session either way.
          const length = lastChunk && checkChunk(0, lastChunk, range, declaredLength);
          if (lastChunk && mayKeepInline(length)) {
            inline = await readWhole(lastChunk, length);
          } else {
            this.hashes.set(id, { calculator: new DigestCalculator(digestAlgorithm(digest)), size: 0 });
            size = await this.writeLocked(id, lastChunk, { range, declaredLength, create: true });
          }
        } else if (lastChunk) {
          await this.writeLocked(id, lastChunk, { range, declaredLength });
        }
      } catch (error) {
        if (error instanceof RegistryError && error.kind === 'RANGE_NOT_SATISFIABLE') throw error;
        await this.discard(id);
        throw error;
      }
      const repository = { id: session.repositoryId };
      if (inline) return this.commitInline(id, repository, digest, inline);
      return this.commit(id, repository, digest, { session: session.kind === 'stored', size });
    });
  }

  /** A whole blob in one request (`POST ?digest=` with a body). */
  async uploadWhole(name: string, digestText: string, source: Readable, declaredLength?: number): Promise<Digest> {
    const digest = parseDigest(digestText);
    // A new repository is created only when the blob is committed: a refused upload creates none.
    const repository = (await this.repositories.find(name)) ?? { name };
    const id = DIRECT_UPLOAD_PREFIX + randomUUID();
    if (mayKeepInline(declaredLength)) return this.commitInline(id, repository, digest, await readWhole(source, declaredLength));
    this.hashes.set(id, { calculator: new DigestCalculator(digestAlgorithm(digest)), size: 0 });
    let size: number;
    try {
      size = await this.writeLocked(id, source, { declaredLength, create: true });
    } catch (error) {
      await this.discard(id);
      throw error;
    }
    return this.commit(id, repository, digest, { session: false, size });
  }

  async cancel(name: string, id: string): Promise<void> {
    await this.locks.run(id, async () => {
      await this.session(name, id);
      await this.discard(id);
    });
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

  /** The session, or BLOB_UPLOAD_UNKNOWN (also for another repository's session, and an expired or finished one). */
  private async session(name: string, id: string): Promise<Session> {
    const repository = await this.repositories.find(name).catch(() => undefined);
    if (repository && !id.startsWith(DIRECT_UPLOAD_PREFIX)) {
      const row = await uploadRows.findUpload(this.context.database.db, id);
      if (row) {
        if (row.repositoryId === repository.id) return { kind: 'stored', repositoryId: row.repositoryId };
      } else if (!this.shared.closed.has(id)) {
        const startedAt = this.shared.ids.startedAt(id, repository.id);
        if (startedAt !== undefined && this.context.now() - startedAt < this.context.limits.uploadTimeoutMs) {
          return { kind: 'fresh', repositoryId: repository.id, startedAt };
        }
      }
    }
    throw new RegistryError('BLOB_UPLOAD_UNKNOWN', `upload ${id} unknown to repository ${name}`);
  }

  /**
   * Records a fresh session as it receives its first bytes: its upload in the blob store
   * (replacing one left by a process that died before recording it, which held nothing
   * acknowledged), then its row.
   */
  private async record(id: string, session: Session & { kind: 'fresh' }): Promise<void> {
    await this.context.blobs.createUpload(id);
    await this.context.database.transaction((trx) => uploadRows.insertUpload(trx, id, session.repositoryId, this.context.now(), session.startedAt));
    this.hashes.set(id, { calculator: new DigestCalculator(), size: 0 });
  }

  private async storedSize(id: string): Promise<number> {
    const size = await this.context.blobs.uploadSize(id);
    if (size === undefined) throw new RegistryError('BLOB_UPLOAD_UNKNOWN', `upload ${id} has no data`);
    return size;
  }

  /**
   * Appends a chunk to a store upload, or with `create` makes a new store upload of it (a
   * whole blob, committed next); `knownSize` is the upload's size when the caller knows it.
   */
  private async writeLocked(id: string, source: Readable | undefined, options: WriteOptions): Promise<number> {
    const { range, declaredLength, create } = options;
    if (!source) return create ? this.context.blobs.createUpload(id) : this.storedSize(id);
    const size = create ? 0 : (options.knownSize ?? (await this.storedSize(id)));
    const expected = checkChunk(size, source, range, declaredLength);
    let state = this.hashes.get(id);
    if (state && state.size !== size) {
      this.hashes.delete(id);
      state = undefined;
    }
    const counter = new CountingHasher(state?.calculator, expected);
    let newSize: number;
    try {
      // pipeline (not pipe) so that a client hanging up mid-chunk fails the append.
      const hashed = pipeline(source, counter, () => undefined);
      newSize = await (create ? this.context.blobs.createUpload(id, hashed) : this.context.blobs.appendToUpload(id, hashed));
    } catch (error) {
      this.hashes.delete(id);
      if (counter.lengthError) throw counter.lengthError;
      throw error;
    }
    if (state) state.size = newSize;
    return newSize;
  }

  /**
   * Verifies and commits an upload into `repository`: an existing one (`id`), or one to
   * create (`name`). `session` says whether a session row is to be deleted with it; `size`
   * is the upload's size when the caller has just written it.
   */
  private async commit(
    id: string,
    repository: { id: number } | { name: string },
    digest: Digest,
    options: { session: boolean; size?: number },
  ): Promise<Digest> {
    try {
      const actual = await this.digestOfUpload(id, digestAlgorithm(digest), options.size);
      if (actual.digest !== digest) {
        throw new RegistryError('DIGEST_INVALID', `content digest ${actual.digest} does not match ${digest}`, { digest });
      }
      const store = this.context.blobs;
      // The upload's bytes stay until the blob's row and link are committed (see gc/collect.ts).
      await store.commitUpload(id, digest, { keepUpload: true });
      this.hashes.delete(id);
      await this.link(repository, digest, actual.size, async (trx) => {
        if (options.session) await uploadRows.deleteUpload(trx, id);
      });
      // Found present before the link was committed, the blob may have been removed since by
      // a garbage collection that found no row for it (quarantined, re-checked, purged): it
      // is then committed again from the kept bytes. Present now, with its link committed,
      // it is safe: a collection that quarantines it from now on finds the row and restores it.
      if (await store.stat(digest)) {
        // The upload's name is no longer needed: removed after the answer (one left by a crash
        // is an upload nobody owns, removed when it expires).
        void store.deleteUpload(id).catch(() => undefined);
      } else {
        await store.commitUpload(id, digest);
      }
      if (!id.startsWith(DIRECT_UPLOAD_PREFIX)) this.shared.close(id);
      return digest;
    } catch (error) {
      await this.discard(id);
      throw error;
    }
  }

  /** Verifies and commits a small blob read whole into memory: its bytes go with its row. */
  private async commitInline(id: string, repository: { id: number } | { name: string }, digest: Digest, bytes: Buffer): Promise<Digest> {
    try {
      const actual = digestOf(bytes, digestAlgorithm(digest));
      if (actual !== digest) throw new RegistryError('DIGEST_INVALID', `content digest ${actual} does not match ${digest}`, { digest });
      await this.link(repository, digest, bytes.length, (trx) => storeBlobContent(trx, digest, bytes));
      if (!id.startsWith(DIRECT_UPLOAD_PREFIX)) this.shared.close(id);
      return digest;
    } catch (error) {
      await this.discard(id);
      throw error;
    }
  }

  /**
   * Inserts the blob row (if new) and links it into the repository, creating the repository
   * if need be, with `more` in the same transaction.
   */
  private async link(repository: { id: number } | { name: string }, digest: Digest, size: number, more: (trx: Queryable) => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.context.database.transaction(async (trx) => {
          const repositoryId = 'id' in repository ? repository.id : (await this.repositories.forPush(repository.name, trx)).id;
          await linkBlob(trx, repositoryId, digest, size, this.context.now());
          await more(trx);
        });
        return;
      } catch (error) {
        // PostgreSQL: a garbage collection deleted the blob row under the new link. Again:
        // the row is then inserted anew.
        if (attempt >= 3 || !isForeignKeyViolation(error)) throw error;
      }
    }
  }

  private async digestOfUpload(id: string, algorithm: DigestAlgorithm, knownSize?: number): Promise<{ digest: Digest; size: number }> {
    const size = knownSize ?? (await this.storedSize(id));
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

  /** Ends a session and removes what it stored, if anything. */
  private async discard(id: string): Promise<void> {
    this.hashes.delete(id);
    await this.context.blobs.deleteUpload(id);
    if (!id.startsWith(DIRECT_UPLOAD_PREFIX)) {
      this.shared.close(id);
      await uploadRows.deleteUpload(this.context.database.db, id);
    }
  }
}

/** A foreign key violation (PostgreSQL 23503, SQLite SQLITE_CONSTRAINT_FOREIGNKEY). */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** Reads a whole body of `length` bytes into memory; SIZE_INVALID when it has another length. */
async function readWhole(source: Readable, length: number): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(length);
  let received = 0;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    if (received + chunk.length > length) throw new RegistryError('SIZE_INVALID', `body longer than its declared ${length} bytes`);
    bytes.set(chunk, received);
    received += chunk.length;
  }
  if (received !== length) throw new RegistryError('SIZE_INVALID', `body of ${received} bytes, ${length} declared`);
  return bytes;
}

/**
 * Checks a chunk's declared range and length against an upload of `size` bytes; resolves
 * to the number of bytes it must have, if known. A refused chunk is drained (the answer is
 * already known).
 */
function checkChunk(size: number, source: Readable, range?: ChunkRange, declaredLength?: number): number | undefined {
  if (!range) return declaredLength;
  if (range.start !== size || range.end < range.start) {
    source.resume();
    throw new RegistryError('RANGE_NOT_SATISFIABLE', `chunk ${range.start}-${range.end} does not continue upload of ${size} bytes`, { size });
  }
  const chunkLength = range.end - range.start + 1;
  if (declaredLength !== undefined && declaredLength !== chunkLength) {
    source.resume();
    throw new RegistryError('SIZE_INVALID', `Content-Length ${declaredLength} does not match Content-Range ${range.start}-${range.end}`);
  }
  return chunkLength;
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

