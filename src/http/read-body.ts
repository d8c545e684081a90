import type { IncomingMessage } from 'node:http';

/**
 * Reads a small request body (a manifest, an API request) of at most `limit` bytes into
 * memory. A declared or actual size over the limit fails with `tooLarge()`; the rest of
 * the body is drained so the connection stays usable.
 */
export async function readBody(stream: IncomingMessage, limit: number, tooLarge: () => Error): Promise<Buffer> {
  const declared = Number(stream.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    stream.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      stream.resume();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}
