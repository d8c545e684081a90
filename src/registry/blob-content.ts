import { Readable } from 'node:stream';
import type { BlobReader } from '../storage/blobs/blob-store.js';
import { findBlobContent } from '../storage/meta/blobs.js';
import type { RegistryContext } from './context.js';
import type { Digest } from './digest.js';

/**
 * Blobs of at most this many bytes, uploaded whole in one request with their length
 * declared, are kept in the metadata database with their blob row instead of in the blob
 * store: image configurations and tiny layers. Their upload is then one database commit,
 * where a store file costs a file write, a file fsync, a link and a directory fsync before
 * that commit. The bound keeps the database small beside the store (about the size of the
 * manifests it holds already). A blob bigger than this is never kept inline, so a reader
 * looks in the database only for blobs this small.
 */
export const INLINE_BLOB_MAX_BYTES = 16 * 1024;

/**
 * A blob's bytes as its store offers them: a positional reader over the whole blob where the
 * store has one (the caller reads the range itself), otherwise a stream of the selected range.
 * Either way the caller owns it and must close the reader or consume or destroy the stream.
 */
export type BlobContent = { reader: BlobReader; stream?: undefined } | { stream: Readable; reader?: undefined };

/** Whether a blob may be kept inline: whole, of a length known before its bytes arrive. */
export function mayKeepInline(size: number | undefined): size is number {
  return size !== undefined && size > 0 && size <= INLINE_BLOB_MAX_BYTES;
}

/**
 * Opens a committed blob's bytes, wherever they are kept: with its row, or in the blob
 * store. `inline`, when the caller knows it, says which (else a small blob is looked for in
 * the database first). `range` is used by stores without positional readers. Undefined when
 * they are nowhere (a blob row without content is a damaged store).
 */
export async function openBlobContent(
  context: RegistryContext,
  blob: { digest: Digest; size: number; inline?: boolean },
  range?: { start: number; end: number },
): Promise<BlobContent | undefined> {
  if (blob.inline ?? blob.size <= INLINE_BLOB_MAX_BYTES) {
    const bytes = await findBlobContent(context.database.db, blob.digest);
    if (bytes) return { reader: new BufferReader(bytes) };
  }
  const store = context.blobs;
  return store.openReader
    ? await store.openReader(blob.digest).then((reader) => reader && { reader })
    : await store.open(blob.digest, range).then((stream) => stream && { stream });
}

/** A committed blob's bytes as one stream, wherever they are kept; undefined when they are nowhere. */
export async function openBlobStream(context: RegistryContext, blob: { digest: Digest; size: number }): Promise<Readable | undefined> {
  const content = await openBlobContent(context, blob);
  if (!content) return undefined;
  if (content.stream) return content.stream;
  const reader = content.reader;
  async function* chunks() {
    try {
      for (let position = 0; position < reader.size; ) {
        const buffer = Buffer.allocUnsafe(Math.min(STREAM_CHUNK_BYTES, reader.size - position));
        const read = await reader.read(buffer, position);
        if (read === 0) throw new Error(`blob ${blob.digest} ends at ${position} bytes, ${reader.size} recorded`);
        position += read;
        yield buffer.subarray(0, read);
      }
    } finally {
      await reader.close();
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

const STREAM_CHUNK_BYTES = 1 << 20;

/** Whether a committed blob's bytes are kept anywhere (`inline`, when the caller knows it, says whether with its row). */
export async function hasBlobContent(context: RegistryContext, blob: { digest: Digest; size: number; inline?: boolean }): Promise<boolean> {
  if (blob.inline) return true;
  if (blob.inline === undefined && blob.size <= INLINE_BLOB_MAX_BYTES && (await findBlobContent(context.database.db, blob.digest))) return true;
  return (await context.blobs.stat(blob.digest)) !== undefined;
}

/** Positional reads of bytes in memory. */
export class BufferReader implements BlobReader {
  constructor(private readonly bytes: Uint8Array) {}

  get size(): number {
    return this.bytes.byteLength;
  }

  async read(buffer: Uint8Array, position: number, length = buffer.byteLength): Promise<number> {
    if (!Number.isSafeInteger(position) || position < 0) throw new RangeError(`invalid read position ${position}`);
    const wanted = Math.min(length, buffer.byteLength, this.bytes.byteLength - position);
    if (wanted <= 0) return 0;
    buffer.set(this.bytes.subarray(position, position + wanted));
    return wanted;
  }

  async close(): Promise<void> {}
}
