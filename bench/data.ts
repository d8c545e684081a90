import { createHash, randomFill } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const randomFillAsync = promisify(randomFill);
const WRITE_BUFFER = 1 << 20;

/** A pre-generated blob on disk: pushes stream it from the file, never from memory. */
export interface BlobFile {
  path: string;
  size: number;
  digest: string;
  /** The same bytes split into files of `partBytes` each, when asked for (for chunked pushes with curl). */
  parts?: string[];
}

/**
 * Writes `size` random bytes to `dir/name`, hashing them on the way; with `partBytes`, the
 * same bytes also go to `dir/name.<n>` files of that size (the chunks of a chunked push).
 */
export async function writeRandomFile(dir: string, name: string, size: number, partBytes?: number): Promise<BlobFile> {
  const file = path.join(dir, name);
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(WRITE_BUFFER);
  const handle = await open(file, 'w');
  const parts: string[] = [];
  let part: FileHandle | undefined;
  try {
    for (let written = 0; written < size; ) {
      const length = Math.min(buffer.length, size - written, partBytes === undefined ? Infinity : partBytes - (written % partBytes));
      const chunk = buffer.subarray(0, length);
      await randomFillAsync(chunk);
      hash.update(chunk);
      await handle.write(chunk, 0, length);
      if (partBytes !== undefined) {
        if (written % partBytes === 0) {
          await part?.close();
          parts.push(`${file}.${parts.length}`);
          part = await open(parts[parts.length - 1]!, 'w');
        }
        await part!.write(chunk, 0, length);
      }
      written += length;
    }
  } finally {
    await part?.close();
    await handle.close();
  }
  return { path: file, size, digest: `sha256:${hash.digest('hex')}`, ...(partBytes === undefined ? {} : { parts }) };
}
