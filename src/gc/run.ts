import { JOB_STALE_MS } from '../jobs/lifecycle-run.js';
import type { Registry } from '../registry/registry.js';
import { claimJob, finishJob, heartbeatJob, type JobTrigger } from '../storage/meta/jobs.js';
import { collectGarbage, type GcOptions, type GcSummary } from './collect.js';

/** A running collection refreshes its job's heartbeat at most this often. */
const HEARTBEAT_MS = 30_000;

/**
 * One garbage collection as a durable job (table `jobs`, kind `gc`): one runs at a time
 * across every process sharing the storage (the collection would be safe beside another,
 * only wasteful), its summary is recorded, and its heartbeat is refreshed while it works. A
 * dry run is not recorded and claims nothing. Resolves to undefined when another collection
 * is under way.
 */
export async function runGarbageCollection(registry: Registry, trigger: JobTrigger, options: GcOptions): Promise<(GcSummary & { jobId?: number }) | undefined> {
  const { database } = registry.context;
  const now = () => registry.context.now();
  if (options.dryRun) return collectGarbage(registry.context, registry.uploads, options);
  const jobId = await database.transaction((trx) => claimJob(trx, 'gc', trigger, now(), now() - JOB_STALE_MS));
  if (jobId === undefined) return undefined;
  let lastBeat = now();
  let beating: Promise<unknown> | undefined;
  const progress: GcOptions['progress'] = (phase, done, total) => {
    options.progress?.(phase, done, total);
    if (beating || now() - lastBeat < HEARTBEAT_MS) return;
    lastBeat = now();
    beating = database
      .transaction((trx) => heartbeatJob(trx, jobId, lastBeat))
      .catch(() => undefined)
      .finally(() => (beating = undefined));
  };
  try {
    const summary = await collectGarbage(registry.context, registry.uploads, { ...options, progress });
    await beating;
    await database.transaction((trx) => finishJob(trx, jobId, { status: 'complete', summary }, now()));
    return { ...summary, jobId };
  } catch (error) {
    await beating;
    const failure = error instanceof Error ? error.message : String(error);
    await database.transaction((trx) => finishJob(trx, jobId, { status: 'failed', failure }, now())).catch(() => undefined);
    throw error;
  }
}
