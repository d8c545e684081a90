import type { Queryable } from './schema.js';

export interface AffectedKey {
  ecosystem: string;
  package: string;
}

export interface VulnDatabaseState {
  /** The newest advisory's modified time (epoch ms): how fresh the database is. */
  updatedAt: number;
  importedAt: number;
  advisories: number;
}

/** The stored modified times of those of `ids` that exist. */
export async function storedModifiedTimes(db: Queryable, ids: string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('vuln_advisories').select(['id', 'modified']).where('id', 'in', ids).execute();
  return new Map(rows.map((row) => [row.id, Number(row.modified)]));
}

/** Inserts or replaces an advisory with the packages it affects. */
export async function putAdvisory(trx: Queryable, id: string, modified: number, document: string, affected: AffectedKey[]): Promise<void> {
  await trx.deleteFrom('vuln_affected').where('advisory_id', '=', id).execute();
  await trx
    .insertInto('vuln_advisories')
    .values({ id, modified, document })
    .onConflict((oc) => oc.column('id').doUpdateSet({ modified, document }))
    .execute();
  if (affected.length > 0) {
    await trx
      .insertInto('vuln_affected')
      .values(affected.map((key) => ({ advisory_id: id, ecosystem: key.ecosystem, package: key.package })))
      .execute();
  }
}

/** Removes an advisory (withdrawn); resolves to whether it was there. */
export async function deleteAdvisory(trx: Queryable, id: string): Promise<boolean> {
  const result = await trx.deleteFrom('vuln_advisories').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Records the database's state after an import: its size, and its freshness, the newest
 * `modified` time it has seen (`seenNewest`: of the import, withdrawn advisories included).
 */
export async function recordDatabaseState(trx: Queryable, importedAt: number, seenNewest: number): Promise<VulnDatabaseState> {
  const row = await trx
    .selectFrom('vuln_advisories')
    .select((eb) => [eb.fn.max<number | null>('modified').as('newest'), eb.fn.countAll<number>().as('count')])
    .executeTakeFirstOrThrow();
  const previous = await databaseState(trx);
  const updatedAt = Math.max(Number(row.newest ?? 0), seenNewest, previous?.updatedAt ?? 0);
  const state = { updatedAt, importedAt, advisories: Number(row.count) };
  await trx
    .insertInto('vuln_database')
    .values({ id: 1, updated_at: state.updatedAt, imported_at: importedAt, advisories: state.advisories })
    .onConflict((oc) => oc.column('id').doUpdateSet({ updated_at: state.updatedAt, imported_at: importedAt, advisories: state.advisories }))
    .execute();
  return state;
}

/** The database's state, or undefined when nothing was ever imported. */
export async function databaseState(db: Queryable): Promise<VulnDatabaseState | undefined> {
  const row = await db.selectFrom('vuln_database').selectAll().where('id', '=', 1).executeTakeFirst();
  return row && { updatedAt: Number(row.updated_at), importedAt: Number(row.imported_at), advisories: Number(row.advisories) };
}

/** Look-ups per query: SQL parameter lists stay well under both dialects' limits. */
const LOOKUP_BATCH = 500;

/** Runs `query` over the distinct `values` in batches of LOOKUP_BATCH, concatenating what it finds. */
async function inBatches<R>(values: string[], query: (batch: string[]) => Promise<R[]>): Promise<R[]> {
  const unique = [...new Set(values)];
  const found: R[] = [];
  for (let i = 0; i < unique.length; i += LOOKUP_BATCH) found.push(...(await query(unique.slice(i, i + LOOKUP_BATCH))));
  return found;
}

export interface AffectedRow extends AffectedKey {
  advisoryId: string;
}

/** The affected rows whose `column` is one of `values`. */
function affectedRowsWhere(db: Queryable, column: 'package' | 'advisory_id', values: string[]): Promise<AffectedRow[]> {
  return inBatches(values, async (batch) => {
    const rows = await db.selectFrom('vuln_affected').select(['advisory_id', 'ecosystem', 'package']).where(column, 'in', batch).execute();
    return rows.map((row) => ({ advisoryId: row.advisory_id, ecosystem: row.ecosystem, package: row.package }));
  });
}

/** The (advisory, ecosystem, package) rows naming any of `packages` (lookup names), in any ecosystem. */
export function affectedRowsFor(db: Queryable, packages: string[]): Promise<AffectedRow[]> {
  return affectedRowsWhere(db, 'package', packages);
}

/** The packages stored advisories affect: what an update or removal of them changes. */
export function affectedKeysOf(db: Queryable, advisoryIds: string[]): Promise<AffectedRow[]> {
  return affectedRowsWhere(db, 'advisory_id', advisoryIds);
}

/** The stored documents of advisories, by id. */
export async function advisoryDocuments(db: Queryable, ids: string[]): Promise<Map<string, string>> {
  const rows = await inBatches(ids, (batch) => db.selectFrom('vuln_advisories').select(['id', 'document']).where('id', 'in', batch).execute());
  return new Map(rows.map((row) => [row.id, row.document]));
}
