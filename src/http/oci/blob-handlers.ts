import { isRegistryError } from '../../registry/errors.js';
import { sendBlob } from '../blob-body.js';
import { parseRangeHeader } from './headers.js';
import type { OciExchange } from './handler.js';

export async function headBlob({ registry, reply }: OciExchange, name: string, digest: string): Promise<void> {
  const blob = await registry.blobs.stat(name, digest);
  reply
    .code(200)
    .header('Content-Length', blob.size)
    .header('Content-Type', 'application/octet-stream')
    .header('Docker-Content-Digest', blob.digest)
    .header('Accept-Ranges', 'bytes')
    .header('ETag', `"${blob.digest}"`)
    .send();
}

export async function getBlob({ registry, request, reply }: OciExchange, name: string, digest: string): Promise<void> {
  let blobSize: number | undefined;
  let opened;
  try {
    opened = await registry.blobs.open(name, digest, (size) => {
      blobSize = size;
      return parseRangeHeader(request.headers.range, size);
    });
  } catch (error) {
    if (isRegistryError(error, 'RANGE_NOT_SATISFIABLE') && blobSize !== undefined) {
      reply.header('Content-Range', `bytes */${blobSize}`);
    }
    throw error;
  }
  reply
    .header('Content-Type', 'application/octet-stream')
    .header('Docker-Content-Digest', opened.digest)
    .header('Accept-Ranges', 'bytes')
    .header('ETag', `"${opened.digest}"`)
    .header('Cache-Control', 'max-age=31536000');
  await sendBlob(reply, opened);
}

export async function deleteBlob({ registry, reply }: OciExchange, name: string, digest: string): Promise<void> {
  await registry.blobs.delete(name, digest);
  reply.code(202).header('Content-Length', 0).send();
}
