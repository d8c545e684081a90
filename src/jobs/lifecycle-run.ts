import type { Registry } from '../registry/registry.js';
import { claimJob, finishJob, heartbeatJob, type JobTrigger } from '../storage/meta/jobs.js';
import { listLifecyclePolicies } from '../storage/meta/lifecycle.js';

/** A running job whose heartbeat is older than this was interrupted. */
export const JOB_STALE_MS = 10 * 60_000;

export interface LifecycleRunSummary {
  runId: number;
  repositories: number;
  expired: number;
  /** Images chosen by the evaluation that had changed before they could be expired. */
  skipped: number;
  /** Repositories whose policy could not be applied, with the reason. */
  failures: { registryId: string; repositoryName: string; reason: string }[];
}

/**
 * One lifecycle run: every repository with a lifecycle policy, in every registry, has its
 * policy applied. The run is a durable job (table `jobs`): one runs at a time across every
 * process sharing the storage, and each expiry is recorded with the run's id. A run cut
 * short is simply run again: applying a policy is idempotent.
 * Resolves to undefined when another run is under way.
 */
export async function runLifecycle(
  registry: Registry,
  trigger: JobTrigger,
  progress: (done: number, total: number, repository: string) => void = () => undefined,
): Promise<LifecycleRunSummary | undefined> {
  const { database } = registry.context;
  const now = () => registry.context.now();
  const runId = await database.transaction((trx) => claimJob(trx, 'lifecycle', trigger, now(), now() - JOB_STALE_MS));
  if (runId === undefined) return undefined;
  const summary: LifecycleRunSummary = { runId, repositories: 0, expired: 0, skipped: 0, failures: [] };
  try {
    const policies = await listLifecyclePolicies(database.db);
    for (const [done, policy] of policies.entries()) {
      progress(done, policies.length, `${policy.registryId}/${policy.repositoryName}`);
      try {
        const outcome = await registry.forAccount(policy.registryId).lifecycle.apply(policy.repositoryName, runId);
        summary.repositories++;
        summary.expired += outcome.expired.length;
        summary.skipped += outcome.skipped;
      } catch (error) {
        summary.failures.push({ registryId: policy.registryId, repositoryName: policy.repositoryName, reason: error instanceof Error ? error.message : String(error) });
      }
      await database.transaction((trx) => heartbeatJob(trx, runId, now()));
    }
    progress(policies.length, policies.length, '');
    await database.transaction((trx) => finishJob(trx, runId, { status: 'complete', summary }, now()));
    return summary;
  } catch (error) {
    const failure = error instanceof Error ? error.message : String(error);
    await database.transaction((trx) => finishJob(trx, runId, { status: 'failed', failure }, now())).catch(() => undefined);
    throw error;
  }
}
