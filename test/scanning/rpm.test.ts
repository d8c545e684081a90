import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MAX_HEADER_BLOB_BYTES,
  MAX_HEADER_DATA_BYTES,
  RPMTAG_EPOCH,
  RPMTAG_NAME,
  RPMTAG_RELEASE,
  RPMTAG_VERSION,
  parseRpmHeaderBlob,
} from '../../src/scanning/catalogers/rpm-header.js';
import { MAX_RPMDB_ROWS, RPMDB_TEMP_PREFIX, visitRpmdbSqliteBlobs } from '../../src/scanning/catalogers/rpm-sqlite.js';
import { visitBerkeleyDbHashValues } from '../../src/scanning/catalogers/rpm-bdb.js';
import { catalogRpm, packageFromHeader, parseSourceRpm, wantsRpm } from '../../src/scanning/catalogers/rpm.js';
import { type HeaderEntry, RPMDB_SCHEMA, RPM_BIN_TYPE, RPM_INT32_TYPE, RPM_STRING_TYPE, type TestPackage, encodeHeader, rpmHeader, sqliteRpmdb } from './rpm-fixtures.js';

const openssl: TestPackage = {
  name: 'openssl-libs',
  version: '3.0.7',
  release: '27.el9',
  epoch: 1,
  arch: 'x86_64',
  sourceRpm: 'openssl-3.0.7-27.el9.src.rpm',
};
const bash: TestPackage = { name: 'bash', version: '5.1.8', release: '9.el9', arch: 'x86_64', sourceRpm: 'bash-5.1.8-9.el9.src.rpm' };
const tzdata: TestPackage = { name: 'tzdata', version: '2024a', release: '1.el9', arch: 'noarch', sourceRpm: 'tzdata-2024a-1.el9.src.rpm' };
const pubkey: TestPackage = { name: 'gpg-pubkey', version: 'fd431d51', release: '4ae0493b' };

const DB = 'var/lib/rpm/rpmdb.sqlite';
const SYSIMAGE_DB = 'usr/lib/sysimage/rpm/rpmdb.sqlite';

// ---- header blobs -------------------------------------------------------------------

describe('parseRpmHeaderBlob', () => {
  it('reads name, version, release, epoch, arch and source rpm', () => {
    expect(parseRpmHeaderBlob(rpmHeader(openssl))).toEqual({
      name: 'openssl-libs',
      version: '3.0.7',
      release: '27.el9',
      epoch: 1,
      arch: 'x86_64',
      sourceRpm: 'openssl-3.0.7-27.el9.src.rpm',
    });
  });

  it('reads headers with and without a region entry alike, and leaves absent fields out', () => {
    const minimal = { name: 'filesystem', version: '3.16', release: '2.el9' };
    expect(parseRpmHeaderBlob(rpmHeader(minimal, { region: false }))).toEqual(minimal);
    expect(parseRpmHeaderBlob(rpmHeader(minimal, { region: true }))).toEqual(minimal);
  });

  it('keeps an explicit epoch 0 and reads epochs as unsigned', () => {
    expect(parseRpmHeaderBlob(rpmHeader({ ...bash, epoch: 0 }))?.epoch).toBe(0);
    expect(parseRpmHeaderBlob(rpmHeader({ ...bash, epoch: 0xffffffff }))?.epoch).toBe(0xffffffff);
  });

  it('lets a later entry for a tag replace an earlier one', () => {
    const blob = encodeHeader([
      { tag: RPMTAG_NAME, string: 'old' },
      { tag: RPMTAG_VERSION, string: '1' },
      { tag: RPMTAG_RELEASE, string: '1' },
      { tag: RPMTAG_NAME, string: 'new' },
    ]);
    expect(parseRpmHeaderBlob(blob)?.name).toBe('new');
  });

  it('decodes UTF-8 strings', () => {
    expect(parseRpmHeaderBlob(rpmHeader({ ...bash, release: '1.é' }))?.release).toBe('1.é');
  });

  it('rejects headers missing NAME, VERSION or RELEASE, or with them empty', () => {
    for (const missing of [RPMTAG_NAME, RPMTAG_VERSION, RPMTAG_RELEASE]) {
      const entries: HeaderEntry[] = [RPMTAG_NAME, RPMTAG_VERSION, RPMTAG_RELEASE]
        .filter((t) => t !== missing)
        .map((tag) => ({ tag, string: 'x' }));
      expect(parseRpmHeaderBlob(encodeHeader(entries))).toBeUndefined();
    }
    expect(parseRpmHeaderBlob(rpmHeader({ ...bash, version: '' }))).toBeUndefined();
  });

  it('rejects blobs whose il/dl do not fit, and il 0', () => {
    const good = rpmHeader(bash);
    expect(parseRpmHeaderBlob(good)).toBeDefined();
    expect(parseRpmHeaderBlob(good.subarray(0, good.length - 1))).toBeUndefined();
    expect(parseRpmHeaderBlob(good.subarray(0, 7))).toBeUndefined();
    expect(parseRpmHeaderBlob(Buffer.alloc(0))).toBeUndefined();
    const zeroEntries = Buffer.from(good);
    zeroEntries.writeUInt32BE(0, 0);
    expect(parseRpmHeaderBlob(zeroEntries)).toBeUndefined();
  });

  it('rejects well-formed headers over rpm\'s 65535 entries or over the data store limit', () => {
    const fields: HeaderEntry[] = [
      { tag: RPMTAG_NAME, string: 'n' },
      { tag: RPMTAG_VERSION, string: 'v' },
      { tag: RPMTAG_RELEASE, string: 'r' },
    ];
    const filler = (n: number): HeaderEntry[] => Array.from({ length: n }, () => ({ tag: 5000, type: RPM_BIN_TYPE, count: 1, raw: Buffer.alloc(0), offset: 0 }));
    expect(parseRpmHeaderBlob(encodeHeader([...fields, ...filler(0xffff - 3)]))).toBeDefined();
    expect(parseRpmHeaderBlob(encodeHeader([...fields, ...filler(0xffff - 2)]))).toBeUndefined();
    const padding = (n: number): HeaderEntry => ({ tag: 5001, type: RPM_BIN_TYPE, count: n, raw: Buffer.alloc(n) });
    const atLimit = encodeHeader([...fields, padding(MAX_HEADER_DATA_BYTES - 6)]);
    expect(atLimit.readUInt32BE(4)).toBe(MAX_HEADER_DATA_BYTES);
    expect(parseRpmHeaderBlob(atLimit)).toBeDefined();
    expect(parseRpmHeaderBlob(encodeHeader([...fields, padding(MAX_HEADER_DATA_BYTES - 5)]))).toBeUndefined();
  });

  it('rejects entries pointing outside the data store or of unknown type', () => {
    const base: HeaderEntry[] = [
      { tag: RPMTAG_NAME, string: 'n' },
      { tag: RPMTAG_VERSION, string: 'v' },
      { tag: RPMTAG_RELEASE, string: 'r' },
    ];
    expect(parseRpmHeaderBlob(encodeHeader(base))).toBeDefined();
    const outside = encodeHeader([...base, { tag: 5000, type: RPM_BIN_TYPE, count: 1, raw: Buffer.from([1]), offset: 100 }]);
    expect(parseRpmHeaderBlob(outside)).toBeUndefined();
    const negative = encodeHeader([...base, { tag: 5000, type: RPM_BIN_TYPE, count: 1, raw: Buffer.from([1]), offset: -1 }]);
    expect(parseRpmHeaderBlob(negative)).toBeUndefined();
    const unknownType = encodeHeader([...base, { tag: 5000, type: 10, count: 1, raw: Buffer.from([1]) }]);
    expect(parseRpmHeaderBlob(unknownType)).toBeUndefined();
  });

  it('rejects a NAME without its NUL terminator or of the wrong type', () => {
    const unterminated = encodeHeader([
      { tag: RPMTAG_VERSION, string: 'v' },
      { tag: RPMTAG_RELEASE, string: 'r' },
      { tag: RPMTAG_NAME, type: RPM_STRING_TYPE, count: 1, raw: Buffer.from('bash') },
    ]);
    expect(parseRpmHeaderBlob(unterminated)).toBeUndefined();
    const wrongType = encodeHeader([
      { tag: RPMTAG_NAME, type: RPM_BIN_TYPE, count: 1, raw: Buffer.from('bash\0') },
      { tag: RPMTAG_VERSION, string: 'v' },
      { tag: RPMTAG_RELEASE, string: 'r' },
    ]);
    expect(parseRpmHeaderBlob(wrongType)).toBeUndefined();
  });

  it('leaves out an EPOCH whose value would run past the data store', () => {
    const blob = encodeHeader([
      { tag: RPMTAG_NAME, string: 'n' },
      { tag: RPMTAG_VERSION, string: 'v' },
      { tag: RPMTAG_RELEASE, string: 'r' },
      { tag: RPMTAG_EPOCH, type: RPM_INT32_TYPE, count: 1, raw: Buffer.from([0, 7]) },
    ]);
    expect(parseRpmHeaderBlob(blob)).toEqual({ name: 'n', version: 'v', release: 'r' });
  });

  it('never throws, whatever the bytes', () => {
    const valid = rpmHeader(openssl);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        parseRpmHeaderBlob(bytes);
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), (edits) => {
        const mutated = Buffer.from(valid);
        for (const [at, value] of edits) mutated[at] = value;
        parseRpmHeaderBlob(mutated);
      }),
    );
  });
});

// ---- package fields -----------------------------------------------------------------

describe('parseSourceRpm', () => {
  it('splits name-version-release.src.rpm at its last two dashes', () => {
    expect(parseSourceRpm('openssl-3.0.7-27.el9.src.rpm')).toEqual({ name: 'openssl', version: '3.0.7', release: '27.el9' });
    expect(parseSourceRpm('python-setuptools-53.0.0-12.el9.src.rpm')).toEqual({
      name: 'python-setuptools',
      version: '53.0.0',
      release: '12.el9',
    });
    expect(parseSourceRpm('kernel-5.14.0-427.el9.nosrc.rpm')).toEqual({ name: 'kernel', version: '5.14.0', release: '427.el9' });
  });

  it('rejects other shapes', () => {
    for (const bad of ['openssl-3.0.7-27.el9.x86_64.rpm', 'openssl-3.0.7.src.rpm', '-1-2.src.rpm', 'a--2.src.rpm', 'a-1-.src.rpm', '', '.src.rpm']) {
      expect(parseSourceRpm(bad)).toBeUndefined();
    }
  });
});

describe('packageFromHeader', () => {
  it('writes the epoch only when the header has one, and gives the source its version', () => {
    expect(packageFromHeader({ name: 'openssl-libs', version: '3.0.7', release: '27.el9', epoch: 1, sourceRpm: 'openssl-3.0.7-27.el9.src.rpm' }, '/db')).toEqual({
      ecosystem: 'rpm',
      name: 'openssl-libs',
      version: '1:3.0.7-27.el9',
      sourceName: 'openssl',
      sourceVersion: '1:3.0.7-27.el9',
      location: '/db',
    });
    expect(packageFromHeader({ name: 'bash', version: '5.1.8', release: '9.el9' }, '/db')).toEqual({
      ecosystem: 'rpm',
      name: 'bash',
      version: '5.1.8-9.el9',
      location: '/db',
    });
    expect(packageFromHeader({ name: 'x', version: '1', release: '2', epoch: 0 }, '/db')?.version).toBe('0:1-2');
  });

  it('keeps a source version that differs from the package', () => {
    const pkg = packageFromHeader({ name: 'perl-Carp', version: '1.50', release: '460.el9', sourceRpm: 'perl-Carp-1.50-460.el9.src.rpm' }, '/db');
    expect(pkg).toMatchObject({ sourceName: 'perl-Carp', sourceVersion: '1.50-460.el9' });
    const sub = packageFromHeader({ name: 'python3-libs', version: '3.9.18', release: '3.el9', sourceRpm: 'python3.9-3.9.18-3.el9.src.rpm' }, '/db');
    expect(sub).toMatchObject({ sourceName: 'python3.9', sourceVersion: '3.9.18-3.el9' });
  });

  it('leaves the source out when SOURCERPM has another shape', () => {
    const pkg = packageFromHeader({ name: 'x', version: '1', release: '2', sourceRpm: '(none)' }, '/db');
    expect(pkg).not.toHaveProperty('sourceName');
    expect(pkg).not.toHaveProperty('sourceVersion');
  });

  it('skips gpg-pubkey pseudo-packages', () => {
    expect(packageFromHeader({ name: 'gpg-pubkey', version: 'fd431d51', release: '4ae0493b' }, '/db')).toBeUndefined();
  });
});

describe('wantsRpm', () => {
  it('selects the sqlite databases, their WAL files and the Berkeley DB Packages', () => {
    for (const path of [DB, `${DB}-wal`, SYSIMAGE_DB, `${SYSIMAGE_DB}-wal`, 'var/lib/rpm/Packages']) expect(wantsRpm(path)).toBe(true);
    for (const path of [`/${DB}`, `${DB}-shm`, 'var/lib/rpm/Packages.db', 'var/lib/rpm/Name', 'usr/lib/sysimage/rpm/Packages', 'var/lib/rpm/rpmdb.sqlite.bak']) {
      expect(wantsRpm(path)).toBe(false);
    }
  });
});

// ---- sqlite databases ---------------------------------------------------------------

describe('catalogRpm with rpmdb.sqlite', () => {
  it('lists the exact packages, skipping gpg-pubkey and malformed blobs', () => {
    const truncated = rpmHeader(tzdata).subarray(0, 40);
    const db = sqliteRpmdb([rpmHeader(openssl), rpmHeader(pubkey), truncated, Buffer.from('not a header'), 'a text value', rpmHeader(bash), rpmHeader(tzdata, { region: false })]);
    expect(catalogRpm(new Map([[DB, db]]))).toEqual([
      {
        ecosystem: 'rpm',
        name: 'openssl-libs',
        version: '1:3.0.7-27.el9',
        arch: 'x86_64',
        sourceName: 'openssl',
        sourceVersion: '1:3.0.7-27.el9',
        location: '/var/lib/rpm/rpmdb.sqlite',
      },
      {
        ecosystem: 'rpm',
        name: 'bash',
        version: '5.1.8-9.el9',
        arch: 'x86_64',
        sourceName: 'bash',
        sourceVersion: '5.1.8-9.el9',
        location: '/var/lib/rpm/rpmdb.sqlite',
      },
      {
        ecosystem: 'rpm',
        name: 'tzdata',
        version: '2024a-1.el9',
        arch: 'noarch',
        sourceName: 'tzdata',
        sourceVersion: '2024a-1.el9',
        location: '/var/lib/rpm/rpmdb.sqlite',
      },
    ]);
  });

  it('reads the /usr/lib/sysimage database, and an identical copy at /var/lib/rpm only once', () => {
    const db = sqliteRpmdb([rpmHeader(bash)]);
    const both = catalogRpm(new Map([[DB, db], [SYSIMAGE_DB, Buffer.from(db)]]));
    expect(both.map((p) => `${p.name} ${p.location}`)).toEqual(['bash /usr/lib/sysimage/rpm/rpmdb.sqlite']);
    const other = sqliteRpmdb([rpmHeader(tzdata)]);
    const different = catalogRpm(new Map([[DB, other], [SYSIMAGE_DB, db]]));
    expect(different.map((p) => `${p.name} ${p.location}`)).toEqual([
      'bash /usr/lib/sysimage/rpm/rpmdb.sqlite',
      'tzdata /var/lib/rpm/rpmdb.sqlite',
    ]);
  });

  it('finds nothing in files that are not rpm databases, without throwing', () => {
    const noPackagesTable = sqliteRpmdb([], (db) => db.exec('CREATE TABLE Packages2 (hnum INTEGER PRIMARY KEY, blob BLOB); CREATE TABLE Packages (blob2 BLOB)'));
    for (const content of [Buffer.alloc(0), Buffer.from('SQLite format 3\0'), Buffer.alloc(4096, 0xff), noPackagesTable]) {
      expect(catalogRpm(new Map([[DB, content]]))).toEqual([]);
    }
    const corrupt = sqliteRpmdb([rpmHeader(bash)]);
    corrupt.fill(0xa5, 100);
    expect(catalogRpm(new Map([[DB, corrupt]]))).toEqual([]);
  });

  it('does not read a Packages view, which could compute rows without end', () => {
    const db = sqliteRpmdb([rpmHeader(bash)], (d) =>
      d.exec(`CREATE TABLE real (hnum INTEGER PRIMARY KEY, blob BLOB);
        CREATE VIEW Packages AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n)
          SELECT x AS hnum, (SELECT blob FROM real LIMIT 1) AS blob FROM n;
        CREATE TRIGGER feed INSTEAD OF INSERT ON Packages BEGIN INSERT INTO real (blob) VALUES (NEW.blob); END;`),
    );
    const direct = new Database(db);
    const rows = direct.prepare('SELECT blob FROM Packages LIMIT 3').pluck().all() as Buffer[];
    direct.close();
    expect(rows.map((b) => parseRpmHeaderBlob(b)?.name)).toEqual(['bash', 'bash', 'bash']); // endless, were it read
    expect(catalogRpm(new Map([[DB, db]]))).toEqual([]);
  });

  it('does not read a generated blob column', () => {
    const db = sqliteRpmdb([], (d) => d.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, src BLOB, blob BLOB AS (src) VIRTUAL)'));
    const filled = new Database(db);
    filled.prepare('INSERT INTO Packages (src) VALUES (?)').run(rpmHeader(bash));
    const bytes = filled.serialize();
    filled.close();
    expect(catalogRpm(new Map([[DB, bytes]]))).toEqual([]);
  });

  it('skips a blob longer than the header limit without reading it', () => {
    const huge = Buffer.concat([rpmHeader(openssl), Buffer.alloc(MAX_HEADER_BLOB_BYTES)]);
    expect(parseRpmHeaderBlob(huge)?.name).toBe('openssl-libs'); // it would parse if read
    const db = sqliteRpmdb([huge, rpmHeader(bash)]);
    expect(catalogRpm(new Map([[DB, db]])).map((p) => p.name)).toEqual(['bash']);
  });

  it(`reads at most ${MAX_RPMDB_ROWS} rows`, () => {
    const blob = rpmHeader({ name: 'p', version: '1', release: '1' });
    const db = sqliteRpmdb(Array.from({ length: MAX_RPMDB_ROWS + 5 }, () => blob));
    let visited = 0;
    visitRpmdbSqliteBlobs(db, undefined, () => visited++);
    expect(visited).toBe(MAX_RPMDB_ROWS);
  });
});

describe('catalogRpm with a WAL file', () => {
  /** The main file and WAL of a WAL-mode database whose last transaction is in the WAL only. */
  function walDatabase(checkpointed: Buffer[], inWal: Buffer[]): { main: Buffer; wal: Buffer; pageSize: number } {
    const dir = mkdtempSync(join(tmpdir(), 'rpm-test-'));
    try {
      const path = join(dir, 'rpmdb.sqlite');
      const db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('wal_autocheckpoint = 0');
      db.exec(RPMDB_SCHEMA);
      const insert = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
      for (const blob of checkpointed) insert.run(blob);
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.transaction(() => inWal.forEach((blob) => insert.run(blob)))();
      const main = readFileSync(path);
      const wal = readFileSync(`${path}-wal`);
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      db.close();
      return { main, wal, pageSize };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  function tempDirs(): string[] {
    return readdirSync(tmpdir()).filter((name) => name.startsWith(RPMDB_TEMP_PREFIX));
  }

  it('takes the committed transactions of the WAL into account', () => {
    const { main, wal } = walDatabase([rpmHeader(bash)], [rpmHeader(openssl)]);
    expect(main[18]).toBe(2); // a WAL-mode header
    expect(wal.length).toBeGreaterThan(32);
    expect(catalogRpm(new Map([[DB, main]])).map((p) => p.name)).toEqual(['bash']);
    expect(catalogRpm(new Map([[DB, main], [`${DB}-wal`, wal]])).map((p) => p.name)).toEqual(['bash', 'openssl-libs']);
  });

  it('ignores WAL frames of a transaction that never committed', () => {
    const big = rpmHeader({ ...tzdata, release: 'x'.repeat(20_000) });
    const { main, wal, pageSize } = walDatabase([rpmHeader(bash)], [big]);
    const frame = 24 + pageSize;
    expect((wal.length - 32) / frame).toBeGreaterThan(2);
    expect(catalogRpm(new Map([[DB, main], [`${DB}-wal`, wal]])).map((p) => p.name)).toEqual(['bash', 'tzdata']);
    const withoutCommitFrame = wal.subarray(0, wal.length - frame);
    expect(catalogRpm(new Map([[DB, main], [`${DB}-wal`, withoutCommitFrame]])).map((p) => p.name)).toEqual(['bash']);
  });

  it('reads the main file alone when the WAL is garbage or empty', () => {
    const { main } = walDatabase([rpmHeader(bash)], [rpmHeader(openssl)]);
    expect(catalogRpm(new Map([[DB, main], [`${DB}-wal`, Buffer.alloc(5000, 0x5a)]])).map((p) => p.name)).toEqual(['bash']);
    expect(catalogRpm(new Map([[DB, main], [`${DB}-wal`, Buffer.alloc(0)]])).map((p) => p.name)).toEqual(['bash']);
  });

  it('removes its temporary directory', () => {
    const before = tempDirs();
    const { main, wal } = walDatabase([rpmHeader(bash)], [rpmHeader(openssl)]);
    let seenDuringRead: string[] = [];
    visitRpmdbSqliteBlobs(main, wal, () => {
      seenDuringRead = tempDirs();
    });
    expect(seenDuringRead.length).toBe(before.length + 1); // the read did go through a directory
    expect(tempDirs()).toEqual(before);
  });
});

// ---- Berkeley DB --------------------------------------------------------------------

interface BerkeleyRecord {
  key: number;
  value: Buffer;
  /** Stored on the hash page itself rather than in an overflow chain. */
  inline?: boolean;
}

/**
 * A Berkeley DB hash file as rpm's Packages: meta page 0, one hash page (page 1) holding
 * every key/data pair, then each off-page value's overflow chain.
 */
function berkeleyHashFile(records: BerkeleyRecord[], options: { pageSize?: number; littleEndian?: boolean } = {}): Buffer {
  const pageSize = options.pageSize ?? 512;
  const le = options.littleEndian ?? true;
  const u16 = (b: Buffer, at: number, v: number) => (le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  const u32 = (b: Buffer, at: number, v: number) => (le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  const pages: Buffer[] = [Buffer.alloc(pageSize), Buffer.alloc(pageSize)];
  const items: Buffer[] = [];
  for (const record of records) {
    const key = Buffer.alloc(5);
    key[0] = 1;
    u32(key, 1, record.key);
    items.push(key);
    if (record.inline) {
      items.push(Buffer.concat([Buffer.from([1]), record.value]));
      continue;
    }
    const room = pageSize - 26;
    const first = pages.length;
    for (let at = 0; at < record.value.length; at += room) {
      const page = Buffer.alloc(pageSize);
      const chunk = record.value.subarray(at, at + room);
      const pgno = pages.length;
      u32(page, 8, pgno);
      u32(page, 16, at + room < record.value.length ? pgno + 1 : 0);
      u16(page, 22, chunk.length);
      page[25] = 7;
      chunk.copy(page, 26);
      pages.push(page);
    }
    const off = Buffer.alloc(12);
    off[0] = 3;
    u32(off, 4, first);
    u32(off, 8, record.value.length);
    items.push(off);
  }
  const hash = pages[1]!;
  let top = pageSize;
  items.forEach((item, i) => {
    top -= item.length;
    item.copy(hash, top);
    u16(hash, 26 + 2 * i, top);
  });
  if (top < 26 + 2 * items.length) throw new Error('test records do not fit on one hash page');
  u32(hash, 8, 1);
  u16(hash, 20, items.length);
  u16(hash, 22, top);
  hash[25] = 13;
  const meta = pages[0]!;
  u32(meta, 12, 0x061561);
  u32(meta, 16, 9);
  u32(meta, 20, pageSize);
  meta[25] = 8;
  u32(meta, 32, pages.length - 1);
  return Buffer.concat(pages);
}

function berkeleyValues(file: Buffer): Buffer[] {
  const values: Buffer[] = [];
  visitBerkeleyDbHashValues(file, (v) => values.push(Buffer.from(v)));
  return values;
}

describe('Berkeley DB Packages', () => {
  const BDB = 'var/lib/rpm/Packages';

  it('lists the packages of off-page and on-page records, skipping the counter record and gpg-pubkey', () => {
    const file = berkeleyHashFile([
      { key: 0, value: rpmHeader(tzdata), inline: false },
      { key: 1, value: rpmHeader(openssl) },
      { key: 2, value: rpmHeader(pubkey) },
      { key: 3, value: rpmHeader({ name: 'a', version: '1', release: '1' }, { region: false }), inline: true },
      { key: 4, value: rpmHeader(bash) },
    ]);
    expect(catalogRpm(new Map([[BDB, file]]))).toEqual([
      {
        ecosystem: 'rpm',
        name: 'openssl-libs',
        version: '1:3.0.7-27.el9',
        arch: 'x86_64',
        sourceName: 'openssl',
        sourceVersion: '1:3.0.7-27.el9',
        location: '/var/lib/rpm/Packages',
      },
      { ecosystem: 'rpm', name: 'a', version: '1-1', location: '/var/lib/rpm/Packages' },
      {
        ecosystem: 'rpm',
        name: 'bash',
        version: '5.1.8-9.el9',
        arch: 'x86_64',
        sourceName: 'bash',
        sourceVersion: '5.1.8-9.el9',
        location: '/var/lib/rpm/Packages',
      },
    ]);
  });

  it('reads big-endian files and other page sizes', () => {
    const records = [{ key: 1, value: rpmHeader(openssl) }, { key: 2, value: rpmHeader(bash) }];
    for (const options of [{ littleEndian: false }, { pageSize: 4096 }, { pageSize: 1024, littleEndian: false }]) {
      const values = berkeleyValues(berkeleyHashFile(records, options));
      expect(values.map((v) => parseRpmHeaderBlob(v)?.name)).toEqual(['openssl-libs', 'bash']);
    }
  });

  it('reads a value spanning many overflow pages byte for byte', () => {
    const value = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    expect(berkeleyValues(berkeleyHashFile([{ key: 1, value }]))).toEqual([value]);
  });

  it('rejects files that are not unencrypted, unchecksummed hash databases', () => {
    const good = berkeleyHashFile([{ key: 1, value: rpmHeader(bash) }]);
    expect(berkeleyValues(good)).toHaveLength(1);
    const mutations: Array<(b: Buffer) => void> = [
      (b) => b.writeUInt32LE(0x053162, 12), // btree magic
      (b) => b.writeUInt32LE(500, 20), // page size not a power of two
      (b) => b.writeUInt32LE(256, 20), // page size too small
      (b) => (b[24] = 1), // encrypted
      (b) => (b[25] = 9), // btree meta page
      (b) => (b[26] = 1), // page checksums
    ];
    for (const mutate of mutations) {
      const bad = Buffer.from(good);
      mutate(bad);
      expect(berkeleyValues(bad)).toEqual([]);
    }
    expect(berkeleyValues(good.subarray(0, 100))).toEqual([]);
  });

  it('skips overflow chains that loop, are shared, stop early or run past the file', () => {
    const value = rpmHeader(openssl);
    const pageSize = 512;
    const base = berkeleyHashFile([{ key: 1, value }, { key: 2, value: rpmHeader(bash) }], { pageSize });
    expect(berkeleyValues(base).map((v) => parseRpmHeaderBlob(v)?.name)).toEqual(['openssl-libs', 'bash']);
    // Page 2 starts openssl's chain; make it point to itself.
    const loop = Buffer.from(base);
    loop.writeUInt32LE(2, 2 * pageSize + 16);
    expect(berkeleyValues(loop).map((v) => parseRpmHeaderBlob(v)?.name)).toEqual(['bash']);
    // Point bash's record at openssl's chain too: only the first to reach it reads it.
    const shared = Buffer.from(base);
    const hashPage = shared.subarray(pageSize, 2 * pageSize);
    const bashItem = hashPage.readUInt16LE(26 + 2 * 3);
    hashPage.writeUInt32LE(2, bashItem + 4);
    hashPage.writeUInt32LE(value.length, bashItem + 8);
    expect(berkeleyValues(shared).map((v) => parseRpmHeaderBlob(v)?.name)).toEqual(['openssl-libs']);
    // Declared longer than the chain holds.
    const short = Buffer.from(base);
    const opensslItem = short.readUInt16LE(pageSize + 26 + 2 * 1);
    short.writeUInt32LE(value.length + 1, pageSize + opensslItem + 8);
    expect(berkeleyValues(short).map((v) => parseRpmHeaderBlob(v)?.name)).toEqual(['bash']);
    // A chain leading past the end of the file.
    const past = Buffer.from(base);
    past.writeUInt32LE(10_000, pageSize + opensslItem + 4);
    expect(berkeleyValues(past).map((v) => parseRpmHeaderBlob(v)?.name)).toEqual(['bash']);
  });

  it('never throws, whatever the bytes', () => {
    const valid = berkeleyHashFile([{ key: 1, value: rpmHeader(openssl) }, { key: 2, value: rpmHeader(bash), inline: true }], { pageSize: 512 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 16 }), (edits) => {
        const mutated = Buffer.from(valid);
        for (const [at, v] of edits) mutated[at] = v;
        catalogRpm(new Map([[BDB, mutated]]));
      }),
    );
  });
});
