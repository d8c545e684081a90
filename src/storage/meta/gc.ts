import type { ExpressionBuilder } from 'kysely';
import type { Queryable, Schema } from './schema.js';

/**
 * The queries of garbage collection (see gc/collect.ts for the protocol they take part in).
 * Candidates are read in batches in key order (keyset pagination), so that memory stays flat
 * however many links and blobs there are.
 */

export interface LinkKey {
  repositoryId: number;
  digest: string;
}

export interface ScannedLink extends LinkKey {
  touchedAt: number;
  /** A manifest of the repository references the blob (a `blob` reference). */
  referenced: boolean;
}

export interface ScannedBlob {
  digest: string;
  size: number;
  /** Some link of the blob exists. */
  linked: boolean;
  /** Some link of the blob survives a collection with this cutoff: touched since, or referenced. */
  kept: boolean;
}

/** The `blob` references of the link `rb` (aliased table `rb`). */
function referencesOf(eb: ExpressionBuilder<Schema & { rb: Schema['repository_blobs'] }, 'rb'>) {
  return eb
    .selectFrom('manifest_references as mr')
    .select(eb.lit(1).as('one'))
    .whereRef('mr.repository_id', '=', 'rb.repository_id')
    .whereRef('mr.referenced_digest', '=', 'rb.digest')
    .where('mr.kind', '=', 'blob');
}

export async function countLinks(db: Queryable): Promise<number> {
  const row = await db.selectFrom('repository_blobs').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function countBlobs(db: Queryable): Promise<number> {
  const row = await db.selectFrom('blobs').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Up to `limit` links after `after` in key order, each with whether a manifest references it. */
export async function scanLinks(db: Queryable, after: LinkKey | undefined, limit: number): Promise<ScannedLink[]> {
  let query = db
    .selectFrom('repository_blobs as rb')
    .select(['rb.repository_id', 'rb.digest', 'rb.touched_at', (eb) => eb.exists(referencesOf(eb)).as('referenced')])
    .orderBy('rb.repository_id')
    .orderBy('rb.digest')
    .limit(limit);
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('rb.repository_id', '>', after.repositoryId),
        eb.and([eb('rb.repository_id', '=', after.repositoryId), eb('rb.digest', '>', after.digest)]),
      ]),
    );
  }
  const rows = await query.execute();
  return rows.map((row) => ({
    repositoryId: Number(row.repository_id),
    digest: row.digest,
    touchedAt: Number(row.touched_at),
    referenced: Boolean(Number(row.referenced)),
  }));
}

function keyIn(eb: ExpressionBuilder<Schema & { rb: Schema['repository_blobs'] }, 'rb'>, links: LinkKey[]) {
  return eb.or(links.map((link) => eb.and([eb('rb.repository_id', '=', link.repositoryId), eb('rb.digest', '=', link.digest)])));
}

/**
 * Deletes, among `links`, those still untouched since `cutoff` that no manifest of their
 * repository references; resolves to how many went. Run it in a transaction.
 *
 * With `lock` (PostgreSQL) the links are first locked `for update`, skipping any that a
 * manifest push holds `for share` (it is about to reference them), and only then checked for
 * references, in a statement of its own: READ COMMITTED gives each statement a new snapshot,
 * so it sees every reference committed before the lock was taken, and no push can commit a
 * reference to a locked link until this transaction ends (it finds the link gone). On SQLite
 * the transaction is serialized with every other write, so one statement does both.
 */
export async function deleteUnreferencedLinks(
  trx: Queryable,
  links: LinkKey[],
  cutoff: number,
  lock: boolean,
  /** Test seam: runs between the lock and the check (PostgreSQL). */
  hooks: { afterLock?: () => Promise<void> } = {},
): Promise<number> {
  if (links.length === 0) return 0;
  let targets = links;
  if (lock) {
    const locked = await trx
      .selectFrom('repository_blobs as rb')
      .select(['rb.repository_id', 'rb.digest'])
      .where((eb) => keyIn(eb, links))
      .where('rb.touched_at', '<', cutoff)
      .forUpdate()
      .skipLocked()
      .execute();
    targets = locked.map((row) => ({ repositoryId: Number(row.repository_id), digest: row.digest }));
    if (targets.length === 0) return 0;
    await hooks.afterLock?.();
  }
  const result = await trx
    .deleteFrom('repository_blobs as rb')
    .where((eb) => keyIn(eb, targets))
    .where('rb.touched_at', '<', cutoff)
    .where((eb) => eb.not(eb.exists(referencesOf(eb))))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Up to `limit` blob rows after `after` in digest order, with whether links of them exist and survive `cutoff`. */
export async function scanBlobs(db: Queryable, after: string | undefined, limit: number, cutoff: number): Promise<ScannedBlob[]> {
  let query = db
    .selectFrom('blobs as b')
    .select((eb) => [
      'b.digest',
      'b.size',
      eb.exists(eb.selectFrom('repository_blobs as rb').select(eb.lit(1).as('one')).whereRef('rb.digest', '=', 'b.digest')).as('linked'),
      eb
        .exists(
          eb
            .selectFrom('repository_blobs as rb')
            .select(eb.lit(1).as('one'))
            .whereRef('rb.digest', '=', 'b.digest')
            .where((inner) => inner.or([inner('rb.touched_at', '>=', cutoff), inner.exists(referencesOf(inner))])),
        )
        .as('kept'),
    ])
    .orderBy('b.digest')
    .limit(limit);
  if (after !== undefined) query = query.where('b.digest', '>', after);
  const rows = await query.execute();
  return rows.map((row) => ({
    digest: row.digest,
    size: Number(row.size),
    linked: Boolean(Number(row.linked)),
    kept: Boolean(Number(row.kept)),
  }));
}

/**
 * Deletes the blob rows among `digests` that no link names; resolves to the rows deleted. Run
 * it in a transaction. On PostgreSQL a link inserted meanwhile by a transaction not yet
 * committed makes this fail (the foreign key repository_blobs.digest → blobs.digest): the
 * caller then takes the blobs one by one and skips the one that fails.
 */
export async function deleteUnlinkedBlobs(trx: Queryable, digests: string[]): Promise<{ digest: string; size: number; inline: boolean }[]> {
  if (digests.length === 0) return [];
  // Bytes kept with a row go with it (on delete cascade). Only a blob without links is
  // deleted, and bytes are only ever stored with a new link: this is what the deletion frees.
  const inline = await trx.selectFrom('blob_contents').select('digest').where('digest', 'in', digests).execute();
  const inlineDigests = new Set(inline.map((row) => row.digest));
  const rows = await trx
    .deleteFrom('blobs as b')
    .where('b.digest', 'in', digests)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('repository_blobs as rb').select(eb.lit(1).as('one')).whereRef('rb.digest', '=', 'b.digest'))))
    .returning(['digest', 'size'])
    .execute();
  return rows.map((row) => ({ digest: row.digest, size: Number(row.size), inline: inlineDigests.has(row.digest) }));
}

/** Which of `digests` have a blob row. */
export async function existingBlobs(db: Queryable, digests: string[]): Promise<Set<string>> {
  if (digests.length === 0) return new Set();
  const rows = await db.selectFrom('blobs').select('digest').where('digest', 'in', digests).execute();
  return new Set(rows.map((row) => row.digest));
}
