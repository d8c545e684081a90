import { RegistryError } from '../../registry/errors.js';
import { contentLength, hasBody, parseContentRange } from './headers.js';
import { locationOf, type OciExchange } from './handler.js';

/** `Range: 0-<last byte>` as the distribution registry reports it ("0-0" when empty). */
function rangeOf(size: number): string {
  return `0-${Math.max(0, size - 1)}`;
}

function acceptedUpload(exchange: OciExchange, name: string, id: string, size: number): void {
  exchange.reply
    .code(202)
    .header('Location', locationOf(name, `blobs/uploads/${id}`))
    .header('Range', rangeOf(size))
    .header('Docker-Upload-UUID', id)
    .header('Content-Length', 0)
    .send();
}

function createdBlob(exchange: OciExchange, name: string, digest: string): void {
  exchange.reply
    .code(201)
    .header('Location', locationOf(name, `blobs/${digest}`))
    .header('Docker-Content-Digest', digest)
    .header('Content-Length', 0)
    .send();
}

/** POST: a mount, a whole blob in one request, or a new session. */
export async function startUpload(exchange: OciExchange, name: string): Promise<void> {
  const { registry, request, query } = exchange;
  const mount = query.get('mount');
  if (mount !== null) {
    const from = query.get('from');
    // A source the caller may not pull from is not mountable: the client uploads instead.
    const mounted = from && (await exchange.mayPull(from)) ? await registry.blobs.mount(name, mount, from) : undefined;
    if (mounted) return createdBlob(exchange, name, mounted.digest);
    // Not mountable: fall through to an ordinary upload session, as the spec requires.
  }
  const digest = query.get('digest');
  if (digest !== null && mount === null) {
    const digestValue = await registry.uploads.uploadWhole(name, digest, request.raw, contentLength(request.headers));
    return createdBlob(exchange, name, digestValue);
  }
  const session = await registry.uploads.start(name);
  acceptedUpload(exchange, name, session.id, session.size);
}

export async function uploadStatus(exchange: OciExchange, name: string, id: string): Promise<void> {
  const status = await exchange.registry.uploads.status(name, id);
  exchange.reply
    .code(204)
    .header('Location', locationOf(name, `blobs/uploads/${id}`))
    .header('Range', rangeOf(status.size))
    .header('Docker-Upload-UUID', id)
    .send();
}

/** PATCH: one chunk (with Content-Range) or a stream (without). */
export async function patchUpload(exchange: OciExchange, name: string, id: string): Promise<void> {
  const { registry, request, reply } = exchange;
  let range;
  try {
    range = parseContentRange(request.headers['content-range'] as string | undefined);
    const status = await registry.uploads.append(name, id, request.raw, range, contentLength(request.headers));
    acceptedUpload(exchange, name, id, status.size);
  } catch (error) {
    if (error instanceof RegistryError && error.kind === 'RANGE_NOT_SATISFIABLE') {
      const size = (error.detail as { size?: number } | undefined)?.size;
      reply.header('Location', locationOf(name, `blobs/uploads/${id}`)).header('Docker-Upload-UUID', id);
      if (size !== undefined) reply.header('Range', rangeOf(size));
    }
    throw error;
  }
}

/** PUT ?digest=: the optional last chunk, then the blob is committed. */
export async function completeUpload(exchange: OciExchange, name: string, id: string): Promise<void> {
  const { registry, request, query } = exchange;
  const digest = query.get('digest');
  if (digest === null) throw new RegistryError('DIGEST_INVALID', 'the digest query parameter is required');
  const body = hasBody(request.headers) ? request.raw : undefined;
  const range = body ? parseContentRange(request.headers['content-range'] as string | undefined) : undefined;
  const committed = await registry.uploads.complete(name, id, digest, body, range, body && contentLength(request.headers));
  createdBlob(exchange, name, committed);
}

export async function cancelUpload(exchange: OciExchange, name: string, id: string): Promise<void> {
  await exchange.registry.uploads.cancel(name, id);
  exchange.reply.code(204).send();
}
