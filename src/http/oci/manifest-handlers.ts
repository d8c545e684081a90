import { RegistryError } from '../../registry/errors.js';
import { looksLikeDigest } from '../../registry/digest.js';
import { contentLength } from './headers.js';
import { accepts } from './headers.js';
import { locationOf, type OciExchange } from './handler.js';
import type { IncomingMessage } from 'node:http';

async function getOrHead(exchange: OciExchange, name: string, reference: string, method: 'GET' | 'HEAD'): Promise<void> {
  const { registry, request, reply } = exchange;
  const manifest = await registry.manifests.get(name, reference, { recordPull: method === 'GET' });
  // A tag is negotiated against Accept; a digest names exact bytes and is always served.
  if (!looksLikeDigest(reference) && !accepts(request.headers.accept, manifest.mediaType)) {
    throw new RegistryError('MANIFEST_NOT_ACCEPTABLE', `manifest is ${manifest.mediaType}, which the Accept header does not allow`);
  }
  reply
    .code(200)
    .header('Content-Type', manifest.mediaType)
    .header('Content-Length', manifest.content.byteLength)
    .header('Docker-Content-Digest', manifest.digest)
    .header('ETag', `"${manifest.digest}"`);
  if (method === 'HEAD') return reply.send();
  return reply.send(Buffer.from(manifest.content.buffer, manifest.content.byteOffset, manifest.content.byteLength));
}

export const getManifest = (exchange: OciExchange, name: string, reference: string) => getOrHead(exchange, name, reference, 'GET');
export const headManifest = (exchange: OciExchange, name: string, reference: string) => getOrHead(exchange, name, reference, 'HEAD');

export async function putManifest(exchange: OciExchange, name: string, reference: string): Promise<void> {
  const { registry, request, reply } = exchange;
  const limit = registry.context.limits.maxManifestBytes;
  const body = await readLimited(request.raw, limit, contentLength(request.headers));
  const pushed = await registry.manifests.put(name, reference, body, request.headers['content-type']);
  reply
    .code(201)
    .header('Location', locationOf(name, `manifests/${pushed.digest}`))
    .header('Docker-Content-Digest', pushed.digest)
    .header('Content-Length', 0);
  if (pushed.subjectDigest) reply.header('OCI-Subject', pushed.subjectDigest);
  reply.send();
}

export async function deleteManifest(exchange: OciExchange, name: string, reference: string): Promise<void> {
  await exchange.registry.manifests.delete(name, reference);
  exchange.reply.code(202).header('Content-Length', 0).send();
}

/** Reads a request body of at most `limit` bytes into memory (manifests only). */
async function readLimited(stream: IncomingMessage, limit: number, declared: number | undefined): Promise<Buffer> {
  const tooLarge = () => new RegistryError('MANIFEST_TOO_LARGE', `manifest exceeds the limit of ${limit} bytes`);
  if (declared !== undefined && declared > limit) {
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
