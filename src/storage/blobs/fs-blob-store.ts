import { randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream';
import { digestAlgorithm, digestHex, isSupportedAlgorithm, type Digest } from '../../registry/digest.js';
import type { BlobReader, BlobStore, ByteRange, StoredBlob, StoredUpload } from './blob-store.js';

/** Reads with a 1 MiB buffer: about twice the throughput of Node's 64 KiB default. */
const READ_BUFFER_BYTES = 1 << 20;
/** Appended bytes are gathered into writes of about this size. */
const WRITE_BATCH_BYTES = 1 << 20;
/**
 * Writes of one append that may be under way at once before the client is pushed back on:
 * the socket keeps flowing while the file is written.
 */
const WRITES_IN_FLIGHT = 2;
/**
 * How much an append writes between background writebacks (fdatasync), so that the fsync
 * before a commit finds little left to write.
 */
const WRITEBACK_BYTES = 8 << 20;
const UPLOAD_ID = /^[A-Za-z0-9_-]{1,128}$/;
/** A quarantine token: the file name in the trash directory. */
const TRASH_NAME = /^([a-z0-9]+)-([0-9a-f]+)\.([0-9a-f]{16})$/;

/**
 * Filesystem layout under the root:
 *
 *   blobs/<algorithm>/<first two hex digits>/<hex>   committed, immutable blob bytes
 *   uploads/<upload id>                              bytes of an upload in progress
 *   trash/<algorithm>-<hex>.<random>                 blobs quarantined by garbage collection
 *
 * A blob file appears only by rename from a fully written, fsynced upload file, and the
 * directory is fsynced after the rename, so a crash never exposes a partial blob.
 */
export class FsBlobStore implements BlobStore {
  private readonly blobsDir: string;
  private readonly uploadsDir: string;
  private readonly trashDir: string;
  /**
   * Uploads of this process fsynced since their last write (created whole from one stream):
   * their commit need not fsync them again. Unknown after a restart, so then they are.
   */
  private readonly syncedUploads = new Set<string>();

  constructor(root: string) {
    this.blobsDir = path.join(root, 'blobs');
    this.uploadsDir = path.join(root, 'uploads');
    this.trashDir = path.join(root, 'trash');
  }

  async init(): Promise<void> {
    await fs.mkdir(this.blobsDir, { recursive: true });
    await fs.mkdir(this.uploadsDir, { recursive: true });
    await fs.mkdir(this.trashDir, { recursive: true });
  }

  private blobPath(digest: Digest): string {
    const hex = digestHex(digest);
    return path.join(this.blobsDir, digestAlgorithm(digest), hex.slice(0, 2), hex);
  }

  private trashPath(token: string): string {
    if (!TRASH_NAME.test(token)) throw new Error(`invalid quarantine token ${JSON.stringify(token)}`);
    return path.join(this.trashDir, token);
  }

  private uploadPath(id: string): string {
    if (!UPLOAD_ID.test(id)) throw new Error(`invalid upload id ${JSON.stringify(id)}`);
    return path.join(this.uploadsDir, id);
  }

  async stat(digest: Digest): Promise<StoredBlob | undefined> {
    const stats = await statOrUndefined(this.blobPath(digest));
    return stats && { digest, size: stats.size, modifiedAt: stats.mtime };
  }

  async open(digest: Digest, range?: ByteRange): Promise<Readable | undefined> {
    return openForReading(this.blobPath(digest), range);
  }

  async openReader(digest: Digest): Promise<BlobReader | undefined> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.blobPath(digest), constants.O_RDONLY);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    try {
      return new FileReader(handle, (await handle.stat()).size);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async delete(digest: Digest): Promise<void> {
    await fs.rm(this.blobPath(digest), { force: true });
  }

  async *list(): AsyncIterable<StoredBlob> {
    for (const algorithm of await readdirOrEmpty(this.blobsDir)) {
      if (!isSupportedAlgorithm(algorithm)) continue;
      const algorithmDir = path.join(this.blobsDir, algorithm);
      for (const prefix of await readdirOrEmpty(algorithmDir)) {
        const prefixDir = path.join(algorithmDir, prefix);
        for (const hex of await readdirOrEmpty(prefixDir)) {
          if (!/^[0-9a-f]+$/.test(hex)) continue; // a copy being made (copyInto)
          const stats = await statOrUndefined(path.join(prefixDir, hex));
          if (stats?.isFile()) {
            yield { digest: `${algorithm}:${hex}` as Digest, size: stats.size, modifiedAt: stats.mtime };
          }
        }
      }
    }
  }

  async quarantine(digest: Digest): Promise<string | undefined> {
    const token = `${digestAlgorithm(digest)}-${digestHex(digest)}.${randomBytes(8).toString('hex')}`;
    try {
      await fs.rename(this.blobPath(digest), path.join(this.trashDir, token));
    } catch (error) {
      if (!isNotFound(error)) throw error;
      // No blob, or no trash directory (a store initialized before quarantines existed).
      if (!(await statOrUndefined(this.blobPath(digest)))) return undefined;
      await fs.mkdir(this.trashDir, { recursive: true });
      return this.quarantine(digest);
    }
    return token;
  }

  async restore(token: string, digest: Digest): Promise<void> {
    const source = this.trashPath(token);
    const target = this.blobPath(digest);
    // A link, not a rename: it fails, rather than replaces, when the blob exists again.
    const linked = await linkInto(source, target);
    if (linked === 'absent') return;
    if (linked === 'linked') await fsyncDirectory(path.dirname(target));
    await fs.rm(source, { force: true });
  }

  async purge(token: string): Promise<void> {
    await fs.rm(this.trashPath(token), { force: true });
  }

  async *listQuarantined(): AsyncIterable<{ token: string; digest: Digest; size: number }> {
    for (const token of await readdirOrEmpty(this.trashDir)) {
      const match = TRASH_NAME.exec(token);
      if (!match || !isSupportedAlgorithm(match[1]!)) continue;
      const stats = await statOrUndefined(path.join(this.trashDir, token));
      if (stats?.isFile()) yield { token, digest: `${match[1]}:${match[2]}` as Digest, size: stats.size };
    }
  }

  async createUpload(id: string, source?: Readable): Promise<number> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.uploadPath(id), 'w');
    } catch (error) {
      source?.resume(); // nothing will read it: let it drain
      throw error;
    }
    this.syncedUploads.delete(id);
    try {
      if (!source) return 0;
      try {
        const size = await appendStream(handle, source, 0);
        // The whole blob in one stream is committed next: make it durable while the file is open.
        await handle.sync();
        this.syncedUploads.add(id);
        return size;
      } catch (error) {
        await fs.rm(this.uploadPath(id), { force: true });
        throw error;
      }
    } finally {
      await handle.close();
    }
  }

  async appendToUpload(id: string, source: Readable): Promise<number> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.uploadPath(id), 'r+');
    } catch (error) {
      source.resume(); // nothing will read it: let it drain
      if (isNotFound(error)) throw new Error(`upload ${id} does not exist`);
      throw error;
    }
    this.syncedUploads.delete(id);
    try {
      const before = (await handle.stat()).size;
      try {
        return await appendStream(handle, source, before);
      } catch (error) {
        // All or nothing: drop whatever part of this append reached the file.
        await handle.truncate(before).catch(() => undefined);
        throw error;
      }
    } finally {
      await handle.close();
    }
  }

  async uploadSize(id: string): Promise<number | undefined> {
    return (await statOrUndefined(this.uploadPath(id)))?.size;
  }

  async openUpload(id: string): Promise<Readable | undefined> {
    return openForReading(this.uploadPath(id));
  }

  async commitUpload(id: string, digest: Digest, options: { keepUpload?: boolean } = {}): Promise<void> {
    const source = this.uploadPath(id);
    const target = this.blobPath(digest);
    if (options.keepUpload) {
      // A second name for the upload's bytes: the upload stays, for a commit again. The link
      // fails, rather than replaces, when the blob exists already.
      if (!this.syncedUploads.has(id)) {
        await fsyncFile(source);
        this.syncedUploads.add(id);
      }
      const linked = await linkInto(source, target);
      if (linked === 'absent') throw new Error(`upload ${id} does not exist`);
      if (linked === 'linked') await fsyncDirectory(path.dirname(target));
      return;
    }
    if (await statOrUndefined(target)) {
      await this.deleteUpload(id);
      return;
    }
    if (!this.syncedUploads.delete(id)) await fsyncFile(source);
    try {
      await fs.rename(source, target);
    } catch (error) {
      // The first blob under this prefix: its directory does not exist yet.
      if (!isNotFound(error) || !(await statOrUndefined(source))) throw error;
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.rename(source, target);
    }
    await fsyncDirectory(path.dirname(target));
  }

  async deleteUpload(id: string): Promise<void> {
    this.syncedUploads.delete(id);
    await fs.unlink(this.uploadPath(id)).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }

  async *listUploads(): AsyncIterable<StoredUpload> {
    for (const id of await readdirOrEmpty(this.uploadsDir)) {
      const stats = await statOrUndefined(path.join(this.uploadsDir, id));
      if (stats?.isFile()) yield { id, size: stats.size, modifiedAt: stats.mtime };
    }
  }
}

/**
 * Writes a stream to a file from byte `start` on and resolves to the position after the last
 * byte. What arrives while the file is idle is written at once; while writes are under way
 * the chunks gather into batches of about `WRITE_BATCH_BYTES`, written with positional
 * writev, up to `WRITES_IN_FLIGHT` at a time (the socket keeps flowing while the file is
 * written); beyond that the source is paused. Every `WRITEBACK_BYTES` the written
 * data is sent to the disk in the background (fdatasync). Rejects when the source fails or
 * ends early, or a write or writeback fails (the source is then destroyed), after every
 * write started has finished.
 */
function appendStream(handle: fs.FileHandle, source: Readable, start: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let position = start; // where the next batch goes
    let batch: Buffer[] = [];
    let batchBytes = 0;
    let writes = 0;
    let paused = false;
    let sourceDone = false;
    let settled = false;
    let failure: unknown;
    let unsynced = 0;
    let syncing: Promise<void> | undefined;

    const settle = () => {
      if (settled || writes > 0 || (!sourceDone && failure === undefined)) return;
      settled = true;
      source.off('data', onData);
      // A writeback still running is waited for: its error is this append's error.
      void (syncing ?? Promise.resolve()).then(() => (failure === undefined ? resolve(position) : reject(failure)));
    };
    const fail = (error: unknown) => {
      failure ??= error;
      settle();
    };
    // The file cannot take the bytes: stop the client sending them (as a failed pipeline would).
    const failWriting = (error: unknown) => {
      fail(error);
      source.destroy(error as Error);
    };
    const writeBack = () => {
      unsynced = 0;
      syncing = handle.datasync().then(
        () => void (syncing = undefined),
        (error: unknown) => {
          syncing = undefined;
          failWriting(error);
        },
      );
    };
    const flush = () => {
      const buffers = batch;
      const at = position;
      const bytes = batchBytes;
      batch = [];
      batchBytes = 0;
      position += bytes;
      writes++;
      writeAll(handle, buffers, at).then(
        () => {
          writes--;
          unsynced += bytes;
          if (failure === undefined) {
            if (unsynced >= WRITEBACK_BYTES && !syncing) writeBack();
            if (batchBytes > 0 && (writes === 0 || batchBytes >= WRITE_BATCH_BYTES)) flush();
            if (paused && batchBytes < WRITE_BATCH_BYTES) {
              paused = false;
              source.resume();
            }
          }
          settle();
        },
        (error: unknown) => {
          writes--;
          failWriting(error);
        },
      );
    };
    const onData = (chunk: Buffer) => {
      if (failure !== undefined) return;
      batch.push(chunk);
      batchBytes += chunk.length;
      // Bytes go to the file as soon as the file is idle; while writes are under way they
      // gather into a larger batch.
      if (writes === 0 || (batchBytes >= WRITE_BATCH_BYTES && writes < WRITES_IN_FLIGHT)) flush();
      else if (batchBytes >= WRITE_BATCH_BYTES) {
        paused = true;
        source.pause();
      }
    };

    source.on('data', onData);
    finished(source, (error) => {
      if (error) {
        fail(error);
        return;
      }
      if (batchBytes > 0 && failure === undefined) flush();
      sourceDone = true;
      settle();
    });
  });
}

/** Positional writev of all of `buffers`, continuing after short writes. */
async function writeAll(handle: fs.FileHandle, buffers: Buffer[], position: number): Promise<void> {
  let remaining = buffers;
  let at = position;
  for (;;) {
    const { bytesWritten } = await handle.writev(remaining, at);
    at += bytesWritten;
    let skip = bytesWritten;
    while (remaining.length > 0 && skip >= remaining[0]!.length) {
      skip -= remaining[0]!.length;
      remaining = remaining.slice(1);
    }
    if (remaining.length === 0) return;
    if (bytesWritten === 0) throw new Error('write made no progress');
    remaining = [remaining[0]!.subarray(skip), ...remaining.slice(1)];
  }
}

/** Positional reads of an open blob file (blob files never change once committed). */
class FileReader implements BlobReader {
  private closing: Promise<void> | undefined;

  constructor(
    private readonly handle: fs.FileHandle,
    readonly size: number,
  ) {}

  async read(buffer: Uint8Array, position: number, length = buffer.byteLength): Promise<number> {
    if (!Number.isSafeInteger(position) || position < 0) throw new RangeError(`invalid read position ${position}`);
    const wanted = Math.min(length, buffer.byteLength, this.size - position);
    if (wanted <= 0) return 0;
    const { bytesRead } = await this.handle.read(buffer, 0, wanted, position);
    return bytesRead;
  }

  close(): Promise<void> {
    this.closing ??= this.handle.close();
    return this.closing;
  }
}

async function openForReading(file: string, range?: ByteRange): Promise<Readable | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, constants.O_RDONLY);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  return createReadStream('', {
    fd: handle,
    start: range?.start,
    end: range?.end,
    highWaterMark: READ_BUFFER_BYTES,
  });
}

/**
 * Gives the file `source` the second name `target` (creating its directory if need be):
 * 'linked'; 'exists' when `target` exists already (it is left as it is); 'absent' when
 * `source` does not exist. A file system without hard links gets a copy, renamed into place.
 */
async function linkInto(source: string, target: string): Promise<'linked' | 'exists' | 'absent'> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.link(source, target);
      return 'linked';
    } catch (error) {
      const code = (error as NodeJS.ErrnoException)?.code;
      if (code === 'EEXIST') return 'exists';
      if (code === 'ENOENT') {
        if (!(await statOrUndefined(source))) return 'absent';
        if (attempt > 0) throw error;
        await fs.mkdir(path.dirname(target), { recursive: true });
        continue;
      }
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw error;
      return copyInto(source, target);
    }
  }
}

async function copyInto(source: string, target: string): Promise<'linked' | 'exists' | 'absent'> {
  const temporary = `${target}.${randomBytes(8).toString('hex')}.partial`;
  try {
    await fs.copyFile(source, temporary);
  } catch (error) {
    if (isNotFound(error)) return 'absent';
    throw error;
  }
  try {
    await fsyncFile(temporary);
    if (await statOrUndefined(target)) return 'exists';
    await fs.rename(temporary, target);
    return 'linked';
  } finally {
    await fs.rm(temporary, { force: true });
  }
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await fs.open(directory, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function statOrUndefined(file: string) {
  try {
    return await fs.stat(file);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function readdirOrEmpty(directory: string): Promise<string[]> {
  try {
    return await fs.readdir(directory);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT';
}
