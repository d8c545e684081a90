import { prepareQuery, type PreparedQuery } from './database.js';
import type { Queryable } from './schema.js';

export interface BlobRow {
  digest: string;
  size: number;
  /** When the link through which the blob was found was last touched (see gc/collect.ts). */
  touched_at: number;
}

const insertBlob = prepareQuery(3, (db, digest: string, size: number, now: number) =>
  db
    .insertInto('blobs')
    .values({ digest, size, created_at: now })
    .onConflict((oc) => oc.column('digest').doNothing()),
);

/** Creates a link, or refreshes the touch time of one that exists (a re-link). */
const insertLink = prepareQuery(3, (db, repositoryId: number, digest: string, now: number) =>
  db
    .insertInto('repository_blobs')
    .values({ repository_id: repositoryId, digest, created_at: now, touched_at: now })
    .onConflict((oc) => oc.columns(['repository_id', 'digest']).doUpdateSet({ touched_at: (eb) => eb.ref('excluded.touched_at') })),
);

const LINKED_COLUMNS = ['blobs.digest', 'blobs.size', 'repository_blobs.touched_at'] as const;

/** One linked blob, and whether its bytes are kept with its row (a reader then need not look). */
const linkedBlobWithContent = prepareQuery(2, (db, repositoryId: number, digest: string) =>
  db
    .selectFrom('repository_blobs')
    .innerJoin('blobs', 'blobs.digest', 'repository_blobs.digest')
    .leftJoin('blob_contents', 'blob_contents.digest', 'repository_blobs.digest')
    .select([...LINKED_COLUMNS, 'blob_contents.digest as inline_digest'])
    .where('repository_blobs.repository_id', '=', repositoryId)
    .where('repository_blobs.digest', '=', digest),
);

const linkedBlob = prepareQuery(2, (db, repositoryId: number, digest: string) =>
  db
    .selectFrom('repository_blobs')
    .innerJoin('blobs', 'blobs.digest', 'repository_blobs.digest')
    .select(LINKED_COLUMNS)
    .where('repository_blobs.repository_id', '=', repositoryId)
    .where('repository_blobs.digest', '=', digest),
);

/**
 * Records a committed blob (idempotent) and makes it visible in a repository, setting the
 * link's touch time (see gc/collect.ts). Run it in a transaction: the blob row and the link
 * go together.
 */
export async function linkBlob(db: Queryable, repositoryId: number, digest: string, size: number, now: number): Promise<void> {
  await insertBlob.execute(db, digest, size, now);
  await insertLink.execute(db, repositoryId, digest, now);
}

const insertContent = prepareQuery(2, (db, digest: string, content: Uint8Array) =>
  db
    .insertInto('blob_contents')
    .values({ digest, content })
    .onConflict((oc) => oc.column('digest').doNothing()),
);

const selectContent = prepareQuery(1, (db, digest: string) => db.selectFrom('blob_contents').select('content').where('digest', '=', digest));

/**
 * Keeps a small blob's bytes with its row (idempotent). Run it in the transaction that
 * links the blob (linkBlob), after it: the bytes need the row, and go with it.
 */
export async function storeBlobContent(db: Queryable, digest: string, content: Uint8Array): Promise<void> {
  await insertContent.execute(db, digest, content);
}

/** The bytes of a blob kept with its row, if they are. */
export async function findBlobContent(db: Queryable, digest: string): Promise<Uint8Array | undefined> {
  return (await selectContent.first(db, digest))?.content;
}

/**
 * Links a blob that repository `sourceId` holds into `targetId` (a cross-repository mount)
 * and resolves to it, or to undefined when the source does not hold it. Run it in a
 * transaction; with `lock` (PostgreSQL) the source link is locked `for share` first, so a
 * garbage collection cannot delete it, and with it the blob, between the check and the
 * new link (on SQLite every write transaction is serialized already).
 */
export async function linkFromRepository(
  trx: Queryable,
  sourceId: number,
  targetId: number,
  digest: string,
  now: number,
  lock: boolean,
): Promise<BlobRow | undefined> {
  const query = trx
    .selectFrom('repository_blobs')
    .innerJoin('blobs', 'blobs.digest', 'repository_blobs.digest')
    .select(LINKED_COLUMNS)
    .where('repository_blobs.repository_id', '=', sourceId)
    .where('repository_blobs.digest', '=', digest);
  const source = lock ? await query.forShare('repository_blobs').executeTakeFirst() : await linkedBlob.first(trx, sourceId, digest);
  if (!source) return undefined;
  await insertLink.execute(trx, targetId, digest, now);
  return { digest: source.digest, size: source.size, touched_at: now };
}

const touchLink = prepareQuery(4, (db, repositoryId: number, digest: string, now: number, staleBefore: number) =>
  db
    .updateTable('repository_blobs')
    .set({ touched_at: now })
    .where('repository_id', '=', repositoryId)
    .where('digest', '=', digest)
    .where('touched_at', '<', staleBefore),
);

/**
 * Sets the touch time of links of a repository to `now` where it is older than
 * `staleBefore`. One statement per link, in digest order: a manifest push locks the links it
 * references in that order too (findLinkedBlobs with `lock`), so the two never deadlock.
 */
export async function touchLinks(db: Queryable, repositoryId: number, digests: string[], now: number, staleBefore: number): Promise<void> {
  for (const digest of [...new Set(digests)].sort()) await touchLink.execute(db, repositoryId, digest, now, staleBefore);
}

/** The blob as seen from a repository: undefined unless it is linked there. `inline`: its bytes are kept with its row. */
export async function findLinkedBlob(db: Queryable, repositoryId: number, digest: string): Promise<(BlobRow & { inline: boolean }) | undefined> {
  const row = await linkedBlobWithContent.first(db, repositoryId, digest);
  return row && { digest: row.digest, size: row.size, touched_at: row.touched_at, inline: row.inline_digest !== null };
}

function selectLinkedBlobs(db: Queryable, repositoryId: number, digests: string[]) {
  return db
    .selectFrom('repository_blobs')
    .innerJoin('blobs', 'blobs.digest', 'repository_blobs.digest')
    .select(LINKED_COLUMNS)
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

/**
 * The linked blobs among `digests`, keyed by digest. With `lock` (PostgreSQL, in a
 * transaction) the link rows are locked `for share`, in digest order, until the transaction
 * ends: a manifest push does so, so that a garbage collection cannot delete a link between
 * the push's check and its commit (see gc/collect.ts).
 */
export async function findLinkedBlobs(db: Queryable, repositoryId: number, digests: string[], options: { lock?: boolean } = {}): Promise<Map<string, BlobRow>> {
  if (digests.length === 0) return new Map();
  const rows = options.lock
    ? await selectLinkedBlobs(db, repositoryId, digests).orderBy('repository_blobs.digest').forShare('repository_blobs').execute()
    : digests.length <= PREPARED_DIGEST_LISTS
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
