import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Digest } from '../../src/registry/digest.js';
import { FsBlobStore } from '../../src/storage/blobs/fs-blob-store.js';
import { blobStoreConformance } from './blob-store-suite.js';

async function createFsStore() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-blobs-'));
  const store = new FsBlobStore(root);
  await store.init();
  return { store, root, cleanup: async () => fs.rmSync(root, { recursive: true, force: true }) };
}

blobStoreConformance('filesystem', createFsStore);

/** Files under `root` that this process holds open (its file descriptors, from /proc). */
function openFilesUnder(root: string): string[] {
  const open: string[] = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(`${root}/`)) open.push(target);
    } catch {
      // closed while listing
    }
  }
  return open;
}

describe('FsBlobStore specifics', () => {
  it('never accepts an upload id that could leave the uploads directory', async () => {
    const { store, cleanup } = await createFsStore();
    try {
      await expect(store.createUpload('../escape')).rejects.toThrow(/invalid upload id/);
      await expect(store.uploadSize('a/b')).rejects.toThrow(/invalid upload id/);
    } finally {
      await cleanup();
    }
  });

  it('keeps reading a blob deleted while a reader has it open, and closes its file', async () => {
    const { store, root, cleanup } = await createFsStore();
    try {
      const { Readable } = await import('node:stream');
      const data = Buffer.from('read after delete');
      const digest = `sha256:${createHash('sha256').update(data).digest('hex')}` as Digest;
      await store.createUpload('d');
      await store.appendToUpload('d', Readable.from([data]));
      await store.commitUpload('d', digest);
      const reader = (await store.openReader(digest))!;
      expect(openFilesUnder(root)).toHaveLength(1);
      await store.delete(digest);
      const buffer = Buffer.alloc(data.length);
      expect(await reader.read(buffer, 0)).toBe(data.length);
      expect(buffer).toEqual(data);
      await reader.close();
      expect(openFilesUnder(root)).toEqual([]);
      expect(await store.openReader(digest)).toBeUndefined();
    } finally {
      await cleanup();
    }
  });

  it('lays committed blobs out by algorithm and digest prefix, with no temporary files left', async () => {
    const { store, root, cleanup } = await createFsStore();
    try {
      const { Readable } = await import('node:stream');
      await store.createUpload('x');
      await store.appendToUpload('x', Readable.from([Buffer.from('layout')]));
      const digest = 'sha256:6c83a63f47ca7b32d9b3d3f7bd93e3dd7ebd2c7b8b0b73b0fdd8a0bb5c5b2b8f';
      // The store trusts the caller's verification: any well-formed digest names the file.
      await store.commitUpload('x', digest as never);
      expect(fs.existsSync(path.join(root, 'blobs', 'sha256', '6c', digest.slice(7)))).toBe(true);
      expect(fs.readdirSync(path.join(root, 'uploads'))).toEqual([]);
    } finally {
      await cleanup();
    }
  });
});
