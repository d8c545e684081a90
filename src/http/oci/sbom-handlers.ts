import { looksLikeDigest } from '../../registry/digest.js';
import { RegistryError } from '../../registry/errors.js';
import { isSbomFormat, renderSbom, SBOM_FORMATS, SBOM_MEDIA_TYPES } from '../../scanning/sbom/index.js';
import type { OciExchange } from './handler.js';

/**
 * `GET /v2/<name>/_stowage/sbom/<tag or digest>?format=cyclonedx|spdx`: the image's package
 * inventory as an SBOM (CycloneDX 1.5 JSON by default, or SPDX 2.3 JSON). An extension of
 * the distribution API in its reserved `_<namespace>` form, authorized like a manifest pull.
 */
export async function getSbom(exchange: OciExchange, name: string, reference: string): Promise<void> {
  const { registry, request, reply, query } = exchange;
  const format = query.get('format') ?? 'cyclonedx';
  if (!isSbomFormat(format)) throw new RegistryError('INVALID_PARAMETER', `unknown SBOM format '${format}': use one of ${SBOM_FORMATS.join(', ')}`);
  const imageId = looksLikeDigest(reference) ? { imageDigest: reference } : { imageTag: reference };
  const image = await registry.scans.inventory(name, imageId);
  const subject = { registry: request.headers.host ?? 'localhost', repository: name, digest: image.digest, tags: image.tags };
  reply.code(200).header('Content-Type', SBOM_MEDIA_TYPES[format]).send(renderSbom(format, image.inventory, subject, new Date(registry.context.now())));
}
