import type { Queryable } from './schema.js';

export interface BlobRow {
  digest: string;
  size: number;
}

/** Records a committed blob (idempotent) and makes it visible in a repository. */
export async function linkBlob(db: Queryable, repositoryId: number, digest: string, size: number, now: number): Promise<void> {
  await db
    .insertInto('blobs')
    .values({ digest, size, created_at: now })
    .onConflict((oc) => oc.column('digest').doNothing())
    .execute();
  await db
    .insertInto('repository_blobs')
    .values({ repository_id: repositoryId, digest, created_at: now })
    .onConflict((oc) => oc.columns(['repository_id', 'digest']).doNothing())
    .execute();
}

/** The blob as seen from a repository: undefined unless it is linked there. */
export async function findLinkedBlob(db: Queryable, repositoryId: number, digest: string): Promise<BlobRow | undefined> {
  return db
    .selectFrom('repository_blobs')
    .innerJoin('blobs', 'blobs.digest', 'repository_blobs.digest')
    .select(['blobs.digest', 'blobs.size'])
    .where('repository_blobs.repository_id', '=', repositoryId)
    .where('repository_blobs.digest', '=', digest)
    .executeTakeFirst();
}

/** The linked blobs among `digests`, keyed by digest. */
export async function findLinkedBlobs(db: Queryable, repositoryId: number, digests: string[]): Promise<Map<string, BlobRow>> {
  if (digests.length === 0) return new Map();
  const rows = await db
    .selectFrom('repository_blobs')
    .innerJoin('blobs', 'blobs.digest', 'repository_blobs.digest')
    .select(['blobs.digest', 'blobs.size'])
    .where('repository_blobs.repository_id', '=', repositoryId)
    .where('repository_blobs.digest', 'in', digests)
    .execute();
  return new Map(rows.map((row) => [row.digest, row]));
}

/** Removes a blob from a repository's view; resolves to false when it was not linked. */
export async function unlinkBlob(db: Queryable, repositoryId: number, digest: string): Promise<boolean> {
  const result = await db
    .deleteFrom('repository_blobs')
    .where('repository_id', '=', repositoryId)
    .where('digest', '=', digest)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
