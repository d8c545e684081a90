import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Digest } from '../../src/registry/digest.js';
import type { BlobStore } from '../../src/storage/blobs/blob-store.js';

/**
 * The behaviour every BlobStore must have, run against each implementation (filesystem
 * now, S3 later) so that the layers above can rely on the interface alone.
 */
export function blobStoreConformance(name: string, create: () => Promise<{ store: BlobStore; cleanup(): Promise<void> }>): void {
  const digestOf = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}` as Digest;
  const read = async (stream: Readable | undefined) => {
    if (!stream) throw new Error('stream missing');
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  const withStore = async (test: (store: BlobStore) => Promise<void>) => {
    const { store, cleanup } = await create();
    try {
      await test(store);
    } finally {
      await cleanup();
    }
  };

  describe(`BlobStore conformance: ${name}`, () => {
    it('commits an upload built from several appends and reads it back whole and by range', () =>
      withStore(async (store) => {
        const parts = [Buffer.from('hello '), Buffer.from('blob '), Buffer.from('world')];
        const whole = Buffer.concat(parts);
        await store.createUpload('u1');
        let size = 0;
        for (const part of parts) size = await store.appendToUpload('u1', Readable.from([part]));
        expect(size).toBe(whole.length);
        expect(await store.uploadSize('u1')).toBe(whole.length);
        const digest = digestOf(whole);
        expect(await store.stat(digest)).toBeUndefined();
        await store.commitUpload('u1', digest);
        expect((await store.stat(digest))?.size).toBe(whole.length);
        expect(await read(await store.open(digest))).toEqual(whole);
        expect(await read(await store.open(digest, { start: 6, end: 9 }))).toEqual(Buffer.from('blob'));
        expect(await store.uploadSize('u1')).toBeUndefined();
      }));

    it('keeps an upload at its previous size when an append fails midway', () =>
      withStore(async (store) => {
        await store.createUpload('u2');
        await store.appendToUpload('u2', Readable.from([Buffer.from('abc')]));
        const failing = new Readable({
          read() {
            this.push(Buffer.from('partial'));
            this.destroy(new Error('client went away'));
          },
        });
        await expect(store.appendToUpload('u2', failing)).rejects.toThrow();
        expect(await store.uploadSize('u2')).toBe(3);
        expect(await read(await store.openUpload('u2'))).toEqual(Buffer.from('abc'));
      }));

    it('stores identical content once: committing an existing digest drops the upload', () =>
      withStore(async (store) => {
        const data = Buffer.from('same bytes');
        const digest = digestOf(data);
        for (const id of ['a', 'b']) {
          await store.createUpload(id);
          await store.appendToUpload(id, Readable.from([data]));
          await store.commitUpload(id, digest);
        }
        const listed = [];
        for await (const blob of store.list()) listed.push(blob.digest);
        expect(listed).toEqual([digest]);
        const uploads = [];
        for await (const upload of store.listUploads()) uploads.push(upload.id);
        expect(uploads).toEqual([]);
      }));

    it('answers absent blobs and uploads with undefined, and deletes idempotently', () =>
      withStore(async (store) => {
        const digest = digestOf(Buffer.from('nothing'));
        expect(await store.stat(digest)).toBeUndefined();
        expect(await store.open(digest)).toBeUndefined();
        expect(await store.uploadSize('missing')).toBeUndefined();
        expect(await store.openUpload('missing')).toBeUndefined();
        await store.delete(digest);
        await store.deleteUpload('missing');
      }));

    it('deletes committed blobs and lists uploads in progress', () =>
      withStore(async (store) => {
        const data = Buffer.from('to be deleted');
        const digest = digestOf(data);
        await store.createUpload('c');
        await store.appendToUpload('c', Readable.from([data]));
        await store.commitUpload('c', digest);
        await store.createUpload('pending');
        await store.appendToUpload('pending', Readable.from([Buffer.from('12345')]));
        await store.delete(digest);
        expect(await store.stat(digest)).toBeUndefined();
        const uploads = [];
        for await (const upload of store.listUploads()) uploads.push({ id: upload.id, size: upload.size });
        expect(uploads).toEqual([{ id: 'pending', size: 5 }]);
      }));

    it('appends a long stream of uneven chunks in order, across appends', () =>
      withStore(async (store) => {
        // Megabytes in chunks from 1 byte to 300 KiB, some arriving later than others.
        const chunks: Buffer[] = [];
        let seed = 1;
        for (let total = 0; total < 12 * 1024 * 1024; ) {
          seed = (seed * 1103515245 + 12345) % 2 ** 31;
          const chunk = Buffer.alloc(1 + (seed % (300 * 1024)), seed % 251);
          chunks.push(chunk);
          total += chunk.length;
        }
        const half = Math.floor(chunks.length / 2);
        const slow = async function* (parts: Buffer[]) {
          for (const [i, part] of parts.entries()) {
            if (i % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
            yield part;
          }
        };
        const whole = Buffer.concat(chunks);
        await store.createUpload('long');
        const first = await store.appendToUpload('long', Readable.from(slow(chunks.slice(0, half))));
        expect(first).toBe(Buffer.concat(chunks.slice(0, half)).length);
        expect(await store.appendToUpload('long', Readable.from(slow(chunks.slice(half))))).toBe(whole.length);
        expect(digestOf(await read(await store.openUpload('long')))).toBe(digestOf(whole));
        await store.commitUpload('long', digestOf(whole));
        expect(digestOf(await read(await store.open(digestOf(whole))))).toBe(digestOf(whole));
      }));

    it('keeps an upload at its previous size when an append fails after megabytes', () =>
      withStore(async (store) => {
        await store.createUpload('big-fail');
        await store.appendToUpload('big-fail', Readable.from([Buffer.from('kept')]));
        let sent = 0;
        const failing = new Readable({
          read() {
            if (sent >= 9 * 1024 * 1024) {
              this.destroy(new Error('client went away'));
              return;
            }
            sent += 64 * 1024;
            this.push(Buffer.alloc(64 * 1024, 1));
          },
        });
        await expect(store.appendToUpload('big-fail', failing)).rejects.toThrow('client went away');
        expect(await store.uploadSize('big-fail')).toBe(4);
        expect(await read(await store.openUpload('big-fail'))).toEqual(Buffer.from('kept'));
      }));

    it('appends an empty stream without changing the upload', () =>
      withStore(async (store) => {
        await store.createUpload('empty');
        expect(await store.appendToUpload('empty', Readable.from([]))).toBe(0);
        await store.appendToUpload('empty', Readable.from([Buffer.from('x')]));
        expect(await store.appendToUpload('empty', Readable.from([]))).toBe(1);
        expect(await store.uploadSize('empty')).toBe(1);
      }));

    it('refuses to append to an upload that does not exist', () =>
      withStore(async (store) => {
        await expect(store.appendToUpload('absent', Readable.from([Buffer.from('x')]))).rejects.toThrow();
      }));

    describe('positional reader (optional capability)', () => {
      const data = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');
      const withBlob = (test: (store: BlobStore & Required<Pick<BlobStore, 'openReader'>>, digest: Digest) => Promise<void>) =>
        withStore(async (store) => {
          if (!store.openReader) return; // stores without the capability are read through open()
          const digest = digestOf(data);
          await store.createUpload('r');
          await store.appendToUpload('r', Readable.from([data]));
          await store.commitUpload('r', digest);
          await test(store as BlobStore & Required<Pick<BlobStore, 'openReader'>>, digest);
        });

      it('reads at any position into the start of the buffer, and reports the size', () =>
        withBlob(async (store, digest) => {
          const reader = (await store.openReader(digest))!;
          try {
            expect(reader.size).toBe(data.length);
            const buffer = Buffer.alloc(8, '.');
            expect(await reader.read(buffer, 0)).toBe(8);
            expect(buffer.toString()).toBe('01234567');
            expect(await reader.read(buffer, 10, 4)).toBe(4);
            expect(buffer.toString()).toBe('abcd4567');
            // Reads do not depend on each other: backwards too.
            expect(await reader.read(buffer, 2, 3)).toBe(3);
            expect(buffer.subarray(0, 3).toString()).toBe('234');
            // A length beyond the buffer is held to the buffer.
            expect(await reader.read(buffer, 20, 100)).toBe(8);
            expect(buffer.toString()).toBe('klmnopqr');
            // Into a view: the bytes land at the start of the view.
            const whole = Buffer.alloc(data.length + 4, '-');
            expect(await reader.read(whole.subarray(2), 0, data.length)).toBe(data.length);
            expect(whole.toString()).toBe(`--${data.toString()}--`);
          } finally {
            await reader.close();
          }
        }));

      it('reads short at the end and nothing at or past it', () =>
        withBlob(async (store, digest) => {
          const reader = (await store.openReader(digest))!;
          try {
            const buffer = Buffer.alloc(16, '.');
            expect(await reader.read(buffer, data.length - 3)).toBe(3);
            expect(buffer.subarray(0, 3).toString()).toBe('xyz');
            expect(await reader.read(buffer, data.length)).toBe(0);
            expect(await reader.read(buffer, data.length + 1000)).toBe(0);
            expect(await reader.read(buffer, 0, 0)).toBe(0);
            expect(buffer.subarray(3).toString()).toBe('.'.repeat(13));
          } finally {
            await reader.close();
          }
        }));

      it('refuses a negative position', () =>
        withBlob(async (store, digest) => {
          const reader = (await store.openReader(digest))!;
          try {
            await expect(reader.read(Buffer.alloc(4), -1)).rejects.toThrow();
          } finally {
            await reader.close();
          }
        }));

      it('closes idempotently, and reads nothing once closed', () =>
        withBlob(async (store, digest) => {
          const reader = (await store.openReader(digest))!;
          await reader.close();
          await reader.close();
          await expect(reader.read(Buffer.alloc(4), 0)).rejects.toThrow();
        }));

      it('answers an absent blob with undefined', () =>
        withBlob(async (store) => {
          expect(await store.openReader(digestOf(Buffer.from('absent')))).toBeUndefined();
        }));
    });

    it('replaces an upload created again under the same id', () =>
      withStore(async (store) => {
        await store.createUpload('twice');
        await store.appendToUpload('twice', Readable.from([Buffer.from('left over')]));
        expect(await store.createUpload('twice')).toBe(0);
        expect(await store.uploadSize('twice')).toBe(0);
      }));

    it('creates an upload holding a whole stream, and commits it', () =>
      withStore(async (store) => {
        const whole = Buffer.concat([Buffer.from('one '), Buffer.alloc(3 << 20, 7), Buffer.from(' two')]);
        const chunks = [whole.subarray(0, 4), whole.subarray(4, 1 << 20), whole.subarray(1 << 20)];
        expect(await store.createUpload('whole', Readable.from(chunks))).toBe(whole.length);
        expect(await store.uploadSize('whole')).toBe(whole.length);
        await store.commitUpload('whole', digestOf(whole));
        expect(digestOf(await read(await store.open(digestOf(whole))))).toBe(digestOf(whole));
        expect(await store.uploadSize('whole')).toBeUndefined();
      }));

    it('leaves no upload when the stream of a created upload fails', () =>
      withStore(async (store) => {
        const failing = new Readable({
          read() {
            this.push(Buffer.from('partial'));
            this.destroy(new Error('client went away'));
          },
        });
        await expect(store.createUpload('cut', failing)).rejects.toThrow('client went away');
        expect(await store.uploadSize('cut')).toBeUndefined();
      }));

    it('commits an upload again appended after it was created whole', () =>
      withStore(async (store) => {
        await store.createUpload('grown', Readable.from([Buffer.from('first ')]));
        await store.appendToUpload('grown', Readable.from([Buffer.from('second')]));
        const whole = Buffer.from('first second');
        await store.commitUpload('grown', digestOf(whole));
        expect(await read(await store.open(digestOf(whole)))).toEqual(whole);
      }));
    it('commits an upload keeping it, and commits it again after the blob went (keepUpload)', () =>
      withStore(async (store) => {
        const data = Buffer.from('kept bytes');
        const digest = digestOf(data);
        await store.createUpload('keep', Readable.from([data]));
        await store.commitUpload('keep', digest, { keepUpload: true });
        expect(await read(await store.open(digest))).toEqual(data);
        expect(await store.uploadSize('keep')).toBe(data.length);
        await store.delete(digest);
        await store.commitUpload('keep', digest);
        expect(await read(await store.open(digest))).toEqual(data);
        expect(await store.uploadSize('keep')).toBeUndefined();
        // With the blob present already the kept upload is left as it is.
        await store.createUpload('again', Readable.from([data]));
        await store.commitUpload('again', digest, { keepUpload: true });
        expect(await store.uploadSize('again')).toBe(data.length);
      }));

    it('quarantines a blob, then restores or purges it; lists what is quarantined', () =>
      withStore(async (store) => {
        const data = Buffer.from('quarantined bytes');
        const digest = digestOf(data);
        expect(await store.quarantine(digest)).toBeUndefined();
        await store.createUpload('q', Readable.from([data]));
        await store.commitUpload('q', digest);
        const token = await store.quarantine(digest);
        expect(token).toBeDefined();
        expect(await store.stat(digest)).toBeUndefined();
        const listed = [];
        for await (const entry of store.listQuarantined()) listed.push(entry);
        expect(listed).toEqual([{ token, digest, size: data.length }]);
        await store.restore(token!, digest);
        expect(await read(await store.open(digest))).toEqual(data);
        await store.restore(token!, digest); // already restored: nothing to do

        const second = await store.quarantine(digest);
        await store.purge(second!);
        await store.purge(second!);
        expect(await store.stat(digest)).toBeUndefined();
        const after = [];
        for await (const entry of store.listQuarantined()) after.push(entry);
        expect(after).toEqual([]);
      }));

    it('restoring a quarantined blob that was committed again meanwhile keeps the new one and drops the copy', () =>
      withStore(async (store) => {
        const data = Buffer.from('committed twice');
        const digest = digestOf(data);
        await store.createUpload('first', Readable.from([data]));
        await store.commitUpload('first', digest);
        const token = await store.quarantine(digest);
        await store.createUpload('second', Readable.from([data]));
        await store.commitUpload('second', digest);
        await store.restore(token!, digest);
        expect(await read(await store.open(digest))).toEqual(data);
        const listed = [];
        for await (const entry of store.listQuarantined()) listed.push(entry);
        expect(listed).toEqual([]);
      }));
  });
}
