import { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { registerGcCommand } from '../../src/cli/gc.js';
import { INLINE_BLOB_MAX_BYTES } from '../../src/registry/blob-content.js';
import { OciClient, sha256 } from '../helpers/oci-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close();
  server = undefined;
});

/** Runs `stowage gc …` in this process; resolves to what it printed on stdout, parsed. */
async function gc(args: string[]): Promise<Record<string, unknown>> {
  const program = new Command().exitOverride();
  registerGcCommand(program);
  const printed: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(chunk.toString());
    return true;
  });
  try {
    await program.parseAsync(['node', 'stowage', 'gc', ...args]);
  } finally {
    write.mockRestore();
  }
  return JSON.parse(printed.join('')) as Record<string, unknown>;
}

it('stowage gc collects on the storage of a running server; --dry-run counts the same and changes nothing', async () => {
  server = await startTestServer();
  const client = new OciClient(server.url);
  await client.pushImage('app', 'v1', { layers: ['kept layer'] });
  // Two blobs nothing references: one small (kept inline with its row), one a file.
  const small = Buffer.from('pushed, never referenced');
  const large = Buffer.alloc(INLINE_BLOB_MAX_BYTES + 1, 'pushed, never referenced, large ');
  await client.pushBlob('app', small);
  await client.pushBlob('app', large);
  const storage = ['--data-dir', server.dataDir, '--database-url', `sqlite:${server.dataDir}/metadata.sqlite`, '--grace-period', '0'];

  const dry = await gc([...storage, '--dry-run']);
  expect(dry).toMatchObject({ linksRemoved: 2, blobsRemoved: 2, bytesFreed: small.length + large.length, dryRun: true });
  const before = blobBytesOnDisk(server.dataDir);
  const inlineBefore = await inlineDigests(server);
  expect(inlineBefore).toContain(sha256(small));
  const real = await gc(storage);
  expect(real).toMatchObject({ linksRemoved: 2, blobsRemoved: 2, bytesFreed: small.length + large.length, dryRun: false });
  // What it reports freed is what the blob store lost (nothing left aside in its trash), and
  // the small blob's bytes, which went with its row.
  expect(before - blobBytesOnDisk(server.dataDir)).toBe(large.length);
  expect(await inlineDigests(server)).toEqual(inlineBefore.filter((digest) => digest !== sha256(small)));
  expect(typeof real.jobId).toBe('number');
  expect((await client.fetch('/v2/app/manifests/v1')).status).toBe(200);
  expect(await gc([...storage, '--dry-run'])).toMatchObject({ linksRemoved: 0, blobsRemoved: 0 });
});

/** Digests of the blobs kept inline with their rows, in order. */
async function inlineDigests(running: TestServer): Promise<string[]> {
  const rows = await running.registry.context.database.db.selectFrom('blob_contents').select('digest').orderBy('digest').execute();
  return rows.map((row) => row.digest);
}

/** Bytes of every file under the blob store's directories (committed blobs and quarantined ones). */
function blobBytesOnDisk(dataDir: string): number {
  let total = 0;
  for (const top of ['blobs', 'trash']) {
    const root = path.join(dataDir, top);
    if (!fs.existsSync(root)) continue;
    for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size;
    }
  }
  return total;
}

it('refuses a grace period that is no duration', async () => {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined });
  registerGcCommand(program);
  await expect(program.parseAsync(['node', 'stowage', 'gc', '--grace-period', 'soon'])).rejects.toThrow(/invalid duration/);
});
