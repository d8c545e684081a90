import { prepareQuery } from './database.js';
import type { Queryable } from './schema.js';

export interface RepositoryRow {
  id: number;
  registryId: string;
  name: string;
  createdAt: number;
  /** PutImageScanningConfiguration's flag: a push reads it (scan on push) without another query. */
  scanOnPush: boolean;
}

const repositoryByName = prepareQuery(2, (db, registryId: string, name: string) =>
  db.selectFrom('repositories').select(['id', 'registry_id', 'name', 'created_at', 'scan_on_push']).where('registry_id', '=', registryId).where('name', '=', name),
);

export async function findRepository(db: Queryable, registryId: string, name: string): Promise<RepositoryRow | undefined> {
  const row = await repositoryByName.first(db, registryId, name);
  return row && { id: row.id, registryId: row.registry_id, name: row.name, createdAt: row.created_at, scanOnPush: Boolean(row.scan_on_push) };
}

/** A repository by id (scans name their repository by id). */
export async function findRepositoryById(db: Queryable, repositoryId: number): Promise<RepositoryRow | undefined> {
  const row = await db.selectFrom('repositories').select(['id', 'registry_id', 'name', 'created_at', 'scan_on_push']).where('id', '=', repositoryId).executeTakeFirst();
  return row && { id: row.id, registryId: row.registry_id, name: row.name, createdAt: row.created_at, scanOnPush: Boolean(row.scan_on_push) };
}

/** Returns the repository, creating it when absent (safe under concurrent callers). */
export async function ensureRepository(db: Queryable, registryId: string, name: string, now: number): Promise<RepositoryRow> {
  await db
    .insertInto('repositories')
    .values({ registry_id: registryId, name, created_at: now })
    .onConflict((oc) => oc.columns(['registry_id', 'name']).doNothing())
    .execute();
  const row = await findRepository(db, registryId, name);
  if (!row) throw new Error(`repository ${name} vanished after creation`);
  return row;
}

/** Repository names in byte order, after `last`, at most `limit` of them. */
export async function listRepositoryNames(
  db: Queryable,
  registryId: string,
  options: { last?: string; limit: number },
): Promise<string[]> {
  let query = db
    .selectFrom('repositories')
    .select('name')
    .where('registry_id', '=', registryId)
    .orderBy('name')
    .limit(options.limit);
  if (options.last !== undefined) query = query.where('name', '>', options.last);
  return (await query.execute()).map((row) => row.name);
}

/** A repository with ECR's settings, as the control plane describes it. */
export interface RepositoryDetailsRow extends RepositoryRow {
  imageTagMutability: string;
  tagMutabilityExclusions: { filterType: string; filter: string }[];
  scanOnPush: boolean;
  encryptionType: string;
  kmsKey: string | null;
}

export type RepositorySettingsUpdate = Partial<Omit<RepositoryDetailsRow, 'id' | 'registryId' | 'name' | 'createdAt'>>;

const DETAIL_COLUMNS = [
  'id',
  'registry_id',
  'name',
  'created_at',
  'image_tag_mutability',
  'tag_mutability_exclusions',
  'scan_on_push',
  'encryption_type',
  'kms_key',
] as const;

type DetailRow = {
  id: number;
  registry_id: string;
  name: string;
  created_at: number;
  image_tag_mutability: string;
  tag_mutability_exclusions: string | null;
  scan_on_push: number;
  encryption_type: string;
  kms_key: string | null;
};

function toDetails(row: DetailRow): RepositoryDetailsRow {
  return {
    id: row.id,
    registryId: row.registry_id,
    name: row.name,
    createdAt: row.created_at,
    imageTagMutability: row.image_tag_mutability,
    tagMutabilityExclusions: row.tag_mutability_exclusions ? JSON.parse(row.tag_mutability_exclusions) : [],
    scanOnPush: Boolean(row.scan_on_push),
    encryptionType: row.encryption_type,
    kmsKey: row.kms_key,
  };
}

function toColumns(update: RepositorySettingsUpdate) {
  return {
    image_tag_mutability: update.imageTagMutability,
    tag_mutability_exclusions:
      update.tagMutabilityExclusions === undefined
        ? undefined
        : update.tagMutabilityExclusions.length > 0
          ? JSON.stringify(update.tagMutabilityExclusions)
          : null,
    scan_on_push: update.scanOnPush === undefined ? undefined : update.scanOnPush ? 1 : 0,
    encryption_type: update.encryptionType,
    kms_key: update.kmsKey,
  };
}

/** Creates a repository; resolves to undefined when the name is taken. */
export async function insertRepository(
  db: Queryable,
  registryId: string,
  name: string,
  now: number,
  settings: RepositorySettingsUpdate,
): Promise<RepositoryDetailsRow | undefined> {
  const inserted = await db
    .insertInto('repositories')
    .values({ registry_id: registryId, name, created_at: now, ...toColumns(settings) })
    .onConflict((oc) => oc.columns(['registry_id', 'name']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted ? findRepositoryDetails(db, registryId, name) : undefined;
}

const repositoryDetailsByName = prepareQuery(2, (db, registryId: string, name: string) =>
  db.selectFrom('repositories').select(DETAIL_COLUMNS).where('registry_id', '=', registryId).where('name', '=', name),
);

export async function findRepositoryDetails(db: Queryable, registryId: string, name: string): Promise<RepositoryDetailsRow | undefined> {
  const row = await repositoryDetailsByName.first(db, registryId, name);
  return row && toDetails(row as DetailRow);
}

/** Repositories in name order after `after`, at most `limit`; optionally only the named ones. */
export async function listRepositoryDetails(
  db: Queryable,
  registryId: string,
  options: { after?: string; limit: number; names?: string[] },
): Promise<RepositoryDetailsRow[]> {
  let query = db.selectFrom('repositories').select(DETAIL_COLUMNS).where('registry_id', '=', registryId).orderBy('name').limit(options.limit);
  if (options.after !== undefined) query = query.where('name', '>', options.after);
  if (options.names) query = query.where('name', 'in', options.names);
  return (await query.execute()).map((row) => toDetails(row as DetailRow));
}

export async function updateRepositorySettings(db: Queryable, repositoryId: number, update: RepositorySettingsUpdate): Promise<void> {
  await db.updateTable('repositories').set(toColumns(update)).where('id', '=', repositoryId).execute();
}

/** Deletes the repository with everything in it (manifests, tags, links, uploads cascade). */
export async function deleteRepository(db: Queryable, repositoryId: number): Promise<void> {
  await db.deleteFrom('repositories').where('id', '=', repositoryId).execute();
}

export async function countManifests(db: Queryable, repositoryId: number): Promise<number> {
  const row = await db
    .selectFrom('manifests')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('repository_id', '=', repositoryId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function getRepositoryPolicy(db: Queryable, repositoryId: number): Promise<string | null> {
  const row = await db.selectFrom('repositories').select('policy').where('id', '=', repositoryId).executeTakeFirst();
  return row?.policy ?? null;
}

export async function setRepositoryPolicy(db: Queryable, repositoryId: number, policy: string | null): Promise<void> {
  await db.updateTable('repositories').set({ policy }).where('id', '=', repositoryId).execute();
}

export async function listResourceTags(db: Queryable, repositoryId: number): Promise<{ key: string; value: string }[]> {
  return db.selectFrom('repository_tags').select(['key', 'value']).where('repository_id', '=', repositoryId).orderBy('key').execute();
}

export async function putResourceTags(db: Queryable, repositoryId: number, tags: { key: string; value: string }[]): Promise<void> {
  for (const tag of tags) {
    await db
      .insertInto('repository_tags')
      .values({ repository_id: repositoryId, key: tag.key, value: tag.value })
      .onConflict((oc) => oc.columns(['repository_id', 'key']).doUpdateSet({ value: tag.value }))
      .execute();
  }
}

export async function deleteResourceTags(db: Queryable, repositoryId: number, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await db.deleteFrom('repository_tags').where('repository_id', '=', repositoryId).where('key', 'in', keys).execute();
}
