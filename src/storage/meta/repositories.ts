import type { Queryable } from './schema.js';

export interface RepositoryRow {
  id: number;
  registryId: string;
  name: string;
  createdAt: number;
}

export async function findRepository(db: Queryable, registryId: string, name: string): Promise<RepositoryRow | undefined> {
  const row = await db
    .selectFrom('repositories')
    .select(['id', 'registry_id', 'name', 'created_at'])
    .where('registry_id', '=', registryId)
    .where('name', '=', name)
    .executeTakeFirst();
  return row && { id: row.id, registryId: row.registry_id, name: row.name, createdAt: row.created_at };
}

/** Returns the repository, creating it when absent (safe under concurrent callers). */
export async function ensureRepository(db: Queryable, registryId: string, name: string, now: number): Promise<RepositoryRow> {
  await db
    .insertInto('repositories')
    .values({ registry_id: registryId, name, created_at: now })
    .onConflict((oc) => oc.columns(['registry_id', 'name']).doNothing())
    .execute();
  const row = await findRepository(db, registryId, name);
  if (!row) throw new Error(`repository ${name} vanished after creation`);
  return row;
}

/** Repository names in byte order, after `last`, at most `limit` of them. */
export async function listRepositoryNames(
  db: Queryable,
  registryId: string,
  options: { last?: string; limit: number },
): Promise<string[]> {
  let query = db
    .selectFrom('repositories')
    .select('name')
    .where('registry_id', '=', registryId)
    .orderBy('name')
    .limit(options.limit);
  if (options.last !== undefined) query = query.where('name', '>', options.last);
  return (await query.execute()).map((row) => row.name);
}
