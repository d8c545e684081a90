import { evaluateLifecyclePolicy, type LifecycleDecision } from '../lifecycle/evaluate.js';
import { LifecyclePolicyError, parseLifecyclePolicy, type LifecyclePolicy } from '../lifecycle/policy.js';
import { existingManifestDigests, deleteManifest } from '../storage/meta/manifests.js';
import { indexesListing, tagsOfManifests } from '../storage/meta/images.js';
import * as rows from '../storage/meta/lifecycle.js';
import type { Queryable } from '../storage/meta/schema.js';
import type { RegistryContext } from './context.js';
import { RegistryError } from './errors.js';
import type { Repositories } from './repositories.js';

/** A preview still IN_PROGRESS after this long was cut short (its process stopped) and is reported FAILED. */
const PREVIEW_STALE_MS = 10 * 60_000;
/** Images expired per transaction: each batch is re-checked and deleted atomically. */
const EXPIRY_BATCH = 500;

export interface LifecyclePolicyDetails {
  text: string;
  lastEvaluatedAt: number | null;
}

export interface PreviewPage {
  policyText: string;
  status: rows.PreviewStatus;
  results: rows.PreviewResultRow[];
  expiringCount?: number;
  /** Position of the last result answered, when more follow. */
  nextPosition?: number;
}

export interface ExpiryOutcome {
  /** Images deleted. */
  expired: LifecycleDecision[];
  /** Images the evaluation chose that had changed (tags moved, pushed again, listed by a new index) before they could go. */
  skipped: number;
}

/**
 * Lifecycle policies of ECR: PutLifecyclePolicy and its siblings, previews (what a policy
 * would expire, changing nothing), and execution (expiring images as BatchDeleteImage
 * would, each expiry recorded). The language and its evaluation are pure
 * (src/lifecycle/); this is where they meet the repository.
 */
export class LifecyclePolicies {
  constructor(
    private readonly context: RegistryContext,
    private readonly repositories: Repositories,
  ) {}

  async put(name: string, text: string): Promise<void> {
    const repository = await this.repositories.details(name);
    parse(text);
    await this.context.database.transaction((trx) => rows.putLifecyclePolicy(trx, repository.id, text, this.context.now()));
  }

  async get(name: string): Promise<LifecyclePolicyDetails> {
    const repository = await this.repositories.details(name);
    const policy = await rows.findLifecyclePolicy(this.context.database.db, repository.id);
    if (!policy) throw this.notFound(name);
    return { text: policy.text, lastEvaluatedAt: policy.lastEvaluatedAt };
  }

  /** Removes the policy and answers the one removed. */
  async delete(name: string): Promise<LifecyclePolicyDetails> {
    const repository = await this.repositories.details(name);
    return this.context.database.transaction(async (trx) => {
      const policy = await rows.findLifecyclePolicy(trx, repository.id);
      if (!policy) throw this.notFound(name);
      await rows.deleteLifecyclePolicy(trx, repository.id);
      return { text: policy.text, lastEvaluatedAt: policy.lastEvaluatedAt };
    });
  }

  /**
   * Starts a preview of `text`, or of the repository's policy when no text is given. The
   * preview is computed in the background; `preview` answers IN_PROGRESS until it is done.
   * Resolves to the policy text previewed.
   */
  async startPreview(name: string, text?: string): Promise<string> {
    const repository = await this.repositories.details(name);
    const db = this.context.database.db;
    const policyText = text ?? (await rows.findLifecyclePolicy(db, repository.id))?.text;
    if (policyText === undefined) throw this.notFound(name);
    const policy = parse(policyText);
    const startedAt = this.context.now();
    await this.context.database.transaction(async (trx) => {
      const previous = await rows.findPreview(trx, repository.id);
      if (previous && this.effectiveStatus(previous) === 'IN_PROGRESS') {
        throw new RegistryError('LIFECYCLE_PREVIEW_IN_PROGRESS', 'Previous lifecycle policy preview request has not completed. Please try again later.');
      }
      await rows.startPreview(trx, repository.id, policyText, startedAt);
    });
    setImmediate(() => void this.computePreview(repository.id, policy, startedAt));
    return policyText;
  }

  async preview(
    name: string,
    options: { afterPosition?: number; limit: number; digests?: string[]; tagStatus?: 'TAGGED' | 'UNTAGGED' | 'ANY' },
  ): Promise<PreviewPage> {
    const repository = await this.repositories.details(name);
    const db = this.context.database.db;
    const stored = await rows.findPreview(db, repository.id);
    if (!stored) {
      throw new RegistryError(
        'LIFECYCLE_PREVIEW_NOT_FOUND',
        `There is no lifecycle policy preview for the repository with name '${name}' in the registry with id '${this.context.registryId}'`,
      );
    }
    const status = this.effectiveStatus(stored);
    if (status !== 'COMPLETE') return { policyText: stored.policyText, status, results: [] };
    const found = await rows.listPreviewResults(db, repository.id, { ...options, limit: options.limit + 1 });
    const results = found.slice(0, options.limit);
    return {
      policyText: stored.policyText,
      status,
      results,
      expiringCount: stored.expiringCount ?? 0,
      nextPosition: found.length > options.limit ? results[results.length - 1]!.position : undefined,
    };
  }

  /** What the repository's policy expires now; undefined when it has no policy. */
  async evaluate(name: string): Promise<LifecycleDecision[] | undefined> {
    const repository = await this.repositories.details(name);
    const stored = await rows.findLifecyclePolicy(this.context.database.db, repository.id);
    if (!stored) return undefined;
    return this.decide(repository.id, parse(stored.text));
  }

  /**
   * Applies the repository's policy: evaluates it and deletes what it expires, recording each
   * expiry under `runId`. Each batch is re-checked inside its transaction: an image whose tags
   * changed since the evaluation, or that an index not expiring now lists, is kept (the next
   * run sees it as it is then).
   */
  async apply(name: string, runId: number | null): Promise<ExpiryOutcome> {
    const repository = await this.repositories.details(name);
    const stored = await rows.findLifecyclePolicy(this.context.database.db, repository.id);
    if (!stored) return { expired: [], skipped: 0 };
    const decisions = await this.decide(repository.id, parse(stored.text));
    // Parents before the manifests that depend on them, so that an index is gone before its children are checked.
    const ordered = [...decisions.filter((d) => d.reason === 'rule'), ...decisions.filter((d) => d.reason !== 'rule')];
    const expired: LifecycleDecision[] = [];
    let pending = ordered;
    for (;;) {
      const retry: LifecycleDecision[] = [];
      for (let start = 0; start < pending.length; start += EXPIRY_BATCH) {
        const batch = pending.slice(start, start + EXPIRY_BATCH);
        const outcome = await this.context.database.transaction((trx) => this.expireBatch(trx, repository.id, name, batch, runId));
        expired.push(...outcome.expired);
        retry.push(...outcome.listed);
      }
      if (retry.length === 0 || retry.length === pending.length) {
        const evaluatedAt = this.context.now();
        await this.context.database.transaction((trx) => rows.markLifecyclePolicyEvaluated(trx, repository.id, evaluatedAt));
        return { expired, skipped: decisions.length - expired.length };
      }
      pending = retry;
    }
  }

  private async expireBatch(
    trx: Queryable,
    repositoryId: number,
    name: string,
    batch: LifecycleDecision[],
    runId: number | null,
  ): Promise<{ expired: LifecycleDecision[]; listed: LifecycleDecision[] }> {
    const digests = batch.map((decision) => decision.digest);
    const present = await existingManifestDigests(trx, repositoryId, digests);
    const tags = await tagsOfManifests(trx, repositoryId, digests);
    const candidates = batch.filter((decision) => present.has(decision.digest) && sameTags(tags.get(decision.digest) ?? [], decision.tags));
    const deleting = new Set(candidates.map((decision) => decision.digest));
    const listing = await indexesListing(trx, repositoryId, [...deleting]);
    const expired: LifecycleDecision[] = [];
    const listed: LifecycleDecision[] = [];
    for (const decision of candidates) {
      const indexes = listing.get(decision.digest)?.filter((index) => !deleting.has(index));
      if (indexes && indexes.length > 0) {
        listed.push(decision);
        continue;
      }
      if (await deleteManifest(trx, repositoryId, decision.digest)) expired.push(decision);
    }
    const now = this.context.now();
    await rows.recordExpiries(
      trx,
      expired.map((decision) => ({
        runId,
        registryId: this.context.registryId,
        repositoryName: name,
        digest: decision.digest,
        tags: decision.tags,
        pushedAt: decision.pushedAt,
        rulePriority: decision.rulePriority,
        reason: decision.reason,
        expiredAt: now,
      })),
    );
    return { expired, listed };
  }

  private async decide(repositoryId: number, policy: LifecyclePolicy): Promise<LifecycleDecision[]> {
    const images = await rows.loadLifecycleImages(this.context.database.db, repositoryId);
    return evaluateLifecyclePolicy(policy, images, this.context.now());
  }

  private async computePreview(repositoryId: number, policy: LifecyclePolicy, startedAt: number): Promise<void> {
    try {
      const decisions = await this.decide(repositoryId, policy);
      await this.context.database.transaction((trx) => rows.completePreview(trx, repositoryId, startedAt, decisions, this.context.now()));
    } catch (error) {
      const failure = error instanceof Error ? error.message : String(error);
      await this.context.database
        .transaction((trx) => rows.failPreview(trx, repositoryId, startedAt, failure, this.context.now()))
        .catch(() => undefined); // the database itself failed: the preview is reported FAILED once stale
    }
  }

  private effectiveStatus(preview: rows.StoredPreview): rows.PreviewStatus {
    if (preview.status === 'IN_PROGRESS' && this.context.now() - preview.startedAt > PREVIEW_STALE_MS) return 'FAILED';
    return preview.status;
  }

  private notFound(name: string): RegistryError {
    return new RegistryError(
      'LIFECYCLE_POLICY_NOT_FOUND',
      `Lifecycle policy does not exist for the repository with name '${name}' in the registry with id '${this.context.registryId}'`,
    );
  }
}

function parse(text: string): LifecyclePolicy {
  try {
    return parseLifecyclePolicy(text);
  } catch (error) {
    if (error instanceof LifecyclePolicyError) {
      throw new RegistryError('INVALID_PARAMETER', `Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: '${error.message}'`);
    }
    throw error;
  }
}

function sameTags(current: string[], evaluated: string[]): boolean {
  if (current.length !== evaluated.length) return false;
  const expected = new Set(evaluated);
  return current.every((tag) => expected.has(tag));
}
