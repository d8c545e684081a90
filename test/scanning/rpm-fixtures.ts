/** rpm databases built in tests: header blobs encoded as rpm writes them, and rpmdb.sqlite files holding them. */
import Database from 'better-sqlite3';
import { type RpmHeaderFields, RPMTAG_ARCH, RPMTAG_EPOCH, RPMTAG_NAME, RPMTAG_RELEASE, RPMTAG_SOURCERPM, RPMTAG_VERSION } from '../../src/scanning/catalogers/rpm-header.js';

export const RPM_INT32_TYPE = 4;
export const RPM_STRING_TYPE = 6;
export const RPM_BIN_TYPE = 7;
export const RPMTAG_HEADERIMMUTABLE = 63;

export type HeaderEntry =
  | { tag: number; string: string }
  | { tag: number; int32: number }
  | { tag: number; type: number; count: number; raw: Buffer; offset?: number };

/**
 * A header blob as rpm stores it: il, dl, the index entries (16 bytes each, big-endian),
 * then the data store. With `region`, an immutable-region entry comes first and its
 * 16-byte trailer closes the data store, as in installed headers.
 */
export function encodeHeader(entries: HeaderEntry[], options: { region?: boolean } = {}): Buffer {
  const index: Array<{ tag: number; type: number; offset: number; count: number }> = [];
  const chunks: Buffer[] = [];
  let size = 0;
  const append = (bytes: Buffer, align = 1): number => {
    const pad = (align - (size % align)) % align;
    if (pad > 0) {
      chunks.push(Buffer.alloc(pad));
      size += pad;
    }
    const at = size;
    chunks.push(bytes);
    size += bytes.length;
    return at;
  };
  for (const entry of entries) {
    if ('string' in entry) {
      const offset = append(Buffer.from(`${entry.string}\0`, 'utf8'));
      index.push({ tag: entry.tag, type: RPM_STRING_TYPE, offset, count: 1 });
    } else if ('int32' in entry) {
      const bytes = Buffer.alloc(4);
      bytes.writeUInt32BE(entry.int32);
      const offset = append(bytes, 4);
      index.push({ tag: entry.tag, type: RPM_INT32_TYPE, offset, count: 1 });
    } else {
      const offset = append(entry.raw);
      index.push({ tag: entry.tag, type: entry.type, offset: entry.offset ?? offset, count: entry.count });
    }
  }
  const il = index.length + (options.region ? 1 : 0);
  if (options.region) {
    const trailer = Buffer.alloc(16);
    trailer.writeUInt32BE(RPMTAG_HEADERIMMUTABLE, 0);
    trailer.writeUInt32BE(RPM_BIN_TYPE, 4);
    trailer.writeInt32BE(-il * 16, 8);
    trailer.writeUInt32BE(16, 12);
    const offset = append(trailer);
    index.unshift({ tag: RPMTAG_HEADERIMMUTABLE, type: RPM_BIN_TYPE, offset, count: 16 });
  }
  const preamble = Buffer.alloc(8 + 16 * il);
  preamble.writeUInt32BE(il, 0);
  preamble.writeUInt32BE(size, 4);
  index.forEach((e, i) => {
    preamble.writeUInt32BE(e.tag, 8 + 16 * i);
    preamble.writeUInt32BE(e.type, 12 + 16 * i);
    preamble.writeInt32BE(e.offset, 16 + 16 * i);
    preamble.writeUInt32BE(e.count, 20 + 16 * i);
  });
  return Buffer.concat([preamble, ...chunks]);
}

/** A package as its header holds it. */
export type TestPackage = RpmHeaderFields;

export function rpmHeader(p: TestPackage, options: { region?: boolean } = { region: true }): Buffer {
  const entries: HeaderEntry[] = [
    { tag: RPMTAG_NAME, string: p.name },
    { tag: RPMTAG_VERSION, string: p.version },
    { tag: RPMTAG_RELEASE, string: p.release },
  ];
  if (p.epoch !== undefined) entries.push({ tag: RPMTAG_EPOCH, int32: p.epoch });
  if (p.arch !== undefined) entries.push({ tag: RPMTAG_ARCH, string: p.arch });
  if (p.sourceRpm !== undefined) entries.push({ tag: RPMTAG_SOURCERPM, string: p.sourceRpm });
  return encodeHeader(entries, options);
}

export const RPMDB_SCHEMA = "CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)";

/** A serialized rpmdb.sqlite holding these values in Packages.blob, in order. */
export function sqliteRpmdb(values: Array<Buffer | string>, setup?: (db: Database.Database) => void): Buffer {
  const db = new Database(':memory:');
  if (setup) setup(db);
  else db.exec(RPMDB_SCHEMA);
  if (values.length > 0) {
    const insert = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
    db.transaction(() => values.forEach((v) => insert.run(v)))();
  }
  const bytes = db.serialize();
  db.close();
  return bytes;
}
