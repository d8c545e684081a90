import { RegistryError } from '../../registry/errors.js';
import { looksLikeDigest } from '../../registry/digest.js';
import { readBody } from '../read-body.js';
import { accepts } from './headers.js';
import { locationOf, type OciExchange } from './handler.js';

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
  const body = await readBody(request.raw, limit, () => new RegistryError('MANIFEST_TOO_LARGE', `manifest exceeds the limit of ${limit} bytes`));
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
