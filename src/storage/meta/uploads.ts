import { prepareQuery } from './database.js';
import type { Queryable } from './schema.js';

export interface UploadRow {
  id: string;
  repositoryId: number;
  createdAt: number;
  updatedAt: number;
}

const insertRow = prepareQuery(4, (db, id: string, repositoryId: number, createdAt: number, updatedAt: number) =>
  db
    .insertInto('uploads')
    .values({ id, repository_id: repositoryId, created_at: createdAt, updated_at: updatedAt })
    .onConflict((oc) => oc.column('id').doNothing()),
);

const rowById = prepareQuery(1, (db, id: string) =>
  db.selectFrom('uploads').select(['id', 'repository_id', 'created_at', 'updated_at']).where('id', '=', id),
);

const touchRow = prepareQuery(2, (db, id: string, now: number) => db.updateTable('uploads').set({ updated_at: now }).where('id', '=', id));

const deleteRow = prepareQuery(1, (db, id: string) => db.deleteFrom('uploads').where('id', '=', id));

/** Records a session (begun at `createdAt`, by default now); resolves to false when it is recorded already. */
export async function insertUpload(db: Queryable, id: string, repositoryId: number, now: number, createdAt = now): Promise<boolean> {
  const result = await insertRow.execute(db, id, repositoryId, createdAt, now);
  return Number(result.numAffectedRows ?? 0) > 0;
}

export async function findUpload(db: Queryable, id: string): Promise<UploadRow | undefined> {
  const row = await rowById.first(db, id);
  return row && { id: row.id, repositoryId: row.repository_id, createdAt: row.created_at, updatedAt: row.updated_at };
}

export async function touchUpload(db: Queryable, id: string, now: number): Promise<void> {
  await touchRow.execute(db, id, now);
}

export async function deleteUpload(db: Queryable, id: string): Promise<boolean> {
  const result = await deleteRow.execute(db, id);
  return Number(result.numAffectedRows ?? 0) > 0;
}

/** Uploads idle since before `cutoff` (milliseconds), oldest first. */
export async function listIdleUploads(db: Queryable, cutoff: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('uploads')
    .select('id')
    .where('updated_at', '<', cutoff)
    .orderBy('updated_at')
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}

export async function uploadExists(db: Queryable, id: string): Promise<boolean> {
  return (await findUpload(db, id)) !== undefined;
}
