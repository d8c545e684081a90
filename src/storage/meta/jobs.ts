import type { Queryable } from './schema.js';

export type JobKind = 'lifecycle' | 'gc';
export type JobTrigger = 'schedule' | 'command';
export type JobStatus = 'running' | 'complete' | 'failed' | 'interrupted';

export interface JobRecord {
  id: number;
  kind: JobKind;
  trigger: JobTrigger;
  status: JobStatus;
  createdAt: number;
  heartbeatAt: number;
  finishedAt: number | null;
  summary: unknown;
  failure: string | null;
}

/**
 * Claims a job of `kind`: resolves to its id, or undefined when a job of that kind is
 * running already (its heartbeat newer than `staleBefore`). Running jobs whose heartbeat is
 * older were interrupted (their process died) and are marked so.
 */
export async function claimJob(db: Queryable, kind: JobKind, trigger: JobTrigger, now: number, staleBefore: number): Promise<number | undefined> {
  await db
    .updateTable('jobs')
    .set({ status: 'interrupted', finished_at: now })
    .where('kind', '=', kind)
    .where('status', '=', 'running')
    .where('heartbeat_at', '<', staleBefore)
    .execute();
  const running = await db.selectFrom('jobs').select('id').where('kind', '=', kind).where('status', '=', 'running').executeTakeFirst();
  if (running) return undefined;
  const row = await db
    .insertInto('jobs')
    .values({ kind, trigger, status: 'running', created_at: now, heartbeat_at: now, finished_at: null, summary: null, failure: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function heartbeatJob(db: Queryable, id: number, now: number): Promise<void> {
  await db.updateTable('jobs').set({ heartbeat_at: now }).where('id', '=', id).execute();
}

export async function finishJob(db: Queryable, id: number, outcome: { status: 'complete'; summary: unknown } | { status: 'failed'; failure: string }, now: number): Promise<void> {
  await db
    .updateTable('jobs')
    .set({
      status: outcome.status,
      finished_at: now,
      heartbeat_at: now,
      summary: outcome.status === 'complete' ? JSON.stringify(outcome.summary) : null,
      failure: outcome.status === 'failed' ? outcome.failure : null,
    })
    .where('id', '=', id)
    .execute();
}

/** Jobs of a kind, newest first. */
export async function listJobs(db: Queryable, kind: JobKind, limit: number): Promise<JobRecord[]> {
  const rows = await db.selectFrom('jobs').selectAll().where('kind', '=', kind).orderBy('id', 'desc').limit(limit).execute();
  return rows.map((row) => ({
    id: Number(row.id),
    kind: row.kind as JobKind,
    trigger: row.trigger as JobTrigger,
    status: row.status as JobStatus,
    createdAt: Number(row.created_at),
    heartbeatAt: Number(row.heartbeat_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
    summary: row.summary === null ? null : (JSON.parse(row.summary) as unknown),
    failure: row.failure,
  }));
}

/** When the last job of a kind that ran to completion started, if any did. */
export async function lastCompletedJobStart(db: Queryable, kind: JobKind): Promise<number | undefined> {
  const row = await db
    .selectFrom('jobs')
    .select('created_at')
    .where('kind', '=', kind)
    .where('status', '=', 'complete')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? Number(row.created_at) : undefined;
}
