import { MediaType } from '../../registry/media-types.js';
import { parsePagination } from './headers.js';
import type { OciExchange } from './handler.js';

const CATALOG_DEFAULT_PAGE = 1000;
const MAX_PAGE = 10_000;

function nextLink(path: string, last: string, limit: number): string {
  const query = new URLSearchParams({ last, n: String(limit) });
  return `<${path}?${query.toString()}>; rel="next"`;
}

export async function listTags({ registry, reply, query }: OciExchange, name: string): Promise<void> {
  const page = parsePagination(query, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const { tags, hasMore } = await registry.manifests.listTags(name, { last: page.last, limit: page.limit });
  if (hasMore && tags.length > 0) reply.header('Link', nextLink(`/v2/${name}/tags/list`, tags.at(-1)!, page.limit));
  reply.code(200).header('Content-Type', 'application/json').send(JSON.stringify({ name, tags }));
}

export async function listCatalog({ registry, reply, query }: OciExchange): Promise<void> {
  const page = parsePagination(query, CATALOG_DEFAULT_PAGE, MAX_PAGE);
  const names = page.limit === 0 ? [] : await registry.repositories.list({ last: page.last, limit: page.limit + 1 });
  const repositories = names.slice(0, page.limit);
  if (names.length > page.limit && repositories.length > 0) {
    reply.header('Link', nextLink('/v2/_catalog', repositories.at(-1)!, page.limit));
  }
  reply.code(200).header('Content-Type', 'application/json').send(JSON.stringify({ repositories }));
}

export async function listReferrers({ registry, reply, query }: OciExchange, name: string, digest: string): Promise<void> {
  const artifactType = query.get('artifactType') ?? undefined;
  const manifests = await registry.manifests.listReferrers(name, digest, artifactType);
  if (artifactType !== undefined) reply.header('OCI-Filters-Applied', 'artifactType');
  // A Buffer, so that the Content-Type goes out exactly as the spec names it (no charset added).
  reply
    .code(200)
    .header('Content-Type', MediaType.ociIndex)
    .send(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests })));
}
