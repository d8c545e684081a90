import { createHash, randomFill } from 'node:crypto';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const randomFillAsync = promisify(randomFill);
const WRITE_BUFFER = 1 << 20;

/** A pre-generated blob on disk: pushes stream it from the file, never from memory. */
export interface BlobFile {
  path: string;
  size: number;
  digest: string;
}

/** Writes `size` random bytes to `dir/name`, hashing them on the way. */
export async function writeRandomFile(dir: string, name: string, size: number): Promise<BlobFile> {
  const file = path.join(dir, name);
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(WRITE_BUFFER);
  const handle = await open(file, 'w');
  try {
    for (let written = 0; written < size; ) {
      const length = Math.min(buffer.length, size - written);
      const chunk = buffer.subarray(0, length);
      await randomFillAsync(chunk);
      hash.update(chunk);
      await handle.write(chunk, 0, length);
      written += length;
    }
  } finally {
    await handle.close();
  }
  return { path: file, size, digest: `sha256:${hash.digest('hex')}` };
}
