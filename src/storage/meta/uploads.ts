import type { Queryable } from './schema.js';

export interface UploadRow {
  id: string;
  repositoryId: number;
  createdAt: number;
  updatedAt: number;
}

export async function insertUpload(db: Queryable, id: string, repositoryId: number, now: number): Promise<void> {
  await db.insertInto('uploads').values({ id, repository_id: repositoryId, created_at: now, updated_at: now }).execute();
}

export async function findUpload(db: Queryable, id: string): Promise<UploadRow | undefined> {
  const row = await db
    .selectFrom('uploads')
    .select(['id', 'repository_id', 'created_at', 'updated_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  return row && { id: row.id, repositoryId: row.repository_id, createdAt: row.created_at, updatedAt: row.updated_at };
}

export async function touchUpload(db: Queryable, id: string, now: number): Promise<void> {
  await db.updateTable('uploads').set({ updated_at: now }).where('id', '=', id).execute();
}

export async function deleteUpload(db: Queryable, id: string): Promise<boolean> {
  const result = await db.deleteFrom('uploads').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
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
