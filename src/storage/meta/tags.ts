import { prepareQuery } from './database.js';
import type { Queryable } from './schema.js';

const upsertTag = prepareQuery(4, (db, repositoryId: number, name: string, manifestDigest: string, now: number) =>
  db
    .insertInto('tags')
    .values({ repository_id: repositoryId, name, manifest_digest: manifestDigest, updated_at: now })
    .onConflict((oc) => oc.columns(['repository_id', 'name']).doUpdateSet({ manifest_digest: manifestDigest, updated_at: now })),
);

/** Points a tag at a manifest, creating or moving it. */
export async function putTag(db: Queryable, repositoryId: number, name: string, manifestDigest: string, now: number): Promise<void> {
  await upsertTag.execute(db, repositoryId, name, manifestDigest, now);
}

export async function deleteTag(db: Queryable, repositoryId: number, name: string): Promise<boolean> {
  const result = await db
    .deleteFrom('tags')
    .where('repository_id', '=', repositoryId)
    .where('name', '=', name)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Tag names in byte order, after `last`, at most `limit` of them. */
export async function listTagNames(
  db: Queryable,
  repositoryId: number,
  options: { last?: string; limit: number },
): Promise<string[]> {
  let query = db
    .selectFrom('tags')
    .select('name')
    .where('repository_id', '=', repositoryId)
    .orderBy('name')
    .limit(options.limit);
  if (options.last !== undefined) query = query.where('name', '>', options.last);
  return (await query.execute()).map((row) => row.name);
}

export async function tagsOfManifest(db: Queryable, repositoryId: number, manifestDigest: string): Promise<string[]> {
  const rows = await db
    .selectFrom('tags')
    .select('name')
    .where('repository_id', '=', repositoryId)
    .where('manifest_digest', '=', manifestDigest)
    .orderBy('name')
    .execute();
  return rows.map((row) => row.name);
}

const tagDigest = prepareQuery(2, (db, repositoryId: number, name: string) =>
  db.selectFrom('tags').select('manifest_digest').where('repository_id', '=', repositoryId).where('name', '=', name),
);

/** The digest a tag points at, or undefined when the repository has no such tag. */
export async function findTagDigest(db: Queryable, repositoryId: number, name: string): Promise<string | undefined> {
  return (await tagDigest.first(db, repositoryId, name))?.manifest_digest;
}

/**
 * Creates a tag, or refreshes it when it already points at `manifestDigest`; a tag that
 * points elsewhere is left alone. Resolves to false in that case. One statement, so two
 * writers racing to create the same tag cannot both succeed.
 */
export async function putTagUnlessMoved(db: Queryable, repositoryId: number, name: string, manifestDigest: string, now: number): Promise<boolean> {
  const result = await db
    .insertInto('tags')
    .values({ repository_id: repositoryId, name, manifest_digest: manifestDigest, updated_at: now })
    .onConflict((oc) => oc.columns(['repository_id', 'name']).doUpdateSet({ updated_at: now }).where('tags.manifest_digest', '=', manifestDigest))
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}
