import type { Queryable } from './schema.js';

/** Points a tag at a manifest, creating or moving it. */
export async function putTag(db: Queryable, repositoryId: number, name: string, manifestDigest: string, now: number): Promise<void> {
  await db
    .insertInto('tags')
    .values({ repository_id: repositoryId, name, manifest_digest: manifestDigest, updated_at: now })
    .onConflict((oc) =>
      oc.columns(['repository_id', 'name']).doUpdateSet({ manifest_digest: manifestDigest, updated_at: now }),
    )
    .execute();
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
