/**
 * Header blobs from rpm's SQLite database, `rpmdb.sqlite` (rpm 4.16 and later: Fedora 33+,
 * RHEL 9 and its rebuilds, Amazon Linux 2023). rpm's schema is
 * `Packages(hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)`, one header blob per
 * installed package; other tables are indexes rpm can rebuild and are not read.
 *
 * rpm keeps the database in WAL mode, so the latest transactions may still be in
 * `rpmdb.sqlite-wal` beside it. Without a WAL file (or with an empty one) the database is
 * opened from memory, read-only; a WAL-mode header is first marked rollback-journal in a
 * copy (bytes 18–19 set to 1), as SQLite will not open a WAL-mode image from memory. With a
 * WAL file, both files are written to a private temporary directory (created for the read,
 * removed after it) and the database is opened there read-only, so SQLite itself applies
 * the WAL's committed frames and ignores uncommitted or invalid ones. If that open fails,
 * the main file is read alone. The `-shm` file is not used: SQLite rebuilds it from the WAL.
 *
 * Hostile databases: `Packages` must be an ordinary table (not a view or virtual table,
 * which could compute without end) whose `blob` column is not generated; a blob longer than
 * MAX_HEADER_BLOB_BYTES is skipped without being read (SQLite knows a BLOB's length from
 * the record header); at most MAX_RPMDB_ROWS rows are read. An SQLite error (a corrupt
 * file) ends the read; rows already visited stay visited. Nothing here throws.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_HEADER_BLOB_BYTES } from './rpm-header.js';

export const MAX_RPMDB_ROWS = 100_000;
/** Prefix of the temporary directories a database with a WAL file is read from. */
export const RPMDB_TEMP_PREFIX = 'stowage-rpmdb-';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const WAL_MODE = 2;
const ROLLBACK_MODE = 1;

type SqliteDatabase = InstanceType<typeof Database>;

function isSqliteFile(content: Buffer): boolean {
  return content.length >= 100 && content.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC);
}

/** A copy of the file with a WAL-mode header marked rollback-journal; the file itself otherwise. */
function withoutWalMode(content: Buffer): Buffer {
  if (content[18] !== WAL_MODE && content[19] !== WAL_MODE) return content;
  const copy = Buffer.from(content);
  copy[18] = ROLLBACK_MODE;
  copy[19] = ROLLBACK_MODE;
  return copy;
}

function packagesTableIsPlain(db: SqliteDatabase): boolean {
  const schema = db
    .prepare("SELECT type, sql FROM sqlite_schema WHERE name = 'Packages' COLLATE NOCASE")
    .all() as Array<{ type: unknown; sql: unknown }>;
  if (schema.length !== 1) return false;
  const { type, sql } = schema[0]!;
  if (type !== 'table' || typeof sql !== 'string' || /^\s*create\s+virtual\b/i.test(sql)) return false;
  const columns = db.prepare("SELECT name, hidden FROM pragma_table_xinfo('Packages')").all() as Array<{ name: unknown; hidden: unknown }>;
  const blob = columns.find((c) => typeof c.name === 'string' && c.name.toLowerCase() === 'blob');
  return blob !== undefined && blob.hidden === 0;
}

function visitPackagesTable(db: SqliteDatabase, visit: (blob: Buffer) => void): void {
  if (!packagesTableIsPlain(db)) return;
  const rows = db
    .prepare('SELECT CASE WHEN typeof(blob) = \'blob\' AND length(blob) <= ? THEN blob END FROM Packages')
    .pluck()
    .iterate(MAX_HEADER_BLOB_BYTES);
  let read = 0;
  for (const blob of rows) {
    if (Buffer.isBuffer(blob)) visit(blob);
    if (++read >= MAX_RPMDB_ROWS) break;
  }
}

/** Opens, visits and closes; false when the database could not be opened or read. */
function readDatabase(open: () => SqliteDatabase, visit: (blob: Buffer) => void): boolean {
  let db: SqliteDatabase | undefined;
  try {
    db = open();
  } catch {
    return false;
  }
  try {
    db.pragma('cell_size_check = ON');
    visitPackagesTable(db, visit);
    return true;
  } catch {
    return true; // opened: what was visited stands, a fallback would visit it again
  } finally {
    closeQuietly(db);
  }
}

function closeQuietly(db: SqliteDatabase): void {
  try {
    db.close();
  } catch {
    // a statement left mid-iteration by an error: the connection goes with the object
  }
}

function readWithWal(database: Buffer, wal: Buffer, visit: (blob: Buffer) => void): boolean {
  let dir: string | undefined;
  try {
    dir = mkdtempSync(join(tmpdir(), RPMDB_TEMP_PREFIX));
    const path = join(dir, 'rpmdb.sqlite');
    writeFileSync(path, database, { mode: 0o600 });
    writeFileSync(`${path}-wal`, wal, { mode: 0o600 });
    return readDatabase(() => new Database(path, { readonly: true, fileMustExist: true }), visit);
  } catch {
    return false;
  } finally {
    if (dir !== undefined) removeQuietly(dir);
  }
}

function removeQuietly(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // nothing more can be done; the directory is private and in the temporary area
  }
}

/**
 * Calls `visit` with each header blob of an rpmdb.sqlite (and its WAL file's committed
 * changes, when given). Never throws; an unreadable database visits nothing.
 */
export function visitRpmdbSqliteBlobs(database: Buffer, wal: Buffer | undefined, visit: (blob: Buffer) => void): void {
  if (!isSqliteFile(database)) return;
  if (wal !== undefined && wal.length > 0 && readWithWal(database, wal, visit)) return;
  readDatabase(() => new Database(withoutWalMode(database), { readonly: true }), visit);
}
