/**
 * rpm package headers in the "header blob" form rpm keeps in its databases (one blob per
 * installed package), all integers big-endian:
 *
 *   il: uint32   number of index entries
 *   dl: uint32   length of the data store in bytes
 *   il × 16-byte index entries: tag uint32, type uint32, offset int32 (into the data store), count uint32
 *   dl bytes of data store
 *
 * The first entry may be a region tag (61–63, usually 63 HEADERIMMUTABLE) describing which
 * entries were signed; it is an ordinary BIN entry here and not interpreted. When a tag
 * occurs more than once the last entry wins, as rpm lets entries after the immutable
 * region replace those inside it. STRING data is NUL-terminated UTF-8; INT32 data is a
 * big-endian uint32.
 *
 * A blob is rejected (undefined, never an exception) when it is shorter than its own il/dl
 * say, when il is 0 or above rpm's 65535, when dl is above MAX_HEADER_DATA_BYTES, when any
 * entry has an unknown type or an offset outside the data store, or when NAME, VERSION or
 * RELEASE is missing or malformed. The work is one pass over the index entries, which the
 * blob's own length bounds.
 */

export const RPMTAG_NAME = 1000;
export const RPMTAG_VERSION = 1001;
export const RPMTAG_RELEASE = 1002;
export const RPMTAG_EPOCH = 1003;
export const RPMTAG_ARCH = 1022;
export const RPMTAG_SOURCERPM = 1044;

const RPM_INT32_TYPE = 4;
const RPM_STRING_TYPE = 6;
/** Types 0 (NULL) to 9 (I18NSTRING) are the ones rpm defines. */
const RPM_MAX_TYPE = 9;

/** rpm's own limit on index entries (HEADER_TAGS_MAX). */
export const MAX_HEADER_INDEX_ENTRIES = 0xffff;
/** Larger than any real package header (file lists included), far below rpm's 256 MiB. */
export const MAX_HEADER_DATA_BYTES = 32 * 1024 * 1024;

const PREAMBLE_BYTES = 8;
const ENTRY_BYTES = 16;

/** The longest blob the limits above allow; databases skip longer ones unread. */
export const MAX_HEADER_BLOB_BYTES = PREAMBLE_BYTES + ENTRY_BYTES * MAX_HEADER_INDEX_ENTRIES + MAX_HEADER_DATA_BYTES;

/** The fields of a package header the catalogers use. */
export interface RpmHeaderFields {
  name: string;
  version: string;
  release: string;
  /** Present only when the header has an EPOCH entry (0 included). */
  epoch?: number;
  arch?: string;
  /** The source package's file name, `name-version-release.src.rpm`. */
  sourceRpm?: string;
}

interface IndexEntry {
  type: number;
  offset: number;
  count: number;
}

const utf8 = new TextDecoder('utf-8');

const WANTED_TAGS = new Set([RPMTAG_NAME, RPMTAG_VERSION, RPMTAG_RELEASE, RPMTAG_EPOCH, RPMTAG_ARCH, RPMTAG_SOURCERPM]);

function readString(data: Uint8Array, entry: IndexEntry | undefined): string | undefined {
  if (!entry || entry.type !== RPM_STRING_TYPE || entry.count !== 1) return undefined;
  const end = data.indexOf(0, entry.offset);
  if (end < 0) return undefined;
  return utf8.decode(data.subarray(entry.offset, end));
}

function readInt32(data: Uint8Array, entry: IndexEntry | undefined): number | undefined {
  if (!entry || entry.type !== RPM_INT32_TYPE || entry.count < 1 || entry.offset + 4 > data.length) return undefined;
  return new DataView(data.buffer, data.byteOffset + entry.offset, 4).getUint32(0, false);
}

/** The package fields of a header blob, or undefined when the blob is not a usable header. */
export function parseRpmHeaderBlob(blob: Uint8Array): RpmHeaderFields | undefined {
  if (blob.length < PREAMBLE_BYTES) return undefined;
  const view = new DataView(blob.buffer, blob.byteOffset, blob.length);
  const il = view.getUint32(0, false);
  const dl = view.getUint32(4, false);
  if (il < 1 || il > MAX_HEADER_INDEX_ENTRIES || dl > MAX_HEADER_DATA_BYTES) return undefined;
  const dataStart = PREAMBLE_BYTES + il * ENTRY_BYTES;
  if (dataStart + dl > blob.length) return undefined;
  const data = blob.subarray(dataStart, dataStart + dl);

  const entries = new Map<number, IndexEntry>();
  for (let i = 0; i < il; i++) {
    const at = PREAMBLE_BYTES + i * ENTRY_BYTES;
    const tag = view.getUint32(at, false);
    const type = view.getUint32(at + 4, false);
    const offset = view.getInt32(at + 8, false);
    const count = view.getUint32(at + 12, false);
    if (type > RPM_MAX_TYPE || offset < 0 || offset >= dl) return undefined;
    if (WANTED_TAGS.has(tag)) entries.set(tag, { type, offset, count });
  }

  const name = readString(data, entries.get(RPMTAG_NAME));
  const version = readString(data, entries.get(RPMTAG_VERSION));
  const release = readString(data, entries.get(RPMTAG_RELEASE));
  if (!name || !version || !release) return undefined;
  const fields: RpmHeaderFields = { name, version, release };
  const epoch = readInt32(data, entries.get(RPMTAG_EPOCH));
  if (epoch !== undefined) fields.epoch = epoch;
  const arch = readString(data, entries.get(RPMTAG_ARCH));
  if (arch) fields.arch = arch;
  const sourceRpm = readString(data, entries.get(RPMTAG_SOURCERPM));
  if (sourceRpm) fields.sourceRpm = sourceRpm;
  return fields;
}
