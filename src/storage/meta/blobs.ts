import { prepareQuery, type PreparedQuery } from './database.js';
import type { Queryable } from './schema.js';

export interface BlobRow {
  digest: string;
  size: number;
}

const insertBlob = prepareQuery(3, (db, digest: string, size: number, now: number) =>
  db
    .insertInto('blobs')
    .values({ digest, size, created_at: now })
    .onConflict((oc) => oc.column('digest').doNothing()),
);

const insertLink = prepareQuery(3, (db, repositoryId: number, digest: string, now: number) =>
  db
    .insertInto('repository_blobs')
    .values({ repository_id: repositoryId, digest, created_at: now })
    .onConflict((oc) => oc.columns(['repository_id', 'digest']).doNothing()),
);

const linkedBlob = prepareQuery(2, (db, repositoryId: number, digest: string) =>
  db
    .selectFrom('repository_blobs')
    .innerJoin('blobs', 'blobs.digest', 'repository_blobs.digest')
    .select(['blobs.digest', 'blobs.size'])
    .where('repository_blobs.repository_id', '=', repositoryId)
    .where('repository_blobs.digest', '=', digest),
);

/** Records a committed blob (idempotent) and makes it visible in a repository. */
export async function linkBlob(db: Queryable, repositoryId: number, digest: string, size: number, now: number): Promise<void> {
  await insertBlob.execute(db, digest, size, now);
  await insertLink.execute(db, repositoryId, digest, now);
}

/** The blob as seen from a repository: undefined unless it is linked there. */
export async function findLinkedBlob(db: Queryable, repositoryId: number, digest: string): Promise<BlobRow | undefined> {
  return linkedBlob.first(db, repositoryId, digest);
}

function selectLinkedBlobs(db: Queryable, repositoryId: number, digests: string[]) {
  return db
    .selectFrom('repository_blobs')
    .innerJoin('blobs', 'blobs.digest', 'repository_blobs.digest')
    .select(['blobs.digest', 'blobs.size'])
    .where('repository_blobs.repository_id', '=', repositoryId)
    .where('repository_blobs.digest', 'in', digests);
}

/** Lists of up to this many digests are looked up with a query prepared for their length (a manifest lists a few blobs). */
const PREPARED_DIGEST_LISTS = 64;
const linkedBlobsByCount = new Map<number, PreparedQuery<[number, ...string[]], BlobRow>>();

function linkedBlobsQuery(count: number): PreparedQuery<[number, ...string[]], BlobRow> {
  let query = linkedBlobsByCount.get(count);
  if (!query) {
    query = prepareQuery(count + 1, (db, repositoryId: number, ...digests: string[]) => selectLinkedBlobs(db, repositoryId, digests));
    linkedBlobsByCount.set(count, query);
  }
  return query;
}

/** The linked blobs among `digests`, keyed by digest. */
export async function findLinkedBlobs(db: Queryable, repositoryId: number, digests: string[]): Promise<Map<string, BlobRow>> {
  if (digests.length === 0) return new Map();
  const rows =
    digests.length <= PREPARED_DIGEST_LISTS
      ? await linkedBlobsQuery(digests.length).all(db, repositoryId, ...digests)
      : await selectLinkedBlobs(db, repositoryId, digests).execute();
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
