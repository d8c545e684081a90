import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { BlobContent } from '../registry/blob-content.js';
import type { BlobReader, ByteRange } from '../storage/blobs/blob-store.js';

/** Size of each buffer a blob is read into. */
const BUFFER_BYTES = 1 << 20;
/** Buffers per response: one is filled from the store while the others are on their way to the socket. */
const BUFFERS = 3;

/**
 * Answers with a blob, or the selected range of it: 200 with `Content-Length`, or 206 with
 * `Content-Range`. Other headers are set on `reply` by the caller beforehand.
 *
 * A store with positional reads is served through a few buffers reused for the whole
 * transfer, not one new buffer per chunk as a file stream allocates: at hundreds of
 * megabytes per second that garbage (memory outside the V8 heap) keeps the collector busy.
 * The reply is then written directly (fastify's `hijack`), because only the write
 * callbacks tell when the socket is done with a buffer.
 */
export async function sendBlob(reply: FastifyReply, blob: { size: number; range: ByteRange | undefined; content: BlobContent }): Promise<void> {
  const { size, range, content } = blob;
  if (range) {
    reply
      .code(206)
      .header('Content-Range', `bytes ${range.start}-${range.end}/${size}`)
      .header('Content-Length', range.end - range.start + 1);
  } else {
    reply.code(200).header('Content-Length', size);
  }
  if (content.stream) {
    reply.send(content.stream);
    return;
  }
  const { reader } = content;
  reply.hijack();
  const response = reply.raw;
  try {
    response.writeHead(reply.statusCode, reply.getHeaders() as OutgoingHttpHeaders);
    await copyToResponse(reader, response, range ? range.start : 0, range ? range.end + 1 : size);
  } catch (error) {
    // The status line and length are out: cutting the connection is how the client learns
    // that the body is incomplete.
    reply.log.error({ err: error }, 'blob transfer failed');
    response.destroy();
  } finally {
    await reader.close().catch((error: unknown) => reply.log.warn({ err: error }, 'closing a blob reader failed'));
  }
}

/**
 * Copies bytes [start, end) of a blob to the response. Reads are sequential; each buffer
 * goes back to the free list only when the socket's write callback has released it, so
 * memory per response is bounded by `BUFFERS` however slow the client (this is the
 * backpressure). Resolves when the last byte has been handed to the response, or as soon
 * as the client hangs up (no more reads are made); rejects when a read fails or the blob
 * ends early.
 */
function copyToResponse(reader: BlobReader, response: ServerResponse, start: number, end: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const bufferBytes = Math.min(BUFFER_BYTES, end - start);
    const free: Buffer[] = [];
    let allocated = 0;
    let position = start;
    let reading = false;
    let settled = false;

    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      response.off('close', onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    // Emitted before the end only when the connection went away.
    const onClose = () => settle();

    const next = () => {
      if (settled || reading) return;
      if (position >= end) {
        response.end();
        settle();
        return;
      }
      let buffer = free.pop();
      if (!buffer) {
        if (allocated === BUFFERS) return; // every buffer is still being written: a write callback calls next()
        buffer = Buffer.allocUnsafeSlow(bufferBytes);
        allocated++;
      }
      const filling = buffer;
      reading = true;
      reader.read(filling, position, Math.min(bufferBytes, end - position)).then(
        (bytesRead) => {
          reading = false;
          if (settled) return;
          if (bytesRead === 0) {
            settle(new Error(`blob content ends at byte ${position}, before byte ${end}`));
            return;
          }
          position += bytesRead;
          response.write(filling.subarray(0, bytesRead), (error) => {
            // After an error the connection is gone ('close' follows); the buffer is not reused.
            if (error) return;
            free.push(filling);
            next();
          });
          next();
        },
        (error: unknown) => {
          reading = false;
          settle(error);
        },
      );
    };

    if (response.destroyed) {
      settle();
      return;
    }
    response.on('close', onClose);
    next();
  });
}
