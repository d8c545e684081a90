import { isRegistryError } from '../../registry/errors.js';
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
  const { range, size } = opened;
  reply
    .header('Content-Type', 'application/octet-stream')
    .header('Docker-Content-Digest', opened.digest)
    .header('Accept-Ranges', 'bytes')
    .header('ETag', `"${opened.digest}"`)
    .header('Cache-Control', 'max-age=31536000');
  if (range) {
    reply
      .code(206)
      .header('Content-Range', `bytes ${range.start}-${range.end}/${size}`)
      .header('Content-Length', range.end - range.start + 1);
  } else {
    reply.code(200).header('Content-Length', size);
  }
  return reply.send(opened.stream);
}

export async function deleteBlob({ registry, reply }: OciExchange, name: string, digest: string): Promise<void> {
  await registry.blobs.delete(name, digest);
  reply.code(202).header('Content-Length', 0).send();
}
