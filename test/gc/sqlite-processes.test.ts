import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/storage/meta/database.js';

/**
 * `stowage gc` (or `stowage admin`) writes to the SQLite file of a serving registry from
 * another process. A deferred transaction that reads and then writes would fail with
 * SQLITE_BUSY whenever the other process commits in between (the busy timeout does not
 * apply to that case); transactions begin IMMEDIATE, so they wait for the lock instead.
 */
const WRITER = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1]);
db.pragma('busy_timeout = 5000');
const insert = db.prepare('insert into scratch (value) values (?)');
const until = Date.now() + Number(process.argv[2]);
let n = 0;
while (Date.now() < until) {
  db.exec('begin immediate');
  insert.run(n++);
  db.exec('commit');
}
db.close();
console.log(n);
`;

let dir: string | undefined;
let database: Database | undefined;
afterEach(async () => {
  await database?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  database = undefined;
  dir = undefined;
});

it('transactions that read before they write succeed while another process commits beside them', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-sqlite-processes-'));
  const file = path.join(dir, 'metadata.sqlite');
  database = await openDatabase({ url: `sqlite:${file}` });
  await sql`create table scratch (value integer)`.execute(database.db);
  const open = database;

  const writer = spawn(process.execPath, ['--input-type=commonjs', '-e', WRITER, file, '2000'], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  writer.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  writer.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => writer.on('exit', resolve));

  let failures = 0;
  let done = 0;
  const until = Date.now() + 1500;
  while (Date.now() < until) {
    try {
      await open.transaction(async (trx) => {
        await sql`select count(*) from scratch`.execute(trx);
        await new Promise((resolve) => setTimeout(resolve, 1));
        await sql`insert into scratch (value) values (-1)`.execute(trx);
      });
      done++;
    } catch {
      failures++;
    }
  }
  expect(await exited).toBe(0);
  expect(Number(output.trim())).toBeGreaterThan(0);
  expect(done).toBeGreaterThan(10);
  expect(failures).toBe(0);
}, 30_000);
