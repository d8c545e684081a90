/**
 * Reads one image layer blob as a stream of tar entries.
 *
 * The compression is found from the blob's first bytes (gzip `1f 8b`, zstd `28 b5 2f fd`,
 * anything else is read as a plain tar), the way containerd's decompressor does, so a layer
 * whose media type is generic or wrong still reads; the media type only rejects what is not
 * a layer at all (encrypted layers, configs). Nothing is buffered beyond the decompressor's
 * and the tar parser's own windows: an entry's content is read into memory only when the
 * caller asks for it (`read()`, never past `maxFileSize`), or handed over as a stream of any
 * size (`stream()`) for a caller that keeps only a small part of it.
 */
import { PassThrough, Readable, Transform, pipeline } from 'node:stream';
import zlib from 'node:zlib';
import { Decompress } from 'fzstd';
import tar from 'tar-stream';

export const DEFAULT_MAX_FILE_SIZE = 8 * 1024 * 1024;

export type Compression = 'gzip' | 'zstd' | 'none';

export class LayerFormatError extends Error {
  override name = 'LayerFormatError';
}

export class FileTooLargeError extends Error {
  override name = 'FileTooLargeError';
  constructor(readonly path: string, readonly size: number, readonly limit: number) {
    super(`layer file ${path} is ${size} bytes, over the ${limit}-byte limit for files read by the scanner`);
  }
}

export type EntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface LayerEntry {
  /** Normalized: relative to the image root, no leading `/` or `./`, no `.`/`..` segments. */
  path: string;
  type: EntryType;
  size: number;
  mode: number;
  /** A symlink's target as written; a hard link's target normalized like `path`. */
  linkname?: string;
  /** Reads a regular file's content; only valid until the next entry is requested. */
  read(): Promise<Buffer>;
  /**
   * A regular file's content as a stream, whatever its size; only valid until the next entry
   * is requested. The reader may stop (or destroy the stream) anywhere: the rest of the
   * content is skipped when the next entry is requested. Either this or `read()`, once.
   */
  stream(): Readable;
}

export interface ReadLayerOptions {
  maxFileSize?: number;
  /** Told about each entry that is skipped (a path escaping the root with `..`). */
  onSkip?: (rawPath: string, reason: string) => void;
}

const KNOWN_LAYER_TYPES: Record<string, Compression> = {
  'application/vnd.oci.image.layer.v1.tar': 'none',
  'application/vnd.oci.image.layer.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd': 'zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar': 'none',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd': 'zstd',
  'application/vnd.docker.image.rootfs.diff.tar': 'none',
  'application/vnd.docker.image.rootfs.diff.tar.gzip': 'gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip': 'gzip',
};

/** The compression a media type declares, or undefined when it does not say (or is not a known layer type). */
export function compressionOfMediaType(mediaType: string): Compression | undefined {
  return KNOWN_LAYER_TYPES[mediaType.split(';')[0]!.trim().toLowerCase()];
}

/** The compression the first bytes of a blob show. */
export function sniffCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/**
 * Normalizes a tar path: strips leading `/` and `./`, drops `.` and empty segments and
 * resolves `..`. Returns null for a path that climbs above the root (`../../etc/passwd`);
 * returns '' for the root itself.
 */
export function normalizeLayerPath(raw: string): string | null {
  const out: string[] = [];
  for (const seg of raw.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return null;
      out.pop();
      continue;
    }
    out.push(seg);
  }
  return out.join('/');
}

function entryType(type: string | null | undefined): EntryType {
  switch (type) {
    case 'file':
    case 'contiguous-file':
    case null:
    case undefined:
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    default:
      return 'other';
  }
}

function zstdDecompressor(): Transform {
  let decoder: Decompress;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        decoder.push(chunk);
        cb();
      } catch (err) {
        cb(new LayerFormatError(`invalid zstd layer: ${(err as Error).message}`));
      }
    },
    flush(cb) {
      try {
        decoder.push(new Uint8Array(0), true);
        cb();
      } catch (err) {
        cb(new LayerFormatError(`invalid zstd layer: ${(err as Error).message}`));
      }
    },
  });
  decoder = new Decompress((data) => {
    // fzstd hands out views of its own window: copy before it is reused.
    if (data.length > 0) t.push(Buffer.from(data));
  });
  return t;
}

function decompressor(compression: Compression): Transform {
  switch (compression) {
    case 'gzip':
      return zlib.createGunzip();
    case 'zstd':
      return zstdDecompressor();
    case 'none':
      return new PassThrough();
  }
}

/** Reads the first `n` bytes (or fewer at the end) and returns them with a stream of the whole blob. */
async function peek(blob: Readable, n: number): Promise<{ head: Buffer; whole: Readable }> {
  const iterator = blob[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const chunks: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < n) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    chunks.push(chunk);
    length += chunk.length;
  }
  const head = Buffer.concat(chunks);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    }
  }
  const whole = Readable.from(rest(), { objectMode: false });
  whole.once('close', () => {
    if (!blob.destroyed) blob.destroy();
  });
  return { head, whole };
}

/**
 * Pulls the chunks of one tar entry in order, one request at a time, without ever ending the
 * entry's stream early (destroying a tar-stream entry destroys the whole archive): what is
 * not read is drained with `drain()`.
 */
class EntryContent {
  private iterator: AsyncIterator<Buffer> | undefined;
  private ended = false;
  private tail: Promise<unknown> = Promise.resolve();
  /** Whether any chunk was asked for (from then on the rest must be drained through here). */
  started = false;

  constructor(private readonly source: AsyncIterable<Buffer>) {}

  /** The next chunk, or undefined at the end of the entry; calls are served one after another. */
  next(): Promise<Buffer | undefined> {
    this.started = true;
    const chunk = this.tail.then(() => this.pull());
    this.tail = chunk.catch(() => undefined);
    return chunk;
  }

  async drain(): Promise<void> {
    while ((await this.next()) !== undefined);
  }

  private async pull(): Promise<Buffer | undefined> {
    if (this.ended) return undefined;
    this.iterator ??= this.source[Symbol.asyncIterator]();
    const result = await this.iterator.next();
    if (result.done) {
      this.ended = true;
      return undefined;
    }
    return result.value;
  }
}

async function readCapped(content: EntryContent, path: string, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  // Counts to the end even past the limit (discarding), so the error tells the real size.
  for (let chunk = await content.next(); chunk !== undefined; chunk = await content.next()) {
    length += chunk.length;
    if (length <= limit) chunks.push(chunk);
  }
  if (length > limit) throw new FileTooLargeError(path, length, limit);
  return Buffer.concat(chunks, length);
}

/** A stream over an entry's content that stops pulling when it is destroyed, and fails once the entry is left behind. */
function contentStream(content: EntryContent, isCurrent: () => boolean, path: string): Readable {
  return new Readable({
    read() {
      if (!isCurrent()) {
        this.destroy(new Error(`the content of ${path} is no longer available: the layer has moved on`));
        return;
      }
      content.next().then(
        (chunk) => {
          if (!this.destroyed) this.push(chunk ?? null);
        },
        (err: unknown) => this.destroy(err instanceof Error ? err : new Error(String(err))),
      );
    },
  });
}

/**
 * The tar entries of one layer blob, in archive order. Entries whose path escapes the root
 * are skipped (reported to `onSkip`), as is the root directory entry itself. Breaking out of
 * the loop destroys the blob stream.
 */
export async function* readLayer(blob: Readable, mediaType: string, options: ReadLayerOptions = {}): AsyncGenerator<LayerEntry> {
  const base = mediaType.split(';')[0]!.trim().toLowerCase();
  if (base.includes('+encrypted')) throw new LayerFormatError(`encrypted layers are not supported (${mediaType})`);
  if (compressionOfMediaType(base) === undefined && !/tar|layer|octet-stream/.test(base)) {
    throw new LayerFormatError(`${mediaType} is not a layer media type`);
  }
  const maxFileSize = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  const { head, whole } = await peek(blob, 4);
  const extract = tar.extract();
  pipeline(whole, decompressor(sniffCompression(head)), extract, (err) => {
    if (err) extract.destroy(err instanceof LayerFormatError ? err : new LayerFormatError(`unreadable layer: ${err.message}`));
  });
  try {
    for await (const stream of extract) {
      const header = stream.header;
      const path = normalizeLayerPath(header.name);
      if (path === null || path === '') {
        if (path === null) options.onSkip?.(header.name, 'path escapes the image root');
        stream.resume();
        continue;
      }
      const type = entryType(header.type);
      let linkname: string | undefined;
      if (type === 'symlink') linkname = header.linkname ?? '';
      if (type === 'hardlink') {
        const target = normalizeLayerPath(header.linkname ?? '');
        if (target === null || target === '') {
          options.onSkip?.(header.name, `hard link target ${header.linkname} escapes the image root`);
          stream.resume();
          continue;
        }
        linkname = target;
      }
      const size = header.size ?? 0;
      const content = new EntryContent(stream as AsyncIterable<Buffer>);
      let consumed = false;
      let current = true;
      const take = (): void => {
        if (consumed) throw new Error(`the content of ${path} was already read`);
        if (type !== 'file') throw new Error(`${path} is not a regular file`);
      };
      const entry: LayerEntry = {
        path,
        type,
        size,
        mode: header.mode ?? 0,
        ...(linkname !== undefined ? { linkname } : {}),
        read: async () => {
          take();
          if (size > maxFileSize) throw new FileTooLargeError(path, size, maxFileSize);
          consumed = true;
          return readCapped(content, path, maxFileSize);
        },
        stream: () => {
          take();
          consumed = true;
          return contentStream(content, () => current, path);
        },
      };
      yield entry;
      current = false;
      if (content.started) await content.drain();
      else stream.resume();
    }
  } finally {
    if (!whole.destroyed) whole.destroy();
  }
}
