/**
 * Online garbage collection: removes the blobs that no image of any repository references
 * any longer while pushes and pulls go on (no read-only mode, no stop), and never removes a
 * blob that an upload or a mount makes visible while it runs.
 *
 * Terms. A *link* is a row of repository_blobs: the blob is visible in that repository. A
 * blob is *referenced* in a repository when a manifest of that repository has a `blob`
 * manifest_references row naming it. Manifest bytes live in their rows, so deleting a
 * manifest frees them already; collection is about links, blob rows and blob files. A link
 * carries `touched_at`: set when it is created or re-linked (upload commit, cross-repository
 * mount, ECR CompleteLayerUpload) and refreshed, at most every TOUCH_INTERVAL_MS, when a
 * client is told the blob is there (HEAD/GET of the blob, ECR BatchCheckLayerAvailability).
 *
 * The invariant: a manifest that is committed references only blobs that have a link in its
 * repository, a blob row and the blob's bytes; and a blob row with a link always has its
 * bytes. The bytes are a blob file, or for small blobs a blob_contents row committed in the
 * transaction that inserts the blob row and link and deleted with the blob row (cascade):
 * those need nothing beyond units A and B's row logic (see registry/blob-content.ts).
 *
 * A. Unreferenced links. A link that no manifest of its repository references and that was
 *    not touched within the grace period is deleted (a client that uploaded or was told of
 *    the blob has the grace period to push the manifest that references it). The deletion
 *    checks again inside its transaction, and the manifest write checks its blobs' links
 *    inside the transaction that inserts the manifest and its references
 *    (registry/manifests.ts), so the two can never both commit:
 *    - SQLite serializes every write transaction: one runs wholly before the other. The
 *      deletion's statement deletes only a link without references; the manifest's check
 *      finds the link or refuses the push (MANIFEST_BLOB_UNKNOWN).
 *    - PostgreSQL (READ COMMITTED): the manifest locks its links `for share` before it
 *      inserts its references; the collection locks a link `for update skip locked` and only
 *      then, in a statement of its own (a new snapshot), checks for references. If the
 *      manifest locked first, the link is skipped. If the collection locked first, the
 *      manifest waits, then finds the link deleted and is refused. A manifest that committed
 *      before the lock has its references visible to the check.
 *    With a grace period of 0 a client that was told "the blob is there" (HEAD) and then
 *    pushes its manifest is unprotected by design: the push may be refused, never accepted
 *    with a blob missing.
 *
 * B. Blobs without links. The blob row is deleted in a transaction that deletes it only if
 *    no link exists (on PostgreSQL a link inserted meanwhile also makes the deletion fail
 *    through the foreign key repository_blobs.digest → blobs.digest; the blob is skipped).
 *    Then the file goes through quarantine: it is moved aside atomically (BlobStore
 *    `quarantine`), the collection checks in a new transaction whether a blob row for the
 *    digest exists again (an upload re-created it meanwhile) and restores the file if so,
 *    else purges it. A collection that stops midway leaves files in the trash; the next one
 *    restores those whose row exists and purges the others before it starts.
 *
 * Uploads (registry/uploads.ts) keep their bytes until after the transaction that inserts
 * the blob row and link has committed, then `stat` the blob: present, the upload is dropped;
 * gone, the upload's bytes are committed as the blob again. Both re-checks are needed:
 * - The collection's re-check saves the blob when the upload's transaction commits between
 *   the row deletion and the re-check: upload commits the file (or finds it there) → GC
 *   deletes the row → upload inserts row and link → GC quarantines → GC re-checks, finds the
 *   row, restores. Without it the upload's link would name a purged file.
 * - The upload's re-check saves it when the upload's transaction commits after the
 *   collection's re-check: upload sees the blob present → GC deletes the row, quarantines,
 *   re-checks (no row), purges → upload inserts row and link. Only the upload's own stat,
 *   after its commit, can see that the file is gone, and it still holds the bytes.
 * Once the upload's stat has found the file after its commit, any later quarantine is
 * followed by a re-check that finds the row, and restores.
 * A mount links a blob only within a transaction that finds (on PostgreSQL: locks) the source
 * repository's link, so the blob keeps a link, and its row, throughout.
 *
 * C. Orphan files: committed blob files without a blob row, older than the grace period (a
 *    crash between the file commit and the metadata commit leaves them) go through the same
 *    quarantine, re-check and purge. An upload whose file is taken this way before its
 *    metadata commits re-commits it from its kept bytes, as above.
 *
 * Abandoned upload sessions are expired as part of a run (Uploads.expireAbandoned), and the
 * package inventories that no image scan refers to any longer are deleted (a cache: an
 * SBOM request reads one again).
 *
 * Work goes in batches of BATCH candidates read in key order, so memory stays flat however
 * many links and blobs there are; each batch is one short transaction.
 */
import type { RegistryContext } from '../registry/context.js';
import { deleteUnscannedInventories } from '../storage/meta/scans.js';
import type { Digest } from '../registry/digest.js';
import { isForeignKeyViolation, type Uploads } from '../registry/uploads.js';
import {
  countBlobs,
  countLinks,
  deleteUnlinkedBlobs,
  deleteUnreferencedLinks,
  existingBlobs,
  scanBlobs,
  scanLinks,
  type LinkKey,
} from '../storage/meta/gc.js';

export type GcPhase = 'links' | 'blobs' | 'orphans' | 'uploads';

export interface GcOptions {
  /** Links touched and orphan files modified within this long are spared. */
  gracePeriodMs: number;
  /** Count what would go (links, blobs, bytes, orphan files) and change nothing. */
  dryRun: boolean;
  /**
   * Called as work proceeds. `total` is what the phase has to look at: the links, the blob
   * rows; for orphans the blob rows at the phase's start (about the number of files; never
   * below `done`); for uploads the sessions removed.
   */
  progress?: (phase: GcPhase, done: number, total: number) => void;
}

export interface GcSummary {
  linksRemoved: number;
  blobsRemoved: number;
  /** Sizes of the blob files removed, orphans included: what `du` would lose. */
  bytesFreed: number;
  orphanFilesRemoved: number;
  /** Abandoned upload sessions removed (0 in a dry run: nothing is expired). */
  uploadsRemoved: number;
  /** Package inventories of images no longer scanned (0 in a dry run). */
  inventoriesRemoved: number;
  dryRun: boolean;
}

/** Candidates read per query, and handled per transaction. */
export const BATCH = 500;

/**
 * A collection works at most half of the time: after each batch it pauses as long as the
 * batch took (at least 10 ms). Pushes on the same machine keep their throughput (the
 * collection only takes longer): they wait less for the write lock (on SQLite a writer of
 * another process waiting for it polls, and would otherwise lose the race again and again),
 * for the disk's journal and for the CPU.
 */
class Pacer {
  private workingSince = performance.now();

  async pause(): Promise<void> {
    const worked = performance.now() - this.workingSince;
    await new Promise((resolve) => setTimeout(resolve, Math.max(MIN_PAUSE_MS, worked)));
    this.workingSince = performance.now();
  }
}

const MIN_PAUSE_MS = 10;

export async function collectGarbage(context: RegistryContext, uploads: Uploads, options: GcOptions): Promise<GcSummary> {
  const cutoff = context.now() - options.gracePeriodMs;
  const progress = options.progress ?? (() => undefined);
  const summary: GcSummary = { linksRemoved: 0, blobsRemoved: 0, bytesFreed: 0, orphanFilesRemoved: 0, uploadsRemoved: 0, inventoriesRemoved: 0, dryRun: options.dryRun };
  if (!options.dryRun) await recoverTrash(context);
  const pacer = new Pacer();
  await collectLinks(context, cutoff, options.dryRun, summary, progress, pacer);
  await collectBlobs(context, cutoff, options.dryRun, summary, progress, pacer);
  await collectOrphans(context, cutoff, options.dryRun, summary, progress, pacer);
  if (!options.dryRun) summary.uploadsRemoved = await uploads.expireAbandoned();
  progress('uploads', summary.uploadsRemoved, summary.uploadsRemoved);
  if (!options.dryRun) {
    for (let removed = BATCH; removed === BATCH; ) {
      removed = await context.database.transaction((trx) => deleteUnscannedInventories(trx, cutoff, BATCH));
      summary.inventoriesRemoved += removed;
    }
  }
  return summary;
}

/** Unit A: unreferenced links untouched since `cutoff`. */
async function collectLinks(context: RegistryContext, cutoff: number, dryRun: boolean, summary: GcSummary, progress: NonNullable<GcOptions['progress']>, pacer: Pacer): Promise<void> {
  const { database } = context;
  const total = await countLinks(database.db);
  let done = 0;
  let after: LinkKey | undefined;
  progress('links', 0, total);
  for (;;) {
    const page = await scanLinks(database.db, after, BATCH);
    if (page.length === 0) break;
    after = page[page.length - 1]!;
    const candidates = page.filter((link) => !link.referenced && link.touchedAt < cutoff);
    if (dryRun) summary.linksRemoved += candidates.length;
    else if (candidates.length > 0) {
      const keys = candidates.map(({ repositoryId, digest }) => ({ repositoryId, digest }));
      summary.linksRemoved += await database.transaction((trx) => deleteUnreferencedLinks(trx, keys, cutoff, database.dialect === 'postgres'));
    }
    done += page.length;
    progress('links', done, Math.max(total, done));
    await pacer.pause();
  }
}

/** Unit B: blob rows without links, and their files. */
async function collectBlobs(context: RegistryContext, cutoff: number, dryRun: boolean, summary: GcSummary, progress: NonNullable<GcOptions['progress']>, pacer: Pacer): Promise<void> {
  const { database } = context;
  const total = await countBlobs(database.db);
  let done = 0;
  let after: string | undefined;
  progress('blobs', 0, total);
  for (;;) {
    const page = await scanBlobs(database.db, after, BATCH, cutoff);
    if (page.length === 0) break;
    after = page[page.length - 1]!.digest;
    // A dry run deleted no link: a blob goes if none of its links would survive unit A.
    const candidates = page.filter((blob) => (dryRun ? !blob.kept : !blob.linked));
    if (dryRun) {
      summary.blobsRemoved += candidates.length;
      for (const blob of candidates) summary.bytesFreed += blob.size;
    } else if (candidates.length > 0) {
      const deleted = await deleteBlobRows(context, candidates.map((blob) => blob.digest));
      const removed = await removeFiles(context, deleted);
      for (const blob of removed) {
        summary.blobsRemoved++;
        summary.bytesFreed += blob.freed;
      }
    }
    done += page.length;
    progress('blobs', done, Math.max(total, done));
    await pacer.pause();
  }
}

/** Deletes the rows of `digests` that have no link; resolves to those deleted. */
async function deleteBlobRows(context: RegistryContext, digests: string[]): Promise<DeletedBlob[]> {
  const { database } = context;
  try {
    return await database.transaction((trx) => deleteUnlinkedBlobs(trx, digests));
  } catch (error) {
    if (digests.length === 1 && isSkippable(error)) return [];
    if (digests.length === 1 || !isSkippable(error)) throw error;
  }
  // A link was inserted under one of them meanwhile: one at a time, skipping that one.
  const deleted: DeletedBlob[] = [];
  for (const digest of digests) deleted.push(...(await deleteBlobRows(context, [digest])));
  return deleted;
}

/** A foreign key violation, or (PostgreSQL) a deadlock or serialization failure: the blob is skipped this time. */
function isSkippable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return isForeignKeyViolation(error) || code === '40P01' || code === '40001';
}

/** A blob whose row was deleted; `inline` when its bytes were kept with the row (deleted with it). */
type DeletedBlob = Awaited<ReturnType<typeof deleteUnlinkedBlobs>>[number];

/**
 * Removes the files of blobs whose rows were deleted: quarantine, re-check, then purge, or
 * restore those whose row exists again. Resolves to the blobs removed for good, with the bytes
 * freed: the file's (none when there was no file) and the row's inline bytes.
 */
async function removeFiles(context: RegistryContext, blobs: DeletedBlob[]): Promise<{ digest: string; freed: number }[]> {
  const store = context.blobs;
  const quarantined: (DeletedBlob & { token: string | undefined })[] = [];
  for (const blob of blobs) quarantined.push({ ...blob, token: await store.quarantine(blob.digest as Digest) });
  const back = await existingBlobs(context.database.db, blobs.map((blob) => blob.digest));
  const removed: { digest: string; freed: number }[] = [];
  for (const blob of quarantined) {
    if (back.has(blob.digest)) {
      if (blob.token) await store.restore(blob.token, blob.digest as Digest);
      continue;
    }
    if (blob.token) await store.purge(blob.token);
    removed.push({ digest: blob.digest, freed: (blob.token ? blob.size : 0) + (blob.inline ? blob.size : 0) });
  }
  return removed;
}

/** Unit C: committed files without a blob row, older than `cutoff`. */
async function collectOrphans(context: RegistryContext, cutoff: number, dryRun: boolean, summary: GcSummary, progress: NonNullable<GcOptions['progress']>, pacer: Pacer): Promise<void> {
  const total = await countBlobs(context.database.db);
  let done = 0;
  let batch: { digest: Digest; size: number }[] = [];
  progress('orphans', 0, total);
  const flush = async () => {
    const files = batch;
    batch = [];
    const known = await existingBlobs(context.database.db, files.map((file) => file.digest));
    const orphans = files.filter((file) => !known.has(file.digest));
    if (dryRun) {
      summary.orphanFilesRemoved += orphans.length;
      for (const file of orphans) summary.bytesFreed += file.size;
      return;
    }
    const quarantined: { digest: Digest; size: number; token: string }[] = [];
    for (const file of orphans) {
      const token = await context.blobs.quarantine(file.digest);
      if (token) quarantined.push({ ...file, token });
    }
    if (quarantined.length === 0) return;
    const back = await existingBlobs(context.database.db, quarantined.map((file) => file.digest));
    for (const file of quarantined) {
      if (back.has(file.digest)) {
        await context.blobs.restore(file.token, file.digest);
        continue;
      }
      await context.blobs.purge(file.token);
      summary.orphanFilesRemoved++;
      summary.bytesFreed += file.size;
    }
  };
  for await (const file of context.blobs.list()) {
    done++;
    if (file.modifiedAt.getTime() < cutoff) batch.push({ digest: file.digest, size: file.size });
    if (batch.length >= BATCH) await flush();
    if (done % BATCH === 0) {
      progress('orphans', done, Math.max(total, done));
      await pacer.pause();
    }
  }
  if (batch.length > 0) await flush();
  progress('orphans', done, Math.max(total, done));
}

/**
 * What a collection that stopped midway left in the trash: restored where the blob row
 * exists (the blob is wanted), purged otherwise. A collection running beside this one may
 * own some of these; each entry is decided by a row check made after it was quarantined, as
 * its owner would, so either decision is right, and restore and purge tolerate each other.
 */
async function recoverTrash(context: RegistryContext): Promise<void> {
  let batch: { token: string; digest: Digest }[] = [];
  const flush = async () => {
    const entries = batch;
    batch = [];
    const known = await existingBlobs(context.database.db, entries.map((entry) => entry.digest));
    for (const entry of entries) {
      if (known.has(entry.digest)) await context.blobs.restore(entry.token, entry.digest);
      else await context.blobs.purge(entry.token);
    }
  };
  for await (const entry of context.blobs.listQuarantined()) {
    batch.push({ token: entry.token, digest: entry.digest });
    if (batch.length >= BATCH) await flush();
  }
  if (batch.length > 0) await flush();
}
