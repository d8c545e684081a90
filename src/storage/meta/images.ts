import { sql, type ExpressionBuilder } from 'kysely';
import { SUMMARY_COLUMNS, toSummary, type ManifestSummary, type SummaryRow } from './manifests.js';
import type { Queryable, Schema } from './schema.js';

/**
 * Images as ECR's control plane sees them: a manifest of a repository with its tags.
 * Listing orders by digest (and tag), byte-wise on both dialects, so pages are stable.
 */
export type TagStatus = 'TAGGED' | 'UNTAGGED' | 'ANY';

/** One line of ListImages: a tag with its digest, or an untagged manifest (tag null). */
export interface ImageIdRow {
  digest: string;
  tag: string | null;
}

/** A tag never is empty, so '' sorts an untagged manifest before the tags of the same digest. */
const tagOrder = sql<string>`coalesce(t.name, '')`;

/** Image ids in (digest, tag) order after `after`, at most `limit`. */
export async function listImageIds(
  db: Queryable,
  repositoryId: number,
  options: { tagStatus: TagStatus; after?: { digest: string; tag: string }; limit: number },
): Promise<ImageIdRow[]> {
  let query = db
    .selectFrom('manifests as m')
    .leftJoin('tags as t', (join) => join.onRef('t.repository_id', '=', 'm.repository_id').onRef('t.manifest_digest', '=', 'm.digest'))
    .select(['m.digest as digest', 't.name as tag'])
    .where('m.repository_id', '=', repositoryId);
  if (options.tagStatus === 'TAGGED') query = query.where('t.name', 'is not', null);
  if (options.tagStatus === 'UNTAGGED') query = query.where('t.name', 'is', null);
  const after = options.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([eb('m.digest', '>', after.digest), eb.and([eb('m.digest', '=', after.digest), eb(tagOrder, '>', after.tag)])]),
    );
  }
  const rows = await query.orderBy('m.digest').orderBy(tagOrder).limit(options.limit).execute();
  return rows.map((row) => ({ digest: row.digest, tag: row.tag ?? null }));
}

/** Manifest summaries in digest order after `after`, at most `limit`, filtered by whether they are tagged. */
export async function listImageSummaries(
  db: Queryable,
  repositoryId: number,
  options: { tagStatus: TagStatus; after?: string; limit: number },
): Promise<ManifestSummary[]> {
  let query = db
    .selectFrom('manifests')
    .select(SUMMARY_COLUMNS)
    .where('manifests.repository_id', '=', repositoryId);
  const tagged = (eb: ExpressionBuilder<Schema, 'manifests'>) =>
    eb.exists(
      eb
        .selectFrom('tags')
        .select('tags.name')
        .whereRef('tags.repository_id', '=', 'manifests.repository_id')
        .whereRef('tags.manifest_digest', '=', 'manifests.digest'),
    );
  if (options.tagStatus === 'TAGGED') query = query.where((eb) => tagged(eb));
  if (options.tagStatus === 'UNTAGGED') query = query.where((eb) => eb.not(tagged(eb)));
  if (options.after !== undefined) query = query.where('manifests.digest', '>', options.after);
  const rows = await query.orderBy('manifests.digest').limit(options.limit).execute();
  return rows.map((row) => toSummary(row as SummaryRow));
}

/** Summaries of the named manifests that exist, keyed by digest. */
export async function findImageSummaries(db: Queryable, repositoryId: number, digests: string[]): Promise<Map<string, ManifestSummary>> {
  if (digests.length === 0) return new Map();
  const rows = await db
    .selectFrom('manifests')
    .select(SUMMARY_COLUMNS)
    .where('repository_id', '=', repositoryId)
    .where('digest', 'in', digests)
    .execute();
  return new Map(rows.map((row) => [row.digest, toSummary(row as SummaryRow)]));
}

/** The tags of each of `digests`, in byte order; digests without tags are absent. */
export async function tagsOfManifests(db: Queryable, repositoryId: number, digests: string[]): Promise<Map<string, string[]>> {
  const tags = new Map<string, string[]>();
  if (digests.length === 0) return tags;
  const rows = await db
    .selectFrom('tags')
    .select(['manifest_digest', 'name'])
    .where('repository_id', '=', repositoryId)
    .where('manifest_digest', 'in', digests)
    .orderBy('manifest_digest')
    .orderBy('name')
    .execute();
  for (const row of rows) {
    const list = tags.get(row.manifest_digest);
    if (list) list.push(row.name);
    else tags.set(row.manifest_digest, [row.name]);
  }
  return tags;
}

/** The digest each of `tags` points at; unknown tags are absent. */
export async function digestsOfTags(db: Queryable, repositoryId: number, tags: string[]): Promise<Map<string, string>> {
  if (tags.length === 0) return new Map();
  const rows = await db
    .selectFrom('tags')
    .select(['name', 'manifest_digest'])
    .where('repository_id', '=', repositoryId)
    .where('name', 'in', tags)
    .execute();
  return new Map(rows.map((row) => [row.name, row.manifest_digest]));
}

/** For each of `digests` that an index of the repository lists, the indexes listing it. */
export async function indexesListing(db: Queryable, repositoryId: number, digests: string[]): Promise<Map<string, string[]>> {
  const listing = new Map<string, string[]>();
  if (digests.length === 0) return listing;
  const rows = await db
    .selectFrom('manifest_references')
    .select(['referenced_digest', 'manifest_digest'])
    .where('repository_id', '=', repositoryId)
    .where('kind', '=', 'manifest')
    .where('referenced_digest', 'in', digests)
    .orderBy('manifest_digest')
    .execute();
  for (const row of rows) {
    const list = listing.get(row.referenced_digest);
    if (list) list.push(row.manifest_digest);
    else listing.set(row.referenced_digest, [row.manifest_digest]);
  }
  return listing;
}

/** Media type and stored bytes of each of `digests` that the repository holds. */
export async function findManifestContents(
  db: Queryable,
  repositoryId: number,
  digests: string[],
): Promise<Map<string, { mediaType: string; content: Uint8Array }>> {
  if (digests.length === 0) return new Map();
  const rows = await db
    .selectFrom('manifests')
    .select(['digest', 'media_type', 'content'])
    .where('repository_id', '=', repositoryId)
    .where('digest', 'in', digests)
    .execute();
  return new Map(rows.map((row) => [row.digest, { mediaType: row.media_type, content: row.content }]));
}
