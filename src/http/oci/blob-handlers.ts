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
  const blob = await registry.blobs.stat(name, digest);
  let range;
  try {
    range = parseRangeHeader(request.headers.range, blob.size);
  } catch (error) {
    reply.header('Content-Range', `bytes */${blob.size}`);
    throw error;
  }
  const opened = await registry.blobs.open(name, digest, range);
  reply
    .header('Content-Type', 'application/octet-stream')
    .header('Docker-Content-Digest', blob.digest)
    .header('Accept-Ranges', 'bytes')
    .header('ETag', `"${blob.digest}"`)
    .header('Cache-Control', 'max-age=31536000');
  if (range) {
    reply
      .code(206)
      .header('Content-Range', `bytes ${range.start}-${range.end}/${blob.size}`)
      .header('Content-Length', range.end - range.start + 1);
  } else {
    reply.code(200).header('Content-Length', blob.size);
  }
  return reply.send(opened.stream);
}

export async function deleteBlob({ registry, reply }: OciExchange, name: string, digest: string): Promise<void> {
  await registry.blobs.delete(name, digest);
  reply.code(202).header('Content-Length', 0).send();
}
