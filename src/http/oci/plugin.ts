import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RegistryError } from '../../registry/errors.js';
import type { Registry } from '../../registry/registry.js';
import { deleteBlob, getBlob, headBlob } from './blob-handlers.js';
import type { DataPlaneGuard } from './guard.js';
import { OCI_ERRORS, ociErrorBody, type OciErrorCode } from './errors.js';
import type { OciExchange } from './handler.js';
import { PaginationError } from './headers.js';
import { listCatalog, listReferrers, listTags } from './listing-handlers.js';
import { deleteManifest, getManifest, headManifest, putManifest } from './manifest-handlers.js';
import { matchOciRoute, splitUrl, type OciRoute } from './routes.js';
import { getSbom } from './sbom-handlers.js';
import { cancelUpload, completeUpload, patchUpload, startUpload, uploadStatus } from './upload-handlers.js';

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Handler = (exchange: OciExchange, route: OciRoute) => Promise<void>;

/** Which handler answers each route and method; anything else is UNSUPPORTED. */
const HANDLERS: Record<OciRoute['kind'], Partial<Record<Method, Handler>>> = {
  base: {
    GET: async ({ reply }) => void reply.code(200).header('Content-Type', 'application/json').send('{}'),
    HEAD: async ({ reply }) => void reply.code(200).send(),
  },
  catalog: { GET: (x) => listCatalog(x) },
  tags: { GET: (x, r) => listTags(x, nameOf(r)) },
  manifest: {
    GET: (x, r) => getManifest(x, nameOf(r), (r as { reference: string }).reference),
    HEAD: (x, r) => headManifest(x, nameOf(r), (r as { reference: string }).reference),
    PUT: (x, r) => putManifest(x, nameOf(r), (r as { reference: string }).reference),
    DELETE: (x, r) => deleteManifest(x, nameOf(r), (r as { reference: string }).reference),
  },
  uploads: { POST: (x, r) => startUpload(x, nameOf(r)) },
  upload: {
    GET: (x, r) => uploadStatus(x, nameOf(r), (r as { id: string }).id),
    PATCH: (x, r) => patchUpload(x, nameOf(r), (r as { id: string }).id),
    PUT: (x, r) => completeUpload(x, nameOf(r), (r as { id: string }).id),
    DELETE: (x, r) => cancelUpload(x, nameOf(r), (r as { id: string }).id),
  },
  blob: {
    GET: (x, r) => getBlob(x, nameOf(r), (r as { digest: string }).digest),
    HEAD: (x, r) => headBlob(x, nameOf(r), (r as { digest: string }).digest),
    DELETE: (x, r) => deleteBlob(x, nameOf(r), (r as { digest: string }).digest),
  },
  referrers: { GET: (x, r) => listReferrers(x, nameOf(r), (r as { digest: string }).digest) },
  sbom: { GET: (x, r) => getSbom(x, nameOf(r), (r as { reference: string }).reference) },
};

function nameOf(route: OciRoute): string {
  return (route as { name: string }).name;
}

/** The OCI Distribution API on `/v2/`. */
export async function ociPlugin(app: FastifyInstance, options: { registry: Registry; guard: DataPlaneGuard }): Promise<void> {
  // Bodies are streamed by the handlers themselves (blobs) or read with a limit (manifests).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('Docker-Distribution-API-Version', 'registry/2.0');
    const { path, query } = splitUrl(request.raw.url ?? '/');
    const route = matchOciRoute(path);
    if (!route) {
      const invalid = path.includes('%') || path.includes('/../') || path.includes('/./') || path.includes('//');
      return sendCode(reply, invalid ? 400 : 404, invalid ? 'NAME_INVALID' : 'NAME_UNKNOWN', invalid ? 'invalid repository path' : 'no such route');
    }
    const handler = HANDLERS[route.kind][request.method as Method];
    if (!handler) {
      request.raw.resume();
      return sendCode(reply, 405, 'UNSUPPORTED', `${request.method} is not supported on this path`);
    }
    const access = await options.guard.check(request, route, request.method);
    const registry = options.registry.forAccount(access.registryId);
    await handler({ registry, request, reply, query, mayPull: (name) => options.guard.mayPull(request, access, name) }, route);
  };

  for (const url of ['/v2', '/v2/', '/v2/*']) {
    app.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'], url, handler: handle });
  }
}

function sendCode(reply: FastifyReply, status: number, code: OciErrorCode, message?: string, detail?: unknown): void {
  reply.code(status).header('Content-Type', 'application/json');
  reply.send(reply.request.method === 'HEAD' ? undefined : ociErrorBody(code, message, detail));
}

function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): void {
  // The client may still be sending: let the rest of the body drain so the connection can be reused.
  if (!request.raw.readableEnded) request.raw.resume();
  if (error instanceof RegistryError) {
    const { status, code } = OCI_ERRORS[error.kind];
    const detail = error.detail as { digest?: string; challenge?: string } | undefined;
    if (detail?.challenge) reply.header('WWW-Authenticate', detail.challenge);
    return sendCode(reply, status, code, error.message, detail?.digest ? { digest: detail.digest } : undefined);
  }
  if (error instanceof PaginationError) return sendCode(reply, 400, 'PAGINATION_NUMBER_INVALID', error.message);
  const statusCode = (error as { statusCode?: number }).statusCode;
  if (statusCode && statusCode >= 400 && statusCode < 500) {
    return sendCode(reply, statusCode, 'UNSUPPORTED', (error as Error).message);
  }
  if (isClientGone(request, error)) {
    // Nothing can be answered to a client that hung up; its partial data was discarded.
    request.log.debug({ err: error }, 'client went away');
    return sendCode(reply, 400, 'BLOB_UPLOAD_INVALID', 'request body was cut short');
  }
  request.log.error({ err: error }, 'request failed');
  reply.code(500).header('Content-Type', 'application/json');
  reply.send(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'internal server error' }] }));
}

function isClientGone(request: FastifyRequest, error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return request.raw.destroyed || request.raw.socket?.destroyed === true || code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}
