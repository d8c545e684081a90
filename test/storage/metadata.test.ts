import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLinkedBlob, findLinkedBlobs, linkBlob, storeBlobContent, unlinkBlob } from '../../src/storage/meta/blobs.js';
import { openDatabase, type Database } from '../../src/storage/meta/database.js';
import * as manifests from '../../src/storage/meta/manifests.js';
import { ensureRepository, findRepository, listRepositoryNames } from '../../src/storage/meta/repositories.js';
import { deleteTag, listTagNames, putTag, tagsOfManifest } from '../../src/storage/meta/tags.js';
import * as uploads from '../../src/storage/meta/uploads.js';
import { freshDatabaseUrl, testDialects } from '../helpers/databases.js';

const REGISTRY = '000000000000';

function manifestRecord(repositoryId: number, digest: string, overrides: Partial<manifests.ManifestRecord> = {}): manifests.ManifestRecord {
  return {
    repositoryId,
    digest,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: null,
    configMediaType: 'application/vnd.oci.image.config.v1+json',
    subjectDigest: null,
    size: 3,
    imageSize: 10,
    content: Buffer.from('{ }'),
    pushedAt: 1000,
    lastPulledAt: null,
    ...overrides,
  };
}

describe.each(testDialects())('metadata queries on %s', (dialect) => {
  let dir: string;
  let database: Database;
  let url: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-meta-'));
    url = await freshDatabaseUrl(dialect, dir);
    database = await openDatabase({ url });
  });
  afterAll(async () => {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('migrates an existing database again without change', async () => {
    const again = await openDatabase({ url });
    await again.close();
    expect(await findRepository(database.db, REGISTRY, 'absent')).toBeUndefined();
  });

  it('creates a repository once under concurrent callers and lists names in byte order', async () => {
    const created = await Promise.all([1, 2, 3].map(() => ensureRepository(database.db, REGISTRY, 'team/zeta', 1)));
    expect(new Set(created.map((row) => row.id)).size).toBe(1);
    for (const name of ['team/alpha', 'team/Beta-not-valid-but-ordered', 'team/alpha-2', 'other']) {
      await ensureRepository(database.db, REGISTRY, name, 1);
    }
    await ensureRepository(database.db, '111111111111', 'team/alpha', 1);
    const names = await listRepositoryNames(database.db, REGISTRY, { limit: 100 });
    expect(names).toEqual(['other', 'team/Beta-not-valid-but-ordered', 'team/alpha', 'team/alpha-2', 'team/zeta']);
    expect(await listRepositoryNames(database.db, REGISTRY, { last: 'team/alpha', limit: 2 })).toEqual(['team/alpha-2', 'team/zeta']);
  });

  it('links blobs per repository and unlinks them without touching other repositories', async () => {
    const one = await ensureRepository(database.db, REGISTRY, 'blobs/one', 1);
    const two = await ensureRepository(database.db, REGISTRY, 'blobs/two', 1);
    await linkBlob(database.db, one.id, 'sha256:aa', 5, 1);
    await linkBlob(database.db, one.id, 'sha256:aa', 5, 2);
    await linkBlob(database.db, two.id, 'sha256:aa', 5, 3);
    // Linked again at 2: the link's touch time follows (see gc/collect.ts).
    expect(await findLinkedBlob(database.db, one.id, 'sha256:aa')).toEqual({ digest: 'sha256:aa', size: 5, touched_at: 2, inline: false });
    // Bytes kept with the row show as inline.
    await storeBlobContent(database.db, 'sha256:aa', Buffer.from('bytes'));
    expect(await findLinkedBlob(database.db, two.id, 'sha256:aa')).toMatchObject({ inline: true });
    expect(await unlinkBlob(database.db, one.id, 'sha256:aa')).toBe(true);
    expect(await unlinkBlob(database.db, one.id, 'sha256:aa')).toBe(false);
    expect(await findLinkedBlob(database.db, one.id, 'sha256:aa')).toBeUndefined();
    expect([...(await findLinkedBlobs(database.db, two.id, ['sha256:aa', 'sha256:bb'])).keys()]).toEqual(['sha256:aa']);
  });

  it('stores manifests with references and tags; deleting a manifest removes its tags', async () => {
    const repository = await ensureRepository(database.db, REGISTRY, 'manifests/app', 1);
    const content = Buffer.from(JSON.stringify({ schemaVersion: 2, annotations: { a: 'b' } }));
    const inserted = await manifests.insertManifest(database.db, manifestRecord(repository.id, 'sha256:m1', { content }), [
      { digest: 'sha256:c1', kind: 'blob' },
      { digest: 'sha256:c1', kind: 'blob' },
      { digest: 'sha256:l1', kind: 'blob' },
    ]);
    expect(inserted).toBe(true);
    const again = await manifests.insertManifest(database.db, manifestRecord(repository.id, 'sha256:m1', { pushedAt: 5000 }), []);
    expect(again).toBe(false);
    expect((await manifests.findManifestSummary(database.db, repository.id, 'sha256:m1'))?.pushedAt).toBe(1000);

    await putTag(database.db, repository.id, 'v1', 'sha256:m1', 10);
    await putTag(database.db, repository.id, 'latest', 'sha256:m1', 10);
    const byTag = await manifests.findManifestByName(database.db, REGISTRY, 'manifests/app', { tag: 'v1' });
    expect(byTag?.digest).toBe('sha256:m1');
    expect(byTag?.repositoryId).toBe(repository.id);
    expect((await manifests.findManifestByName(database.db, REGISTRY, 'manifests/app', { digest: 'sha256:m1' }))?.digest).toBe('sha256:m1');
    expect(await manifests.findManifestByName(database.db, '111111111111', 'manifests/app', { tag: 'v1' })).toBeUndefined();
    expect(Buffer.from(byTag!.content)).toEqual(content);
    expect(await tagsOfManifest(database.db, repository.id, 'sha256:m1')).toEqual(['latest', 'v1']);

    expect(await manifests.deleteManifest(database.db, repository.id, 'sha256:m1')).toBe(true);
    expect(await manifests.findManifestByName(database.db, REGISTRY, 'manifests/app', { tag: 'v1' })).toBeUndefined();
    expect(await listTagNames(database.db, repository.id, { limit: 10 })).toEqual([]);
    const references = await database.db.selectFrom('manifest_references').selectAll().where('repository_id', '=', repository.id).execute();
    expect(references).toEqual([]);
  });

  it('moves tags, pages through them in byte order and deletes them', async () => {
    const repository = await ensureRepository(database.db, REGISTRY, 'tags/app', 1);
    await manifests.insertManifest(database.db, manifestRecord(repository.id, 'sha256:t1'), []);
    await manifests.insertManifest(database.db, manifestRecord(repository.id, 'sha256:t2'), []);
    for (const tag of ['b', 'A', 'a', '_z', '1']) await putTag(database.db, repository.id, tag, 'sha256:t1', 1);
    await putTag(database.db, repository.id, 'a', 'sha256:t2', 2);
    expect((await manifests.findManifestByName(database.db, REGISTRY, 'tags/app', { tag: 'a' }))?.digest).toBe('sha256:t2');
    expect(await listTagNames(database.db, repository.id, { limit: 10 })).toEqual(['1', 'A', '_z', 'a', 'b']);
    expect(await listTagNames(database.db, repository.id, { last: 'A', limit: 2 })).toEqual(['_z', 'a']);
    expect(await deleteTag(database.db, repository.id, 'b')).toBe(true);
    expect(await deleteTag(database.db, repository.id, 'b')).toBe(false);
  });

  it('finds referrers by subject and records pull times', async () => {
    const repository = await ensureRepository(database.db, REGISTRY, 'referrers/app', 1);
    await manifests.insertManifest(database.db, manifestRecord(repository.id, 'sha256:subject'), []);
    await manifests.insertManifest(
      database.db,
      manifestRecord(repository.id, 'sha256:sig', { subjectDigest: 'sha256:subject', artifactType: 'application/example' }),
      [],
    );
    const referrers = await manifests.listReferrers(database.db, repository.id, 'sha256:subject');
    expect(referrers.map((row) => [row.digest, row.artifactType])).toEqual([['sha256:sig', 'application/example']]);
    await manifests.recordPulls(database.db, [{ repositoryId: repository.id, digest: 'sha256:subject', at: 4242 }]);
    expect((await manifests.findManifestSummary(database.db, repository.id, 'sha256:subject'))?.lastPulledAt).toBe(4242);
  });

  it('tracks upload sessions and finds the idle ones', async () => {
    const repository = await ensureRepository(database.db, REGISTRY, 'uploads/app', 1);
    await uploads.insertUpload(database.db, 'old', repository.id, 100);
    await uploads.insertUpload(database.db, 'fresh', repository.id, 100);
    await uploads.touchUpload(database.db, 'fresh', 900);
    expect(await uploads.listIdleUploads(database.db, 500, 10)).toEqual(['old']);
    expect(await uploads.uploadExists(database.db, 'fresh')).toBe(true);
    expect(await uploads.deleteUpload(database.db, 'old')).toBe(true);
    expect(await uploads.findUpload(database.db, 'old')).toBeUndefined();
  });
});
