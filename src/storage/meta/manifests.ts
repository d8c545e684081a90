import { prepareQuery, type PreparedQuery } from './database.js';
import type { Queryable } from './schema.js';

export interface ManifestRecord {
  repositoryId: number;
  digest: string;
  mediaType: string;
  artifactType: string | null;
  configMediaType: string | null;
  subjectDigest: string | null;
  size: number;
  imageSize: number;
  content: Uint8Array;
  pushedAt: number;
  lastPulledAt: number | null;
}

export interface ManifestReference {
  digest: string;
  kind: 'blob' | 'manifest';
}

export type ManifestSummary = Omit<ManifestRecord, 'content' | 'repositoryId'>;

export const SUMMARY_COLUMNS = [
  'digest',
  'media_type',
  'artifact_type',
  'config_media_type',
  'subject_digest',
  'size',
  'image_size',
  'pushed_at',
  'last_pulled_at',
] as const;

export type SummaryRow = {
  digest: string;
  media_type: string;
  artifact_type: string | null;
  config_media_type: string | null;
  subject_digest: string | null;
  size: number;
  image_size: number;
  pushed_at: number;
  last_pulled_at: number | null;
};

export function toSummary(row: SummaryRow): ManifestSummary {
  return {
    digest: row.digest,
    mediaType: row.media_type,
    artifactType: row.artifact_type,
    configMediaType: row.config_media_type,
    subjectDigest: row.subject_digest,
    size: row.size,
    imageSize: row.image_size,
    pushedAt: row.pushed_at,
    lastPulledAt: row.last_pulled_at,
  };
}

const insertManifestRow = prepareQuery(
  11,
  (
    db,
    repositoryId: number,
    digest: string,
    mediaType: string,
    artifactType: string | null,
    configMediaType: string | null,
    subjectDigest: string | null,
    size: number,
    imageSize: number,
    content: Uint8Array,
    pushedAt: number,
    lastPulledAt: number | null,
  ) =>
    db
      .insertInto('manifests')
      .values({
        repository_id: repositoryId,
        digest,
        media_type: mediaType,
        artifact_type: artifactType,
        config_media_type: configMediaType,
        subject_digest: subjectDigest,
        size,
        image_size: imageSize,
        content,
        pushed_at: pushedAt,
        last_pulled_at: lastPulledAt,
      })
      .onConflict((oc) => oc.columns(['repository_id', 'digest']).doNothing()),
);

/**
 * Stores a manifest and what it references. A manifest already present keeps its first
 * push time: the same bytes pushed again are the same image.
 */
export async function insertManifest(db: Queryable, manifest: ManifestRecord, references: ManifestReference[]): Promise<boolean> {
  const result = await insertManifestRow.execute(
    db,
    manifest.repositoryId,
    manifest.digest,
    manifest.mediaType,
    manifest.artifactType,
    manifest.configMediaType,
    manifest.subjectDigest,
    manifest.size,
    manifest.imageSize,
    manifest.content,
    manifest.pushedAt,
    manifest.lastPulledAt,
  );
  const inserted = Number(result.numAffectedRows ?? 0) > 0;
  if (inserted && references.length > 0) {
    const unique = dedupeReferences(references);
    if (unique.length <= PREPARED_REFERENCE_LISTS) {
      await referencesInsert(unique.length).execute(db, manifest.repositoryId, manifest.digest, ...unique.flatMap((r) => [r.digest, r.kind]));
    } else {
      await insertReferences(db, manifest.repositoryId, manifest.digest, unique).execute();
    }
  }
  return inserted;
}

function insertReferences(db: Queryable, repositoryId: number, manifestDigest: string, references: ManifestReference[]) {
  return db.insertInto('manifest_references').values(
    references.map((reference) => ({
      repository_id: repositoryId,
      manifest_digest: manifestDigest,
      referenced_digest: reference.digest,
      kind: reference.kind,
    })),
  );
}

/** Manifests with up to this many references are stored with an insert prepared for their count (most list a few). */
const PREPARED_REFERENCE_LISTS = 64;
const referenceInserts = new Map<number, PreparedQuery<[number, string, ...string[]], unknown>>();

/** The insert of `count` references; its arguments: repository id, manifest digest, then digest and kind of each. */
function referencesInsert(count: number): PreparedQuery<[number, string, ...string[]], unknown> {
  let query = referenceInserts.get(count);
  if (!query) {
    query = prepareQuery(2 + 2 * count, (db, repositoryId: number, manifestDigest: string, ...pairs: string[]) =>
      insertReferences(
        db,
        repositoryId,
        manifestDigest,
        Array.from({ length: count }, (_, index) => ({ digest: pairs[2 * index]!, kind: pairs[2 * index + 1] as ManifestReference['kind'] })),
      ),
    );
    referenceInserts.set(count, query);
  }
  return query;
}

function dedupeReferences(references: ManifestReference[]): ManifestReference[] {
  const seen = new Map<string, ManifestReference>();
  for (const reference of references) if (!seen.has(reference.digest)) seen.set(reference.digest, reference);
  return [...seen.values()];
}

const MANIFEST_COLUMNS = ['repositories.id', 'manifests.digest', 'manifests.media_type', 'manifests.content', 'manifests.subject_digest'] as const;

const manifestByTag = prepareQuery(3, (db, registryId: string, repositoryName: string, tag: string) =>
  db
    .selectFrom('repositories')
    .innerJoin('tags', 'tags.repository_id', 'repositories.id')
    .innerJoin('manifests', (join) =>
      join.onRef('manifests.repository_id', '=', 'tags.repository_id').onRef('manifests.digest', '=', 'tags.manifest_digest'),
    )
    .where('repositories.registry_id', '=', registryId)
    .where('repositories.name', '=', repositoryName)
    .where('tags.name', '=', tag)
    .select(MANIFEST_COLUMNS),
);

const manifestByDigest = prepareQuery(3, (db, registryId: string, repositoryName: string, digest: string) =>
  db
    .selectFrom('repositories')
    .innerJoin('manifests', 'manifests.repository_id', 'repositories.id')
    .where('repositories.registry_id', '=', registryId)
    .where('repositories.name', '=', repositoryName)
    .where('manifests.digest', '=', digest)
    .select(MANIFEST_COLUMNS),
);

/**
 * The manifest a repository name and a tag or digest lead to, in one query: the hot path
 * of every pull.
 */
export async function findManifestByName(
  db: Queryable,
  registryId: string,
  repositoryName: string,
  reference: { tag: string } | { digest: string },
): Promise<{ repositoryId: number; digest: string; mediaType: string; content: Uint8Array; subjectDigest: string | null } | undefined> {
  const row =
    'tag' in reference
      ? await manifestByTag.first(db, registryId, repositoryName, reference.tag)
      : await manifestByDigest.first(db, registryId, repositoryName, reference.digest);
  return (
    row && { repositoryId: row.id, digest: row.digest, mediaType: row.media_type, content: row.content, subjectDigest: row.subject_digest }
  );
}

export async function findManifestSummary(db: Queryable, repositoryId: number, digest: string): Promise<ManifestSummary | undefined> {
  const row = await db
    .selectFrom('manifests')
    .select(SUMMARY_COLUMNS)
    .where('repository_id', '=', repositoryId)
    .where('digest', '=', digest)
    .executeTakeFirst();
  return row && toSummary(row);
}

/** Which of `digests` are manifests of the repository. */
export async function existingManifestDigests(db: Queryable, repositoryId: number, digests: string[]): Promise<Set<string>> {
  if (digests.length === 0) return new Set();
  const rows = await db
    .selectFrom('manifests')
    .select('digest')
    .where('repository_id', '=', repositoryId)
    .where('digest', 'in', digests)
    .execute();
  return new Set(rows.map((row) => row.digest));
}

/** Deletes a manifest; its tags and references go with it (foreign keys cascade). */
export async function deleteManifest(db: Queryable, repositoryId: number, digest: string): Promise<boolean> {
  const result = await db
    .deleteFrom('manifests')
    .where('repository_id', '=', repositoryId)
    .where('digest', '=', digest)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Manifests whose `subject` is `digest`, optionally of one artifact type. */
export async function listReferrers(
  db: Queryable,
  repositoryId: number,
  subjectDigest: string,
): Promise<(ManifestSummary & { content: Uint8Array })[]> {
  const rows = await db
    .selectFrom('manifests')
    .select([...SUMMARY_COLUMNS, 'content'])
    .where('repository_id', '=', repositoryId)
    .where('subject_digest', '=', subjectDigest)
    .orderBy('digest')
    .execute();
  return rows.map((row) => ({ ...toSummary(row), content: row.content }));
}

/** Records pull times in one statement per repository and time. */
export async function recordPulls(db: Queryable, pulls: { repositoryId: number; digest: string; at: number }[]): Promise<void> {
  for (const pull of pulls) {
    await db
      .updateTable('manifests')
      .set({ last_pulled_at: pull.at })
      .where('repository_id', '=', pull.repositoryId)
      .where('digest', '=', pull.digest)
      .execute();
  }
}
