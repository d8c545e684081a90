import type { BlobRow } from '../storage/meta/blobs.js';
import { touchLinks } from '../storage/meta/blobs.js';
import type { Database } from '../storage/meta/database.js';
import type { RegistryContext } from './context.js';

/**
 * A link's touch time is refreshed when a client is told the blob is in the repository only
 * once it is older than this, so a hot blob costs at most one write per link per interval.
 * A link reported to a client is therefore spared by garbage collection for at least the
 * grace period minus this interval (see gc/collect.ts).
 */
export const TOUCH_INTERVAL_MS = 10 * 60 * 1000;

/** Touches under way, per database: a link being touched is not touched again meanwhile. */
const pending = new WeakMap<Database, Map<string, Promise<void>>>();

/**
 * Refreshes, in the background, the touch time of the links of `repositoryId` among `rows`
 * (as just read) that are older than TOUCH_INTERVAL_MS. The caller's answer does not wait:
 * the write lands within milliseconds, long before any grace period ends, and a failure of
 * it (the database is closing, a lock timeout) costs the link at most its protection, never
 * the read.
 */
export function refreshLinksInBackground(context: RegistryContext, repositoryId: number, rows: Iterable<Pick<BlobRow, 'digest' | 'touched_at'>>): void {
  const now = context.now();
  const staleBefore = now - TOUCH_INTERVAL_MS;
  let touches = pending.get(context.database);
  const stale: string[] = [];
  for (const row of rows) {
    if (row.touched_at >= staleBefore) continue;
    if (touches?.has(`${repositoryId}\u0000${row.digest}`)) continue;
    stale.push(row.digest);
  }
  if (stale.length === 0) return;
  if (!touches) {
    touches = new Map();
    pending.set(context.database, touches);
  }
  const keys = stale.map((digest) => `${repositoryId}\u0000${digest}`);
  const touching = context.database
    .transaction((trx) => touchLinks(trx, repositoryId, stale, now, staleBefore))
    .catch(() => undefined)
    .finally(() => {
      for (const key of keys) if (touches.get(key) === touching) touches.delete(key);
    });
  for (const key of keys) touches.set(key, touching);
}

/** Resolves once the background touches of `database` started so far are done (tests, shutdown). */
export async function settleLinkTouches(database: Database): Promise<void> {
  const touches = pending.get(database);
  if (touches) await Promise.all([...new Set(touches.values())]);
}
