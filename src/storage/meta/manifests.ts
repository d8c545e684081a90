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

/**
 * Stores a manifest and what it references. A manifest already present keeps its first
 * push time: the same bytes pushed again are the same image.
 */
export async function insertManifest(db: Queryable, manifest: ManifestRecord, references: ManifestReference[]): Promise<boolean> {
  const result = await db
    .insertInto('manifests')
    .values({
      repository_id: manifest.repositoryId,
      digest: manifest.digest,
      media_type: manifest.mediaType,
      artifact_type: manifest.artifactType,
      config_media_type: manifest.configMediaType,
      subject_digest: manifest.subjectDigest,
      size: manifest.size,
      image_size: manifest.imageSize,
      content: manifest.content,
      pushed_at: manifest.pushedAt,
      last_pulled_at: manifest.lastPulledAt,
    })
    .onConflict((oc) => oc.columns(['repository_id', 'digest']).doNothing())
    .executeTakeFirst();
  const inserted = Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  if (inserted && references.length > 0) {
    await db
      .insertInto('manifest_references')
      .values(
        dedupeReferences(references).map((reference) => ({
          repository_id: manifest.repositoryId,
          manifest_digest: manifest.digest,
          referenced_digest: reference.digest,
          kind: reference.kind,
        })),
      )
      .execute();
  }
  return inserted;
}

function dedupeReferences(references: ManifestReference[]): ManifestReference[] {
  const seen = new Map<string, ManifestReference>();
  for (const reference of references) if (!seen.has(reference.digest)) seen.set(reference.digest, reference);
  return [...seen.values()];
}

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
  const repository = db
    .selectFrom('repositories')
    .where('repositories.registry_id', '=', registryId)
    .where('repositories.name', '=', repositoryName);
  const columns = ['repositories.id', 'manifests.digest', 'manifests.media_type', 'manifests.content', 'manifests.subject_digest'] as const;
  const row =
    'tag' in reference
      ? await repository
          .innerJoin('tags', 'tags.repository_id', 'repositories.id')
          .innerJoin('manifests', (join) =>
            join.onRef('manifests.repository_id', '=', 'tags.repository_id').onRef('manifests.digest', '=', 'tags.manifest_digest'),
          )
          .where('tags.name', '=', reference.tag)
          .select(columns)
          .executeTakeFirst()
      : await repository
          .innerJoin('manifests', 'manifests.repository_id', 'repositories.id')
          .where('manifests.digest', '=', reference.digest)
          .select(columns)
          .executeTakeFirst();
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
