import type { FastifyInstance, FastifyReply } from 'fastify';
import { isRegistryError } from '../registry/errors.js';
import type { LayerDownloadGrant } from '../registry/layer-downloads.js';
import type { Registry } from '../registry/registry.js';
import { sendBlob } from './blob-body.js';
import { parseRangeHeader } from './oci/headers.js';

/**
 * The layer download URLs of GetDownloadUrlForLayer, as ECR's presigned S3 URLs behave:
 * `GET /layer-download/<registryId>/<repository>/<digest>?X-Stowage-Expires=…&X-Stowage-Signature=…`
 * serves the layer (with `Range`) to whoever holds the URL, until it expires. The grant is
 * checked before anything else; a tampered or expired URL is answered 403 in S3's form.
 */
export const LAYER_DOWNLOAD_PATH = '/layer-download';
const EXPIRES = 'X-Stowage-Expires';
const SIGNATURE = 'X-Stowage-Signature';
const ROUTE = /^\/layer-download\/(\d{12})\/(.+)\/([^/]+)$/;

export function layerDownloadQuery(grant: { expires: number; signature: string }): string {
  return new URLSearchParams({ [EXPIRES]: String(grant.expires), [SIGNATURE]: grant.signature }).toString();
}

export async function layerDownloadPlugin(app: FastifyInstance, options: { registry: Registry }): Promise<void> {
  app.get(`${LAYER_DOWNLOAD_PATH}/*`, async (request, reply) => {
    const url = request.raw.url ?? '/';
    const question = url.indexOf('?');
    const path = question < 0 ? url : url.slice(0, question);
    const query = new URLSearchParams(question < 0 ? '' : url.slice(question + 1));
    const match = path.includes('%') ? null : ROUTE.exec(path);
    const signature = query.get(SIGNATURE);
    const expires = query.get(EXPIRES);
    if (!match || signature === null || expires === null || !/^\d{1,15}$/.test(expires)) {
      return s3Error(reply, 403, 'AccessDenied', 'Request is not a valid layer download URL');
    }
    const grant: LayerDownloadGrant = { registryId: match[1]!, repositoryName: match[2]!, digest: match[3]!, expires: Number(expires) };
    const check = options.registry.layerDownloads.check(grant, signature, Date.now());
    if (check === 'forged') {
      return s3Error(reply, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided');
    }
    if (check === 'expired') return s3Error(reply, 403, 'AccessDenied', 'Request has expired');

    // The grant names an account this registry signed for, so looking its registry up is safe.
    const registry = options.registry.forAccount(grant.registryId);
    let blobSize: number | undefined;
    let opened;
    try {
      opened = await registry.blobs.open(grant.repositoryName, grant.digest, (size) => {
        blobSize = size;
        return parseRangeHeader(request.headers.range, size);
      });
    } catch (error) {
      if (isRegistryError(error, 'RANGE_NOT_SATISFIABLE')) {
        if (blobSize !== undefined) reply.header('Content-Range', `bytes */${blobSize}`);
        return s3Error(reply, 416, 'InvalidRange', 'The requested range is not satisfiable');
      }
      if (isRegistryError(error)) return s3Error(reply, 404, 'NoSuchKey', 'The specified key does not exist.');
      throw error;
    }
    reply
      .header('Content-Type', 'application/octet-stream')
      .header('Accept-Ranges', 'bytes')
      .header('ETag', `"${opened.digest}"`);
    await sendBlob(reply, opened);
  });
}

function s3Error(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  return reply.code(status).header('Content-Type', 'application/xml').send(body);
}
