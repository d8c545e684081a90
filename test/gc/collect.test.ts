import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collectGarbage, type GcOptions } from '../../src/gc/collect.js';
import type { Digest } from '../../src/registry/digest.js';
import { isRegistryError } from '../../src/registry/errors.js';
import { settleLinkTouches, TOUCH_INTERVAL_MS } from '../../src/registry/link-touches.js';
import { testDialects } from '../helpers/databases.js';
import { sha256 } from '../helpers/oci-client.js';
import { blobFile, gcFixture, HOUR, putBlob, putImage, readBlob, storedDigests, type GcFixture } from './support.js';

describe.each(testDialects())('garbage collection on %s', (dialect) => {
  const open: GcFixture[] = [];
  async function fixture(): Promise<GcFixture> {
    const created = await gcFixture(dialect);
    open.push(created);
    return created;
  }
  afterEach(async () => {
    for (const f of open.splice(0)) await f.close();
  });

  const run = (f: GcFixture, options: Partial<GcOptions> = {}) =>
    collectGarbage(f.registry.context, f.registry.uploads, { gracePeriodMs: HOUR, dryRun: false, ...options });

  const linked = async (f: GcFixture, name: string, digest: string) =>
    f.registry.blobs.stat(name, digest).then(
      () => true,
      (error: unknown) => {
        if (isRegistryError(error, 'BLOB_UNKNOWN')) return false;
        throw error;
      },
    );

  const linkCount = async (f: GcFixture) =>
    Number((await f.database.db.selectFrom('repository_blobs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  /**
   * An image in app (config, two layers); at the start an unreferenced blob in app and the
   * first layer mounted into other, unreferenced there; two hours later a young unreferenced
   * blob in app.
   */
  async function scene(f: GcFixture) {
    await putImage(f.registry, 'app', 'v1', 'config-1', ['layer one', 'layer two']);
    const old = await putBlob(f.registry, 'app', 'old and unreferenced');
    expect(await f.registry.blobs.mount('other', sha256('layer one'), 'app')).toBeDefined();
    f.clock.now += 2 * HOUR;
    const young = await putBlob(f.registry, 'app', 'young and unreferenced');
    return { old, young };
  }

  it('removes unreferenced links older than the grace period, keeps referenced and young ones, and removes blobs left without links', async () => {
    const f = await fixture();
    const { old, young } = await scene(f);
    const summary = await run(f);
    expect(summary).toEqual({
      linksRemoved: 2,
      blobsRemoved: 1,
      bytesFreed: Buffer.byteLength('old and unreferenced'),
      orphanFilesRemoved: 0,
      uploadsRemoved: 0,
      inventoriesRemoved: 0,
      dryRun: false,
    });
    expect(await linked(f, 'app', old)).toBe(false);
    expect(await linked(f, 'other', sha256('layer one'))).toBe(false);
    expect(await linked(f, 'app', sha256('layer one'))).toBe(true);
    expect(await linked(f, 'app', young)).toBe(true);
    const files = await storedDigests(f.files);
    expect(files.has(old)).toBe(false);
    expect([...files].sort()).toEqual([sha256('config-1'), sha256('layer one'), sha256('layer two'), young].sort());
    // The image pulls whole.
    const manifest = await f.registry.manifests.get('app', 'v1', { recordPull: false });
    expect(manifest.digest).toMatch(/^sha256:/);
    expect(await readBlob(f.files, sha256('layer one'))).toEqual(Buffer.from('layer one'));

    // A second run finds nothing more.
    expect(await run(f)).toMatchObject({ linksRemoved: 0, blobsRemoved: 0, bytesFreed: 0 });
  });

  it('a dry run changes nothing and counts what the real run that follows removes', async () => {
    const f = await fixture();
    await scene(f);
    const before = await storedDigests(f.files);
    const progress: string[] = [];
    const dry = await run(f, { dryRun: true, progress: (phase) => progress.push(phase) });
    expect(dry).toMatchObject({ linksRemoved: 2, blobsRemoved: 1, bytesFreed: Buffer.byteLength('old and unreferenced'), dryRun: true });
    expect(new Set(progress)).toEqual(new Set(['links', 'blobs', 'orphans', 'uploads']));
    expect(await storedDigests(f.files)).toEqual(before);
    // Looked at in the database: a HEAD would touch the link, and spare it.
    expect(await linkCount(f)).toBe(6);
    const real = await run(f);
    expect({ ...real, dryRun: true }).toEqual(dry);
  });

  it('frees every blob of deleted images once the grace period has passed: bytesFreed is the sum of their sizes', async () => {
    const f = await fixture();
    const blobs = ['config-a', 'layer a1', 'layer a2 is a little longer'];
    const digest = await putImage(f.registry, 'gone', 'v1', blobs[0]!, blobs.slice(1));
    await putImage(f.registry, 'kept', 'v1', 'config-k', ['layer k']);
    await f.registry.manifests.delete('gone', digest);
    // Within the grace period the unreferenced links stay.
    expect(await run(f)).toMatchObject({ linksRemoved: 0, blobsRemoved: 0 });
    f.clock.now += 2 * HOUR;
    const dry = await run(f, { dryRun: true });
    const summary = await run(f);
    const size = blobs.reduce((sum, blob) => sum + Buffer.byteLength(blob), 0);
    expect(summary).toMatchObject({ linksRemoved: 3, blobsRemoved: 3, bytesFreed: size });
    expect(dry).toMatchObject({ linksRemoved: 3, blobsRemoved: 3, bytesFreed: size });
    expect([...(await storedDigests(f.files))].sort()).toEqual([sha256('config-k'), sha256('layer k')].sort());
  });

  it('a blob shared by two repositories stays while one of them references it', async () => {
    const f = await fixture();
    const gone = await putImage(f.registry, 'one', 'v1', 'config-one', ['shared layer']);
    await putImage(f.registry, 'two', 'v1', 'config-two', ['shared layer']);
    await f.registry.manifests.delete('one', gone);
    f.clock.now += 2 * HOUR;
    expect(await run(f)).toMatchObject({ linksRemoved: 2, blobsRemoved: 1, bytesFreed: Buffer.byteLength('config-one') });
    expect(await readBlob(f.files, sha256('shared layer'))).toEqual(Buffer.from('shared layer'));
    expect(await linked(f, 'two', sha256('shared layer'))).toBe(true);
  });

  it('a link a client was told of (HEAD) is touched, and spared for the grace period from then', async () => {
    const f = await fixture();
    const digest = await putBlob(f.registry, 'app', 'checked before the manifest');
    f.clock.now += 2 * HOUR;
    const touchedAt = async () => Number((await f.database.db.selectFrom('repository_blobs').select('touched_at').executeTakeFirstOrThrow()).touched_at);
    await f.registry.blobs.stat('app', digest);
    await settleLinkTouches(f.database);
    const touched = f.clock.now;
    expect(await touchedAt()).toBe(touched);
    expect(await run(f)).toMatchObject({ linksRemoved: 0, blobsRemoved: 0 });
    // Touched at most once per interval: a second look within it writes nothing.
    f.clock.now += TOUCH_INTERVAL_MS / 2;
    await f.registry.layers.availability('app', [digest]);
    await settleLinkTouches(f.database);
    expect(await touchedAt()).toBe(touched);
    // After the interval a look touches it again.
    f.clock.now += TOUCH_INTERVAL_MS;
    await f.registry.blobs.open('app', digest).then((blob) => blob.content.reader?.close());
    await settleLinkTouches(f.database);
    expect(await touchedAt()).toBe(f.clock.now);
    f.clock.now += 2 * HOUR;
    expect(await run(f)).toMatchObject({ linksRemoved: 1, blobsRemoved: 1 });
  });

  it('a touch that fails does not fail the read', async () => {
    const f = await fixture();
    const digest = await putBlob(f.registry, 'app', 'read while the database refuses writes');
    f.clock.now += 2 * HOUR;
    const transaction = f.database.transaction;
    f.database.transaction = () => Promise.reject(new Error('the disk is full'));
    try {
      expect((await f.registry.blobs.stat('app', digest)).size).toBeGreaterThan(0);
      await settleLinkTouches(f.database);
    } finally {
      f.database.transaction = transaction;
    }
  });

  it('ECR layer availability touches the links it reports', async () => {
    const f = await fixture();
    const digest = await putBlob(f.registry, 'app', 'an ECR layer');
    f.clock.now += 2 * HOUR;
    const { layers } = await f.registry.layers.availability('app', [digest]);
    expect(layers.map((layer) => layer.digest)).toEqual([digest]);
    await settleLinkTouches(f.database);
    expect(await run(f)).toMatchObject({ linksRemoved: 0 });
  });

  it('removes orphan files older than the grace period and keeps young ones', async () => {
    const f = await fixture();
    const root = path.join(f.dir, 'data');
    // Files committed without metadata, as a crash between the two leaves them.
    const commitFile = async (data: string) => {
      const digest = sha256(data) as Digest;
      await f.files.createUpload(`orphan-${data.length}`, (await import('node:stream')).Readable.from([Buffer.from(data)]));
      await f.files.commitUpload(`orphan-${data.length}`, digest);
      return digest;
    };
    const old = await commitFile('an old orphan');
    const young = await commitFile('a young orphan file');
    const past = new Date(Date.now() - 2 * HOUR);
    fs.utimesSync(blobFile(root, old), past, past);
    const kept = await putBlob(f.registry, 'app', 'a blob with metadata');
    fs.utimesSync(blobFile(root, kept), past, past);

    const dry = await run(f, { dryRun: true });
    expect(dry).toMatchObject({ orphanFilesRemoved: 1, bytesFreed: Buffer.byteLength('an old orphan') });
    expect(await run(f)).toMatchObject({ orphanFilesRemoved: 1, bytesFreed: Buffer.byteLength('an old orphan') });
    const files = await storedDigests(f.files);
    expect(files.has(old)).toBe(false);
    expect(files.has(young)).toBe(true);
    expect(files.has(kept)).toBe(true);
  });

  it('recovers what a collection that stopped midway left in the trash', async () => {
    const f = await fixture();
    const wanted = await putBlob(f.registry, 'app', 'quarantined, its row is there');
    const unwanted = (await putBlob(f.registry, 'app', 'quarantined, its row is gone')) as Digest;
    await f.registry.blobs.delete('app', unwanted);
    await f.database.db.deleteFrom('blobs').where('digest', '=', unwanted).execute();
    // The stopped collection had quarantined both files.
    expect(await f.files.quarantine(wanted)).toBeDefined();
    expect(await f.files.quarantine(unwanted)).toBeDefined();

    await run(f);
    expect(await readBlob(f.files, wanted)).toEqual(Buffer.from('quarantined, its row is there'));
    expect(await readBlob(f.files, unwanted)).toBeUndefined();
    const trash = [];
    for await (const entry of f.files.listQuarantined()) trash.push(entry);
    expect(trash).toEqual([]);
  });

  it('expires abandoned upload sessions', async () => {
    const f = await fixture();
    const session = await f.registry.uploads.start('app');
    await f.registry.uploads.append('app', session.id, (await import('node:stream')).Readable.from([Buffer.from('some bytes')]));
    f.clock.now += 2 * HOUR;
    expect(await run(f, { dryRun: true })).toMatchObject({ uploadsRemoved: 0 });
    expect(await run(f)).toMatchObject({ uploadsRemoved: 1 });
  });

  it('works through more candidates than one batch', async () => {
    const f = await fixture();
    const count = 1100;
    for (let i = 0; i < count; i++) await putBlob(f.registry, `many/${i % 3}`, `blob number ${i}`);
    f.clock.now += 2 * HOUR;
    const phases = new Map<string, [number, number]>();
    const summary = await run(f, { progress: (phase, done, total) => phases.set(phase, [done, total]) });
    expect(summary).toMatchObject({ linksRemoved: count, blobsRemoved: count });
    expect(phases.get('links')).toEqual([count, count]);
    expect(phases.get('blobs')).toEqual([count, count]);
    expect((await storedDigests(f.files)).size).toBe(0);
  }, 120_000);
});
