import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { INLINE_BLOB_MAX_BYTES } from '../../src/registry/blob-content.js';
import type { Digest } from '../../src/registry/digest.js';
import { isRegistryError } from '../../src/registry/errors.js';
import { Registry } from '../../src/registry/registry.js';
import { FsBlobStore } from '../../src/storage/blobs/fs-blob-store.js';
import { openDatabase, type Database } from '../../src/storage/meta/database.js';
import { freshDatabaseUrl, testDialects } from '../helpers/databases.js';
import { sha256 } from '../helpers/oci-client.js';

interface Fixture {
  dir: string;
  url: string;
  database: Database;
  clock: { now: number };
  registry: Registry;
}

async function openRegistry(dir: string, url: string, clock: { now: number }, uploadIdKey?: Uint8Array) {
  const database = await openDatabase({ url });
  const blobs = new FsBlobStore(dir);
  await blobs.init();
  const registry = new Registry({
    database,
    blobs,
    registryId: '000000000000',
    now: () => clock.now,
    limits: { maxManifestBytes: 4 << 20, uploadTimeoutMs: 60_000, createOnPush: true },
    uploadIdKey,
  });
  return { database, registry };
}

describe.each(testDialects())('upload sessions on %s', (dialect) => {
  const open: Fixture[] = [];
  async function fixture(): Promise<Fixture> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-uploads-'));
    const url = await freshDatabaseUrl(dialect, dir);
    const clock = { now: 1_000_000 };
    const { database, registry } = await openRegistry(dir, url, clock);
    const created = { dir, url, database, clock, registry };
    open.push(created);
    return created;
  }
  afterEach(async () => {
    for (const { database, dir } of open.splice(0)) {
      await database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('completes an upload begun by a previous process, recomputing the digest from stored bytes', async () => {
    const first = await fixture();
    const session = await first.registry.uploads.start('team/app');
    await first.registry.uploads.append('team/app', session.id, Readable.from([Buffer.from('part one, ')]), { start: 0, end: 9 });
    await first.database.close();

    // A new process: no running hash in memory.
    const { database, registry } = await openRegistry(first.dir, first.url, first.clock);
    first.database = database;
    const digest = sha256('part one, part two');
    await registry.uploads.complete('team/app', session.id, digest, Readable.from([Buffer.from('part two')]));
    const blob = await registry.blobs.stat('team/app', digest);
    expect(blob.size).toBe(18);
  });

  it('verifies sha512 digests too', async () => {
    const { registry } = await fixture();
    const { createHash } = await import('node:crypto');
    const data = Buffer.from('sha512 content');
    const digest = `sha512:${createHash('sha512').update(data).digest('hex')}`;
    const session = await registry.uploads.start('team/app');
    await registry.uploads.append('team/app', session.id, Readable.from([data]));
    await registry.uploads.complete('team/app', session.id, digest);
    expect((await registry.blobs.stat('team/app', digest)).size).toBe(data.length);
  });

  it('expires sessions idle past the timeout, removing their bytes, and keeps active ones', async () => {
    const { registry, clock, dir } = await fixture();
    const idle = await registry.uploads.start('team/app');
    await registry.uploads.append('team/app', idle.id, Readable.from([Buffer.from('abandoned')]));
    const empty = await registry.uploads.start('team/app');
    clock.now += 30_000;
    const active = await registry.uploads.start('team/app');
    await registry.uploads.append('team/app', active.id, Readable.from([Buffer.from('in progress')]));
    const fresh = await registry.uploads.start('team/app');
    clock.now += 40_000;
    expect(await registry.uploads.expireAbandoned()).toBe(1);
    for (const expired of [idle, empty]) {
      await expect(registry.uploads.status('team/app', expired.id)).rejects.toSatisfy((error) => isRegistryError(error, 'BLOB_UPLOAD_UNKNOWN'));
    }
    expect((await registry.uploads.status('team/app', active.id)).size).toBe(11);
    expect((await registry.uploads.status('team/app', fresh.id)).size).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'uploads'))).toEqual([active.id]);
  });

  it('stores nothing for a session until its first bytes, and recognizes it after a restart with the same key', async () => {
    const opened = await fixture();
    const { dir, url, clock } = opened;
    await opened.database.close();
    const key = Buffer.alloc(32, 7);
    const first = await openRegistry(dir, url, clock, key);
    const session = await first.registry.uploads.start('team/app');
    expect(fs.readdirSync(path.join(dir, 'uploads'))).toEqual([]);
    await first.database.close();

    const second = await openRegistry(dir, url, clock, key);
    opened.database = second.database;
    const other = await openRegistry(dir, url, clock);
    try {
      // A process with another key does not know the session.
      await expect(other.registry.uploads.status('team/app', session.id)).rejects.toSatisfy((error) => isRegistryError(error, 'BLOB_UPLOAD_UNKNOWN'));
      expect((await second.registry.uploads.status('team/app', session.id)).size).toBe(0);
      const digest = sha256('whole');
      await second.registry.uploads.complete('team/app', session.id, digest, Readable.from([Buffer.from('whole')]));
      expect((await second.registry.blobs.stat('team/app', digest)).size).toBe(5);
      // Finished: the id is unknown from now on.
      await expect(second.registry.uploads.status('team/app', session.id)).rejects.toSatisfy((error) => isRegistryError(error, 'BLOB_UPLOAD_UNKNOWN'));
      await expect(second.registry.uploads.complete('team/app', session.id, digest)).rejects.toSatisfy((error) =>
        isRegistryError(error, 'BLOB_UPLOAD_UNKNOWN'),
      );
    } finally {
      await other.database.close();
    }
  });

  it('removes store uploads that no session owns once they are old', async () => {
    const { dir, url } = await fixture();
    const orphan = path.join(dir, 'uploads', 'direct-orphan');
    fs.writeFileSync(orphan, 'left by a crash');
    const old = new Date(Date.now() - 3_600_000);
    fs.utimesSync(orphan, old, old);
    // The registry clock is far in the past, so compare against a real-time registry.
    const { database, registry: realTime } = await openRegistry(dir, url, { now: Date.now() });
    try {
      expect(await realTime.uploads.expireAbandoned()).toBe(1);
      expect(fs.existsSync(orphan)).toBe(false);
    } finally {
      await database.close();
    }
  });

  it('records pull times in batches, only for GET', async () => {
    const { registry, clock } = await fixture();
    const config = Buffer.from('{}');
    const configDigest = sha256(config);
    const session = await registry.uploads.start('team/app');
    await registry.uploads.complete('team/app', session.id, configDigest, Readable.from([config]));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: 2 },
        layers: [],
      }),
    );
    const pushed = await registry.manifests.put('team/app', 'v1', manifest, 'application/vnd.oci.image.manifest.v1+json');
    await registry.manifests.get('team/app', 'v1', { recordPull: false });
    await registry.pulls.flush();
    const summary = async () =>
      (await import('../../src/storage/meta/manifests.js')).findManifestSummary(
        registry.context.database.db,
        (await registry.repositories.get('team/app')).id,
        pushed.digest,
      );
    expect((await summary())?.lastPulledAt).toBeNull();
    clock.now += 5;
    await registry.manifests.get('team/app', 'v1', { recordPull: true });
    await registry.pulls.flush();
    expect((await summary())?.lastPulledAt).toBe(clock.now);
  });
  describe('small blobs sent whole are kept inline with their row', () => {
    const inlineRows = async (f: Fixture) => (await f.database.db.selectFrom('blob_contents').select('digest').orderBy('digest').execute()).map((row) => row.digest);
    const read = async (f: Fixture, name: string, digest: string, range?: { start: number; end: number }) => {
      const opened = await f.registry.blobs.open(name, digest, () => range);
      const buffer = Buffer.alloc(opened.size);
      const start = range?.start ?? 0;
      const length = (range ? range.end + 1 : opened.size) - start;
      const got = await opened.content.reader!.read(buffer, start, length);
      await opened.content.reader!.close();
      return buffer.subarray(0, got).toString();
    };

    it('up to INLINE_BLOB_MAX_BYTES with the length declared; bigger ones, and undeclared lengths, are files', async () => {
      const f = await fixture();
      const { registry } = f;
      const largest = Buffer.alloc(INLINE_BLOB_MAX_BYTES, 'inline ');
      const session = await registry.uploads.start('team/app');
      expect(await registry.uploads.complete('team/app', session.id, sha256(largest), Readable.from([largest]), undefined, largest.length)).toBe(sha256(largest));
      const single = Buffer.from('single request, inline');
      await registry.uploads.uploadWhole('team/app', sha256(single), Readable.from([single]), single.length);
      const tooLarge = Buffer.alloc(INLINE_BLOB_MAX_BYTES + 1, 'file ');
      await registry.uploads.uploadWhole('team/app', sha256(tooLarge), Readable.from([tooLarge]), tooLarge.length);
      const undeclared = Buffer.from('length not declared');
      await registry.uploads.uploadWhole('team/app', sha256(undeclared), Readable.from([undeclared]));

      expect(await inlineRows(f)).toEqual([sha256(largest), sha256(single)].sort());
      expect(await registry.context.blobs.stat(sha256(largest) as Digest)).toBeUndefined();
      expect(await registry.context.blobs.stat(sha256(single) as Digest)).toBeUndefined();
      expect((await registry.context.blobs.stat(sha256(tooLarge) as Digest))?.size).toBe(tooLarge.length);
      expect((await registry.context.blobs.stat(sha256(undeclared) as Digest))?.size).toBe(undeclared.length);
      expect(fs.readdirSync(path.join(f.dir, 'uploads'))).toEqual([]);

      // Served whole and by range, wherever kept.
      expect(await read(f, 'team/app', sha256(largest))).toBe(largest.toString());
      expect(await read(f, 'team/app', sha256(single), { start: 7, end: 13 })).toBe('request');
      expect(await read(f, 'team/app', sha256(tooLarge), { start: 0, end: 4 })).toBe('file ');
      expect((await registry.blobs.stat('team/app', sha256(single))).size).toBe(single.length);
    });

    it('once across repositories', async () => {
      const f = await fixture();
      const data = Buffer.from('shared small blob');
      for (const name of ['team/one', 'team/two']) await f.registry.uploads.uploadWhole(name, sha256(data), Readable.from([data]), data.length);
      expect(await inlineRows(f)).toEqual([sha256(data)]);
      expect(await read(f, 'team/two', sha256(data))).toBe(data.toString());
    });

    it('refuses a wrong digest or a body of another length than declared, storing nothing and ending the session', async () => {
      const f = await fixture();
      const { registry } = f;
      const data = Buffer.from('what the client sends');
      await expect(registry.uploads.uploadWhole('team/app', sha256('something else'), Readable.from([data]), data.length)).rejects.toSatisfy((error) =>
        isRegistryError(error, 'DIGEST_INVALID'),
      );
      const short = await registry.uploads.start('team/app');
      await expect(registry.uploads.complete('team/app', short.id, sha256(data), Readable.from([data]), undefined, data.length + 1)).rejects.toSatisfy(
        (error) => isRegistryError(error, 'SIZE_INVALID'),
      );
      await expect(registry.uploads.status('team/app', short.id)).rejects.toSatisfy((error) => isRegistryError(error, 'BLOB_UPLOAD_UNKNOWN'));
      const long = await registry.uploads.start('team/app');
      await expect(registry.uploads.complete('team/app', long.id, sha256(data), Readable.from([data]), undefined, data.length - 1)).rejects.toSatisfy(
        (error) => isRegistryError(error, 'SIZE_INVALID'),
      );
      expect(await inlineRows(f)).toEqual([]);
      expect(await f.database.db.selectFrom('blobs').selectAll().execute()).toEqual([]);
      await expect(registry.blobs.stat('team/app', sha256(data))).rejects.toSatisfy((error) => isRegistryError(error, 'BLOB_UNKNOWN'));
    });
  });
});
