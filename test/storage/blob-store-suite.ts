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

    it('refuses to create the same upload twice', () =>
      withStore(async (store) => {
        await store.createUpload('twice');
        await expect(store.createUpload('twice')).rejects.toThrow();
      }));
  });
}
