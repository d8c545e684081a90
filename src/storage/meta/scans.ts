import type { RegistryScanningConfiguration } from '../../scanning/configuration.js';
import { randomUUID } from 'node:crypto';
import type { ExpressionBuilder, Selectable } from 'kysely';
import { prepareQuery } from './database.js';
import type { ImageScanTable, Queryable, Schema } from './schema.js';

export interface ScanKey {
  repositoryId: number;
  manifestDigest: string;
}

/**
 * What ECR shows of an image's scan: IN_PROGRESS until a first result, then the last result.
 * ACTIVE: scanned, and monitored continuously (ENHANCED with CONTINUOUS_SCAN).
 */
export type ScanStatus = 'IN_PROGRESS' | 'COMPLETE' | 'ACTIVE' | 'FAILED' | 'UNSUPPORTED_IMAGE' | 'FINDINGS_UNAVAILABLE';

/** Whether a scan in this status has findings to show. */
export function hasFindings(status: ScanStatus): boolean {
  return status === 'COMPLETE' || status === 'ACTIVE';
}



export interface ScanRecord extends ScanKey {
  scanType: 'BASIC' | 'ENHANCED';
  status: ScanStatus;
  /** A scan is wanted and not finished yet (the status shows the last result meanwhile, if kept). */
  queued: boolean;
  description: string | null;
  requestedAt: number;
  completedAt: number | null;
  vulndbUpdatedAt: number | null;
  /** Active findings per severity, once complete. */
  counts: Record<string, number> | null;
}

export interface FindingRecord {
  key: string;
  severity: string;
  status: 'ACTIVE' | 'CLOSED';
  firstObservedAt: number;
  lastObservedAt: number;
  updatedAt: number;
  finding: unknown;
}

/** Read on every manifest push (scan on push): prepared once. */
const configurationOf = prepareQuery(1, (db, registryId: string) => db.selectFrom('scanning_configurations').selectAll().where('registry_id', '=', registryId));

export async function getScanningConfiguration(db: Queryable, registryId: string): Promise<RegistryScanningConfiguration | undefined> {
  const row = await configurationOf.first(db, registryId);
  return row && { scanType: row.scan_type, rules: JSON.parse(row.rules) as RegistryScanningConfiguration['rules'] };
}

export async function putScanningConfiguration(db: Queryable, registryId: string, configuration: RegistryScanningConfiguration): Promise<void> {
  const values = { scan_type: configuration.scanType, rules: JSON.stringify(configuration.rules) };
  await db
    .insertInto('scanning_configurations')
    .values({ registry_id: registryId, ...values })
    .onConflict((oc) => oc.column('registry_id').doUpdateSet(values))
    .execute();
}

/**
 * Queues a scan of an image (again): its findings are kept for the scan to update. With
 * `keepResult` (a continuous rescan) the image keeps showing its last result meanwhile;
 * otherwise it shows IN_PROGRESS. A worker running a scan of it loses its claim: its result
 * is discarded and the scan runs again.
 */
export async function requestScan(db: Queryable, key: ScanKey, scanType: 'BASIC' | 'ENHANCED', now: number, options: { keepResult?: boolean } = {}): Promise<void> {
  const queue = { scan_type: scanType, requested_at: now, queued: 1, claim: null, claimed_at: null, attempts: 0 };
  const shown = options.keepResult ? {} : { status: 'IN_PROGRESS', description: null };
  await db
    .insertInto('image_scans')
    .values({
      repository_id: key.repositoryId,
      manifest_digest: key.manifestDigest,
      ...queue,
      status: 'IN_PROGRESS',
      description: null,
      completed_at: null,
      vulndb_updated_at: null,
      counts: null,
    })
    .onConflict((oc) => oc.columns(['repository_id', 'manifest_digest']).doUpdateSet({ ...queue, ...shown }))
    .execute();
}

/**
 * Queues a manual scan unless the image's scan is queued already or counted within
 * `intervalMs` (failed scans, and scans without a database, do not count): one statement,
 * so two requests at once never both get through. Resolves to whether it queued.
 */
export async function requestManualScan(db: Queryable, key: ScanKey, now: number, intervalMs: number): Promise<boolean> {
  const queue = { scan_type: 'BASIC' as const, requested_at: now, queued: 1, claim: null, claimed_at: null, attempts: 0, status: 'IN_PROGRESS', description: null };
  const result = await db
    .insertInto('image_scans')
    .values({ repository_id: key.repositoryId, manifest_digest: key.manifestDigest, ...queue, completed_at: null, vulndb_updated_at: null, counts: null })
    .onConflict((oc) =>
      oc
        .columns(['repository_id', 'manifest_digest'])
        .doUpdateSet(queue)
        .where((eb) =>
          eb.and([
            eb('image_scans.queued', '=', 0),
            eb.or([eb('image_scans.status', 'in', ['FAILED', 'FINDINGS_UNAVAILABLE']), eb('image_scans.requested_at', '<=', now - intervalMs)]),
          ]),
        ),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export interface ClaimedScan extends ScanKey {
  scanType: 'BASIC' | 'ENHANCED';
  /** Names this worker's claim: heartbeats and the finish hold only while it is the scan's. */
  token: string;
}

/** Tries a scan gets before it is given up (each try that never finished killed, or lost, its worker). */
export const MAX_SCAN_ATTEMPTS = 3;

/**
 * Takes the oldest queued scan that no live worker holds (none, or one whose heartbeat
 * stopped: its process died), or resolves to undefined. Conditional updates make sure two
 * workers never hold the same scan. Scans tried MAX_SCAN_ATTEMPTS times are given up (FAILED).
 */
export async function claimNextScan(db: Queryable, now: number, staleBefore: number): Promise<ClaimedScan | undefined> {
  const free = (eb: ExpressionBuilder<Schema, 'image_scans'>) => eb.and([eb('queued', '=', 1), eb.or([eb('claim', 'is', null), eb('claimed_at', '<', staleBefore)])]);
  for (let attempt = 0; attempt < 8; attempt++) {
    const candidate = await db
      .selectFrom('image_scans')
      .select(['repository_id', 'manifest_digest', 'scan_type', 'requested_at', 'attempts'])
      .where(free)
      .orderBy('requested_at')
      .limit(1)
      .executeTakeFirst();
    if (!candidate) return undefined;
    const exhausted = Number(candidate.attempts) >= MAX_SCAN_ATTEMPTS;
    const token = randomUUID();
    const result = await db
      .updateTable('image_scans')
      .set((eb) =>
        exhausted
          ? { queued: 0, claim: null, claimed_at: null, status: 'FAILED', description: 'The scan was tried several times and never finished.', completed_at: now }
          : { claim: token, claimed_at: now, attempts: eb('attempts', '+', 1) },
      )
      .where('repository_id', '=', candidate.repository_id)
      .where('manifest_digest', '=', candidate.manifest_digest)
      .where('requested_at', '=', candidate.requested_at)
      .where(free)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1 && !exhausted) {
      return { repositoryId: Number(candidate.repository_id), manifestDigest: candidate.manifest_digest, scanType: candidate.scan_type, token };
    }
  }
  return undefined;
}

export async function heartbeatScan(db: Queryable, scan: ClaimedScan, now: number): Promise<void> {
  await db
    .updateTable('image_scans')
    .set({ claimed_at: now })
    .where('repository_id', '=', scan.repositoryId)
    .where('manifest_digest', '=', scan.manifestDigest)
    .where('claim', '=', scan.token)
    .execute();
}

/**
 * Records a scan's result, if this worker still holds the scan (it was not requested again,
 * nor taken over, meanwhile); resolves to whether it did. Run it in the transaction that
 * records the findings, first: a result not recorded leaves the findings as they were.
 */
export async function finishScan(
  trx: Queryable,
  scan: ClaimedScan,
  outcome: { status: ScanStatus; description: string | null; counts: Record<string, number> | null; vulndbUpdatedAt: number | null },
  now: number,
): Promise<boolean> {
  const result = await trx
    .updateTable('image_scans')
    .set({
      queued: 0,
      claim: null,
      claimed_at: null,
      status: outcome.status,
      description: outcome.description,
      counts: outcome.counts && JSON.stringify(outcome.counts),
      vulndb_updated_at: outcome.vulndbUpdatedAt,
      completed_at: now,
    })
    .where('repository_id', '=', scan.repositoryId)
    .where('manifest_digest', '=', scan.manifestDigest)
    .where('claim', '=', scan.token)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

function toScanRecord(row: Selectable<ImageScanTable>): ScanRecord {
  return {
    repositoryId: Number(row.repository_id),
    manifestDigest: row.manifest_digest,
    scanType: row.scan_type,
    status: row.status as ScanStatus,
    queued: Number(row.queued) === 1,
    description: row.description,
    requestedAt: Number(row.requested_at),
    completedAt: row.completed_at === null ? null : Number(row.completed_at),
    vulndbUpdatedAt: row.vulndb_updated_at === null ? null : Number(row.vulndb_updated_at),
    counts: row.counts === null ? null : (JSON.parse(row.counts) as Record<string, number>),
  };
}

export async function findScan(db: Queryable, key: ScanKey): Promise<ScanRecord | undefined> {
  const row = await db.selectFrom('image_scans').selectAll().where('repository_id', '=', key.repositoryId).where('manifest_digest', '=', key.manifestDigest).executeTakeFirst();
  return row && toScanRecord(row);
}

/** The scans of some images of a repository, by manifest digest. */
export async function findScans(db: Queryable, repositoryId: number, digests: string[]): Promise<Map<string, ScanRecord>> {
  if (digests.length === 0) return new Map();
  const rows = await db.selectFrom('image_scans').selectAll().where('repository_id', '=', repositoryId).where('manifest_digest', 'in', digests).execute();
  return new Map(rows.map((row) => [row.manifest_digest, toScanRecord(row)]));
}

/** Findings per insert: 9 parameters each stay under SQLite's limit of 32766. */
const FINDINGS_BATCH = 1000;

/**
 * Records what a scan found: findings seen before keep their first observation (a closed one
 * found again is active again), new ones start now, active ones not found any more close.
 */
export async function recordFindings(
  trx: Queryable,
  key: ScanKey,
  findings: { key: string; severity: string; finding: unknown }[],
  now: number,
): Promise<void> {
  const existing = await trx
    .selectFrom('image_findings')
    .select(['finding_key', 'status'])
    .where('repository_id', '=', key.repositoryId)
    .where('manifest_digest', '=', key.manifestDigest)
    .execute();
  const known = new Map(existing.map((row) => [row.finding_key, row.status]));
  const current = new Set(findings.map((finding) => finding.key));
  // One statement per batch: a finding seen before keeps its first observation.
  for (let i = 0; i < findings.length; i += FINDINGS_BATCH) {
    await trx
      .insertInto('image_findings')
      .values(
        findings.slice(i, i + FINDINGS_BATCH).map((finding) => ({
          repository_id: key.repositoryId,
          manifest_digest: key.manifestDigest,
          finding_key: finding.key,
          severity: finding.severity,
          status: 'ACTIVE' as const,
          first_observed_at: now,
          last_observed_at: now,
          updated_at: now,
          finding: JSON.stringify(finding.finding),
        })),
      )
      .onConflict((oc) =>
        oc.columns(['repository_id', 'manifest_digest', 'finding_key']).doUpdateSet((eb) => ({
          severity: eb.ref('excluded.severity'),
          status: 'ACTIVE',
          last_observed_at: eb.ref('excluded.last_observed_at'),
          updated_at: eb.ref('excluded.updated_at'),
          finding: eb.ref('excluded.finding'),
        })),
      )
      .execute();
  }
  const gone = [...known].filter(([findingKey, status]) => status === 'ACTIVE' && !current.has(findingKey)).map(([findingKey]) => findingKey);
  for (let i = 0; i < gone.length; i += 500) {
    await trx
      .updateTable('image_findings')
      .set({ status: 'CLOSED', updated_at: now })
      .where('repository_id', '=', key.repositoryId)
      .where('manifest_digest', '=', key.manifestDigest)
      .where('finding_key', 'in', gone.slice(i, i + 500))
      .execute();
  }
}

/** Findings of an image's scan in a stable order (severity rank, then key), a page at a time. */
export async function listFindings(db: Queryable, key: ScanKey, options: { status?: 'ACTIVE' | 'CLOSED'; offset: number; limit: number }): Promise<FindingRecord[]> {
  let query = db
    .selectFrom('image_findings')
    .selectAll()
    .where('repository_id', '=', key.repositoryId)
    .where('manifest_digest', '=', key.manifestDigest);
  if (options.status) query = query.where('status', '=', options.status);
  const rows = await query
    .orderBy((eb) =>
      eb
        .case()
        .when('severity', '=', 'CRITICAL')
        .then(0)
        .when('severity', '=', 'HIGH')
        .then(1)
        .when('severity', '=', 'MEDIUM')
        .then(2)
        .when('severity', '=', 'LOW')
        .then(3)
        .when('severity', '=', 'INFORMATIONAL')
        .then(4)
        .else(5)
        .end(),
    )
    .orderBy('finding_key')
    .offset(options.offset)
    .limit(options.limit)
    .execute();
  return rows.map((row) => ({
    key: row.finding_key,
    severity: row.severity,
    status: row.status,
    firstObservedAt: Number(row.first_observed_at),
    lastObservedAt: Number(row.last_observed_at),
    updatedAt: Number(row.updated_at),
    finding: JSON.parse(row.finding) as unknown,
  }));
}

/**
 * Deletes up to `limit` recorded inventories that no scan refers to (the scans of an image go
 * with it), created at or before `before`; resolves to how many. An inventory is a cache: one an
 * SBOM request recorded for an image never scanned is read again when next asked for.
 */
export async function deleteUnscannedInventories(db: Queryable, before: number, limit: number): Promise<number> {
  const rows = await db
    .selectFrom('image_inventories as i')
    .select('i.manifest_digest')
    .where('i.created_at', '<=', before)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('image_scans as s').select(eb.lit(1).as('one')).whereRef('s.manifest_digest', '=', 'i.manifest_digest'))))
    .limit(limit)
    .execute();
  if (rows.length === 0) return 0;
  const result = await db
    .deleteFrom('image_inventories as i')
    .where(
      'i.manifest_digest',
      'in',
      rows.map((row) => row.manifest_digest),
    )
    .where((eb) => eb.not(eb.exists(eb.selectFrom('image_scans as s').select(eb.lit(1).as('one')).whereRef('s.manifest_digest', '=', 'i.manifest_digest'))))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function getInventory(db: Queryable, manifestDigest: string): Promise<string | undefined> {
  const row = await db.selectFrom('image_inventories').select('inventory').where('manifest_digest', '=', manifestDigest).executeTakeFirst();
  return row?.inventory;
}

export async function putInventory(db: Queryable, manifestDigest: string, inventory: string, now: number): Promise<void> {
  await db
    .insertInto('image_inventories')
    .values({ manifest_digest: manifestDigest, inventory, created_at: now })
    .onConflict((oc) => oc.column('manifest_digest').doNothing())
    .execute();
}

export interface ScannedInventory extends ScanKey {
  registryId: string;
  repositoryName: string;
  repositoryScanOnPush: boolean;
  inventory: string;
}

/** Scans of ENHANCED type (finished, queued or running), with their image's recorded inventory, in pages (key order). */
export async function enhancedScansWithInventories(db: Queryable, after: ScanKey | undefined, limit: number): Promise<ScannedInventory[]> {
  let query = db
    .selectFrom('image_scans')
    .innerJoin('image_inventories', 'image_inventories.manifest_digest', 'image_scans.manifest_digest')
    .innerJoin('repositories', 'repositories.id', 'image_scans.repository_id')
    .select(['image_scans.repository_id', 'image_scans.manifest_digest', 'repositories.registry_id', 'repositories.name', 'repositories.scan_on_push', 'image_inventories.inventory'])
    .where('image_scans.scan_type', '=', 'ENHANCED');
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('image_scans.repository_id', '>', after.repositoryId),
        eb.and([eb('image_scans.repository_id', '=', after.repositoryId), eb('image_scans.manifest_digest', '>', after.manifestDigest)]),
      ]),
    );
  }
  const rows = await query.orderBy('image_scans.repository_id').orderBy('image_scans.manifest_digest').limit(limit).execute();
  return rows.map((row) => ({
    repositoryId: Number(row.repository_id),
    manifestDigest: row.manifest_digest,
    registryId: row.registry_id,
    repositoryName: row.name,
    repositoryScanOnPush: Boolean(row.scan_on_push),
    inventory: row.inventory,
  }));
}
