import { afterEach, describe, expect, it } from 'vitest';
import { collectGarbage } from '../../src/gc/collect.js';
import type { Digest } from '../../src/registry/digest.js';
import { isRegistryError } from '../../src/registry/errors.js';
import type { BlobStore } from '../../src/storage/blobs/blob-store.js';
import { findLinkedBlobs } from '../../src/storage/meta/blobs.js';
import { deleteUnreferencedLinks } from '../../src/storage/meta/gc.js';
import { insertManifest } from '../../src/storage/meta/manifests.js';
import { testDialects } from '../helpers/databases.js';
import { sha256 } from '../helpers/oci-client.js';
import { gate, gcFixture, HOUR, IMAGE_MANIFEST, imageManifest, putBlob, readBlob, type GcFixture } from './support.js';

/** Hooks the race tests pause at; each runs once, then disarms. */
interface Hooks {
  /** After an upload's first commitUpload (keepUpload): the upload has seen the blob present or committed it. */
  afterKeepCommit?: () => Promise<void>;
  /** After the collection has quarantined a file, before its re-check. */
  afterQuarantine?: () => Promise<void>;
}

/** The store with pause points, and a log of how uploads committed. */
function hookedStore(inner: BlobStore, hooks: Hooks, log: string[]): BlobStore {
  return new Proxy(inner, {
    get(target, property) {
      if (property === 'commitUpload') {
        return async (id: string, digest: Digest, options?: { keepUpload?: boolean }) => {
          const present = (await target.stat(digest)) !== undefined;
          await target.commitUpload(id, digest, options);
          log.push(`${options?.keepUpload ? 'keep' : 'commit'}:${present ? 'present' : 'absent'}`);
          if (options?.keepUpload && hooks.afterKeepCommit) {
            const hook = hooks.afterKeepCommit;
            hooks.afterKeepCommit = undefined;
            await hook();
          }
        };
      }
      if (property === 'quarantine') {
        return async (digest: Digest) => {
          const token = await target.quarantine(digest);
          if (token && hooks.afterQuarantine) {
            const hook = hooks.afterQuarantine;
            hooks.afterQuarantine = undefined;
            await hook();
          }
          return token;
        };
      }
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** A blob's bytes as the registry serves them. */
async function readThroughRegistry(f: GcFixture, name: string, digest: Digest): Promise<string> {
  const opened = await f.registry.blobs.open(name, digest);
  const buffer = Buffer.alloc(opened.size);
  const read = await opened.content.reader!.read(buffer, 0);
  await opened.content.reader!.close();
  return buffer.subarray(0, read).toString();
}

/** A pause point: `reached` resolves when the step gets there, `release` lets it go on. */
function pausePoint() {
  const reached = gate();
  const release = gate();
  return {
    reached: reached.promise,
    release: release.open,
    hook: async () => {
      reached.open();
      await release.promise;
    },
  };
}

describe.each(testDialects())('garbage collection racing pushes on %s', (dialect) => {
  const open: GcFixture[] = [];
  let hooks: Hooks;
  let log: string[];
  async function fixture(): Promise<GcFixture> {
    hooks = {};
    log = [];
    const created = await gcFixture(dialect, (store) => hookedStore(store, hooks, log));
    open.push(created);
    return created;
  }
  afterEach(async () => {
    for (const f of open.splice(0)) await f.close();
  });

  const gc = (f: GcFixture) => collectGarbage(f.registry.context, f.registry.uploads, { gracePeriodMs: 0, dryRun: false });

  /** A blob whose row and file exist but that no repository links any longer: garbage. */
  async function garbageBlob(f: GcFixture, data: string): Promise<Digest> {
    const digest = await putBlob(f.registry, 'elsewhere', data);
    await f.registry.blobs.delete('elsewhere', digest);
    log.length = 0;
    return digest;
  }

  it('an upload that found the blob present re-commits its bytes when a collection purged it before the link was committed', async () => {
    const f = await fixture();
    const data = 'uploaded while the collection runs';
    const digest = await garbageBlob(f, data);

    // The upload finds the blob present, keeps its bytes and pauses before its transaction.
    const pause = pausePoint();
    hooks.afterKeepCommit = pause.hook;
    const upload = putBlob(f.registry, 'app', data);
    await pause.reached;

    // Meanwhile a whole collection: row deleted (no link yet), file quarantined, re-checked (no row), purged.
    const summary = await gc(f);
    expect(summary).toMatchObject({ blobsRemoved: 1, bytesFreed: Buffer.byteLength(data) });
    expect(await f.files.stat(digest)).toBeUndefined();

    // The upload commits its row and link, finds the file gone, and commits its kept bytes.
    pause.release();
    expect(await upload).toBe(digest);
    expect(log).toEqual(['keep:present', 'commit:absent']);
    expect(await readBlob(f.files, digest)).toEqual(Buffer.from(data));
    expect((await f.registry.blobs.stat('app', digest)).size).toBe(Buffer.byteLength(data));

    // An image over it is accepted and pulls whole.
    await putBlob(f.registry, 'app', 'config');
    const manifest = imageManifest('config', [data]);
    await f.registry.manifests.put('app', 'v1', Buffer.from(manifest), IMAGE_MANIFEST);
    const opened = await f.registry.blobs.open('app', digest);
    const buffer = Buffer.alloc(opened.size);
    await opened.content.reader!.read(buffer, 0);
    await opened.content.reader!.close();
    expect(buffer.toString()).toBe(data);
  });

  it('a collection that quarantined a blob restores it when an upload committed the row meanwhile', async () => {
    const f = await fixture();
    const data = 'quarantined while uploaded';
    const digest = await garbageBlob(f, data);

    // The collection deletes the row and quarantines the file, then pauses before its re-check.
    const pause = pausePoint();
    hooks.afterQuarantine = pause.hook;
    const collection = gc(f);
    await pause.reached;
    expect(await f.files.stat(digest)).toBeUndefined();

    // A whole upload meanwhile: it commits the file again, then its row and link.
    expect(await putBlob(f.registry, 'app', data)).toBe(digest);

    pause.release();
    expect(await collection).toMatchObject({ blobsRemoved: 0, bytesFreed: 0 });
    expect(await readBlob(f.files, digest)).toEqual(Buffer.from(data));
    const trash = [];
    for await (const entry of f.files.listQuarantined()) trash.push(entry);
    expect(trash).toEqual([]);
  });

  it('a blob kept as a file and collected while an upload keeps the same bytes inline stays readable', async () => {
    const f = await fixture();
    const data = 'a file blob uploaded again, small';
    const digest = await garbageBlob(f, data);

    // The collection deletes the row and quarantines the file, then pauses before its re-check.
    const pause = pausePoint();
    hooks.afterQuarantine = pause.hook;
    const collection = gc(f);
    await pause.reached;

    // An upload with its length declared: row, link and bytes in one transaction, no file.
    expect(await putBlob(f.registry, 'app', data, { declareLength: true })).toBe(digest);
    expect(log).toEqual([]);

    // The collection finds the row again and restores the file.
    pause.release();
    expect(await collection).toMatchObject({ blobsRemoved: 0, bytesFreed: 0 });
    expect(await readBlob(f.files, digest)).toEqual(Buffer.from(data));
    expect(await readThroughRegistry(f, 'app', digest)).toBe(data);
  });

  it('bytes kept inline go with their row, and an upload after the collection stores them anew', async () => {
    const f = await fixture();
    const data = 'small blob, kept inline';
    const digest = await putBlob(f.registry, 'elsewhere', data, { declareLength: true });
    expect(await f.files.stat(digest)).toBeUndefined();
    await f.registry.blobs.delete('elsewhere', digest);

    expect(await gc(f)).toMatchObject({ blobsRemoved: 1, bytesFreed: Buffer.byteLength(data) });
    expect(await f.database.db.selectFrom('blob_contents').selectAll().execute()).toEqual([]);

    expect(await putBlob(f.registry, 'app', data, { declareLength: true })).toBe(digest);
    expect(await readThroughRegistry(f, 'app', digest)).toBe(data);
    expect(await gc(f)).toMatchObject({ blobsRemoved: 0 });
    expect(await readThroughRegistry(f, 'app', digest)).toBe(data);
  });

  it('both re-checks at once: the upload found the blob present, the collection quarantined it, then the upload committed', async () => {
    const f = await fixture();
    const data = 'both sides re-check';
    const digest = await garbageBlob(f, data);

    const uploadPause = pausePoint();
    hooks.afterKeepCommit = uploadPause.hook;
    const upload = putBlob(f.registry, 'app', data);
    await uploadPause.reached;

    const gcPause = pausePoint();
    hooks.afterQuarantine = gcPause.hook;
    const collection = gc(f);
    await gcPause.reached;

    // The upload commits its row and link, finds no file (quarantined) and commits its bytes.
    uploadPause.release();
    await upload;
    // The collection finds the row and restores: the blob exists already, its copy is dropped.
    gcPause.release();
    expect(await collection).toMatchObject({ blobsRemoved: 0 });
    expect(log).toEqual(['keep:present', 'commit:absent']);
    expect(await readBlob(f.files, digest)).toEqual(Buffer.from(data));
  });

  describe('a manifest push and the deletion of a link it needs', () => {
    const layer = 'the only layer';
    const config = 'config of the race';
    const body = Buffer.from(imageManifest(config, [layer]));

    /** Links of the image's blobs in app, untouched for two hours: the collection may take them. */
    async function staleLinks(f: GcFixture) {
      await putBlob(f.registry, 'app', layer);
      await putBlob(f.registry, 'app', config);
      f.clock.now += 2 * HOUR;
    }
    const deleteLinks = (f: GcFixture, hooks?: { afterLock?: () => Promise<void> }) =>
      f.database.transaction((trx) =>
        deleteUnreferencedLinks(
          trx,
          [sha256(layer), sha256(config)].map((digest) => ({ repositoryId: 1, digest })),
          f.clock.now,
          f.database.dialect === 'postgres',
          hooks,
        ),
      );
    const manifestRows = async (f: GcFixture) => (await f.database.db.selectFrom('manifests').select('digest').execute()).length;
    const linkRows = async (f: GcFixture) => (await f.database.db.selectFrom('repository_blobs').select('digest').execute()).length;

    it('the deletion committed first: the push is refused with MANIFEST_BLOB_UNKNOWN and stores nothing', async () => {
      const f = await fixture();
      await staleLinks(f);
      expect(await deleteLinks(f)).toBe(2);
      await expect(f.registry.manifests.put('app', 'v1', body, IMAGE_MANIFEST)).rejects.toSatisfy((error) => isRegistryError(error, 'MANIFEST_BLOB_UNKNOWN'));
      expect(await manifestRows(f)).toBe(0);
    });

    it('the push committed first: the deletion finds the references and keeps the links', async () => {
      const f = await fixture();
      await staleLinks(f);
      await f.registry.manifests.put('app', 'v1', body, IMAGE_MANIFEST);
      expect(await deleteLinks(f)).toBe(0);
      expect(await linkRows(f)).toBe(2);
    });

    it.runIf(dialect === 'postgres')('the push holds its links (for share) when the collection comes: the links are skipped and the push commits', async () => {
      const f = await fixture();
      await staleLinks(f);
      const locked = gate();
      const proceed = gate();
      // The push's transaction, paused between its check (the links locked) and its insert.
      const push = f.database.transaction(async (trx) => {
        const found = await findLinkedBlobs(trx, 1, [sha256(layer), sha256(config)], { lock: true });
        expect(found.size).toBe(2);
        locked.open();
        await proceed.promise;
        await insertManifest(
          trx,
          {
            repositoryId: 1,
            digest: sha256(body),
            mediaType: IMAGE_MANIFEST,
            artifactType: null,
            configMediaType: null,
            subjectDigest: null,
            size: body.length,
            imageSize: 0,
            content: body,
            pushedAt: f.clock.now,
            lastPulledAt: null,
          },
          [sha256(layer), sha256(config)].map((digest) => ({ digest, kind: 'blob' as const })),
        );
      });
      await locked.promise;
      // The collection does not wait for the push: it skips the locked links.
      expect(await deleteLinks(f)).toBe(0);
      proceed.open();
      await push;
      expect(await linkRows(f)).toBe(2);
      expect(await deleteLinks(f)).toBe(0);
    });

    it.runIf(dialect === 'postgres')('the collection holds the links (for update) when the push comes: the push waits, then is refused and stores nothing', async () => {
      const f = await fixture();
      await staleLinks(f);
      const locked = gate();
      const proceed = gate();
      const deletion = deleteLinks(f, {
        afterLock: async () => {
          locked.open();
          await proceed.promise;
        },
      });
      await locked.promise;
      let settled = false;
      const push = f.registry.manifests.put('app', 'v1', body, IMAGE_MANIFEST).finally(() => (settled = true));
      push.catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false); // waiting for the link locks
      proceed.open();
      expect(await deletion).toBe(2);
      await expect(push).rejects.toSatisfy((error) => isRegistryError(error, 'MANIFEST_BLOB_UNKNOWN'));
      expect(await manifestRows(f)).toBe(0);
    });

    it('raced many times: either the manifest and its links are committed, or the push is refused and nothing is', async () => {
      const f = await fixture();
      let accepted = 0;
      let refused = 0;
      for (let round = 0; round < 40; round++) {
        await f.database.db.deleteFrom('manifests').execute();
        await staleLinks(f);
        const pause = () => new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 3)));
        const [push, deletion] = await Promise.allSettled([
          pause().then(() => f.registry.manifests.put('app', `round-${round}`, body, IMAGE_MANIFEST)),
          pause().then(() => deleteLinks(f)),
        ]);
        expect(deletion.status).toBe('fulfilled');
        if (push.status === 'fulfilled') {
          accepted++;
          expect(await linkRows(f)).toBe(2);
          expect(await manifestRows(f)).toBe(1);
        } else {
          refused++;
          expect(isRegistryError(push.reason, 'MANIFEST_BLOB_UNKNOWN')).toBe(true);
          expect(await manifestRows(f)).toBe(0);
        }
      }
      expect(accepted + refused).toBe(40);
    });
  });
});
