import type { LifecycleDecision, LifecycleImage } from '../../lifecycle/evaluate.js';
import type { Queryable } from './schema.js';

export interface StoredLifecyclePolicy {
  text: string;
  updatedAt: number;
  lastEvaluatedAt: number | null;
}

export async function findLifecyclePolicy(db: Queryable, repositoryId: number): Promise<StoredLifecyclePolicy | undefined> {
  const row = await db
    .selectFrom('lifecycle_policies')
    .select(['policy_text', 'updated_at', 'last_evaluated_at'])
    .where('repository_id', '=', repositoryId)
    .executeTakeFirst();
  return row && { text: row.policy_text, updatedAt: Number(row.updated_at), lastEvaluatedAt: row.last_evaluated_at === null ? null : Number(row.last_evaluated_at) };
}

export async function putLifecyclePolicy(db: Queryable, repositoryId: number, text: string, now: number): Promise<void> {
  await db
    .insertInto('lifecycle_policies')
    .values({ repository_id: repositoryId, policy_text: text, updated_at: now, last_evaluated_at: null })
    .onConflict((oc) => oc.column('repository_id').doUpdateSet({ policy_text: text, updated_at: now }))
    .execute();
}

export async function deleteLifecyclePolicy(db: Queryable, repositoryId: number): Promise<void> {
  await db.deleteFrom('lifecycle_policies').where('repository_id', '=', repositoryId).execute();
}

export async function markLifecyclePolicyEvaluated(db: Queryable, repositoryId: number, now: number): Promise<void> {
  await db.updateTable('lifecycle_policies').set({ last_evaluated_at: now }).where('repository_id', '=', repositoryId).execute();
}

/** Every repository that has a lifecycle policy, across all registries. */
export async function listLifecyclePolicies(db: Queryable): Promise<{ repositoryId: number; registryId: string; repositoryName: string; text: string }[]> {
  const rows = await db
    .selectFrom('lifecycle_policies')
    .innerJoin('repositories', 'repositories.id', 'lifecycle_policies.repository_id')
    .select(['repositories.id', 'repositories.registry_id', 'repositories.name', 'lifecycle_policies.policy_text'])
    .orderBy('repositories.id')
    .execute();
  return rows.map((row) => ({ repositoryId: Number(row.id), registryId: row.registry_id, repositoryName: row.name, text: row.policy_text }));
}

/** The images of a repository as the lifecycle evaluator sees them: tags, times, children and subject. */
export async function loadLifecycleImages(db: Queryable, repositoryId: number): Promise<LifecycleImage[]> {
  const manifests = await db
    .selectFrom('manifests')
    .select(['digest', 'pushed_at', 'last_pulled_at', 'subject_digest'])
    .where('repository_id', '=', repositoryId)
    .execute();
  const tags = await db.selectFrom('tags').select(['name', 'manifest_digest']).where('repository_id', '=', repositoryId).execute();
  const children = await db
    .selectFrom('manifest_references')
    .select(['manifest_digest', 'referenced_digest'])
    .where('repository_id', '=', repositoryId)
    .where('kind', '=', 'manifest')
    .execute();
  const images = new Map<string, LifecycleImage>();
  for (const row of manifests) {
    images.set(row.digest, {
      digest: row.digest,
      tags: [],
      pushedAt: Number(row.pushed_at),
      lastPulledAt: row.last_pulled_at === null ? null : Number(row.last_pulled_at),
      subject: row.subject_digest,
    });
  }
  for (const tag of tags) images.get(tag.manifest_digest)?.tags.push(tag.name);
  for (const reference of children) {
    const index = images.get(reference.manifest_digest);
    if (index) (index.children ??= []).push(reference.referenced_digest);
  }
  return [...images.values()];
}

export type PreviewStatus = 'IN_PROGRESS' | 'COMPLETE' | 'FAILED';

export interface StoredPreview {
  policyText: string;
  status: PreviewStatus;
  startedAt: number;
  finishedAt: number | null;
  expiringCount: number | null;
  failure: string | null;
}

export async function findPreview(db: Queryable, repositoryId: number): Promise<StoredPreview | undefined> {
  const row = await db.selectFrom('lifecycle_previews').selectAll().where('repository_id', '=', repositoryId).executeTakeFirst();
  return (
    row && {
      policyText: row.policy_text,
      status: row.status as PreviewStatus,
      startedAt: Number(row.started_at),
      finishedAt: row.finished_at === null ? null : Number(row.finished_at),
      expiringCount: row.expiring_count === null ? null : Number(row.expiring_count),
      failure: row.failure,
    }
  );
}

/** Records a preview as started, replacing the previous one and its results. */
export async function startPreview(db: Queryable, repositoryId: number, policyText: string, now: number): Promise<void> {
  await db.deleteFrom('lifecycle_preview_results').where('repository_id', '=', repositoryId).execute();
  await db
    .insertInto('lifecycle_previews')
    .values({ repository_id: repositoryId, policy_text: policyText, status: 'IN_PROGRESS', started_at: now, finished_at: null, expiring_count: null, failure: null })
    .onConflict((oc) =>
      oc.column('repository_id').doUpdateSet({ policy_text: policyText, status: 'IN_PROGRESS', started_at: now, finished_at: null, expiring_count: null, failure: null }),
    )
    .execute();
}

/** Rows per insert statement: within both dialects' bound-parameter limits. */
const RESULT_ROWS_PER_INSERT = 500;

/**
 * Stores a preview's results and marks it complete, if it is still the preview started at
 * `startedAt` (a newer one replaces it). Resolves to whether it was.
 */
export async function completePreview(db: Queryable, repositoryId: number, startedAt: number, decisions: LifecycleDecision[], now: number): Promise<boolean> {
  const updated = await db
    .updateTable('lifecycle_previews')
    .set({ status: 'COMPLETE', finished_at: now, expiring_count: decisions.length })
    .where('repository_id', '=', repositoryId)
    .where('started_at', '=', startedAt)
    .where('status', '=', 'IN_PROGRESS')
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) return false;
  for (let start = 0; start < decisions.length; start += RESULT_ROWS_PER_INSERT) {
    const rows = decisions.slice(start, start + RESULT_ROWS_PER_INSERT).map((decision, i) => ({
      repository_id: repositoryId,
      position: start + i,
      digest: decision.digest,
      tags: JSON.stringify(decision.tags),
      pushed_at: decision.pushedAt,
      rule_priority: decision.rulePriority,
    }));
    await db.insertInto('lifecycle_preview_results').values(rows).execute();
  }
  return true;
}

export async function failPreview(db: Queryable, repositoryId: number, startedAt: number, failure: string, now: number): Promise<void> {
  await db
    .updateTable('lifecycle_previews')
    .set({ status: 'FAILED', finished_at: now, failure })
    .where('repository_id', '=', repositoryId)
    .where('started_at', '=', startedAt)
    .where('status', '=', 'IN_PROGRESS')
    .execute();
}

export interface PreviewResultRow {
  position: number;
  digest: string;
  tags: string[];
  pushedAt: number;
  rulePriority: number;
}

/** A page of a preview's results in position order, after `afterPosition`, optionally of some digests only. */
export async function listPreviewResults(
  db: Queryable,
  repositoryId: number,
  options: { afterPosition?: number; limit: number; digests?: string[]; tagStatus?: 'TAGGED' | 'UNTAGGED' | 'ANY' },
): Promise<PreviewResultRow[]> {
  let query = db
    .selectFrom('lifecycle_preview_results')
    .select(['position', 'digest', 'tags', 'pushed_at', 'rule_priority'])
    .where('repository_id', '=', repositoryId)
    .orderBy('position')
    .limit(options.limit);
  if (options.afterPosition !== undefined) query = query.where('position', '>', options.afterPosition);
  if (options.tagStatus === 'TAGGED') query = query.where('tags', '<>', '[]');
  if (options.tagStatus === 'UNTAGGED') query = query.where('tags', '=', '[]');
  if (options.digests) query = query.where('digest', 'in', options.digests.length > 0 ? options.digests : ['']);
  const rows = await query.execute();
  return rows.map((row) => ({
    position: Number(row.position),
    digest: row.digest,
    tags: JSON.parse(row.tags) as string[],
    pushedAt: Number(row.pushed_at),
    rulePriority: Number(row.rule_priority),
  }));
}

export interface ExpiryRecord {
  runId: number | null;
  registryId: string;
  repositoryName: string;
  digest: string;
  tags: string[];
  pushedAt: number;
  rulePriority: number;
  reason: string;
  expiredAt: number;
}

export async function recordExpiries(db: Queryable, records: ExpiryRecord[]): Promise<void> {
  for (let start = 0; start < records.length; start += RESULT_ROWS_PER_INSERT) {
    await db
      .insertInto('lifecycle_expiries')
      .values(
        records.slice(start, start + RESULT_ROWS_PER_INSERT).map((record) => ({
          run_id: record.runId,
          registry_id: record.registryId,
          repository_name: record.repositoryName,
          digest: record.digest,
          tags: JSON.stringify(record.tags),
          pushed_at: record.pushedAt,
          rule_priority: record.rulePriority,
          reason: record.reason,
          expired_at: record.expiredAt,
        })),
      )
      .execute();
  }
}

/** Expiries, newest first, optionally of one registry or repository or run. */
export async function listExpiries(
  db: Queryable,
  options: { registryId?: string; repositoryName?: string; runId?: number; beforeId?: number; limit: number },
): Promise<(ExpiryRecord & { id: number })[]> {
  let query = db.selectFrom('lifecycle_expiries').selectAll().orderBy('id', 'desc').limit(options.limit);
  if (options.registryId !== undefined) query = query.where('registry_id', '=', options.registryId);
  if (options.repositoryName !== undefined) query = query.where('repository_name', '=', options.repositoryName);
  if (options.runId !== undefined) query = query.where('run_id', '=', options.runId);
  if (options.beforeId !== undefined) query = query.where('id', '<', options.beforeId);
  const rows = await query.execute();
  return rows.map((row) => ({
    id: Number(row.id),
    runId: row.run_id === null ? null : Number(row.run_id),
    registryId: row.registry_id,
    repositoryName: row.repository_name,
    digest: row.digest,
    tags: JSON.parse(row.tags) as string[],
    pushedAt: Number(row.pushed_at),
    rulePriority: Number(row.rule_priority),
    reason: row.reason,
    expiredAt: Number(row.expired_at),
  }));
}
