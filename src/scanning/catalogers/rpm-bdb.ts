/**
 * Header blobs from the Berkeley DB hash database rpm used before 4.16,
 * `/var/lib/rpm/Packages` (Amazon Linux 2, RHEL/CentOS 7 and 8). Each record's key is a
 * package's 4-byte instance number and its data the package's header blob; the record with
 * key 0 holds rpm's next-instance counter and is skipped.
 *
 * Layout read (Berkeley DB's db_page.h), integers in the byte order of the machine that
 * created the file, told by how the magic number reads:
 * - Page 0, the hash meta page: magic 0x061561 at byte 12, page size at 20, encryption
 *   algorithm at 24 (non-zero: encrypted, not read), page type 8 at 25, meta flags at 26
 *   (flag 1, page checksums, moves item offsets; such files are not read).
 * - Every page: a 26-byte header with the next page number at 16, the entry count at 20,
 *   the high free offset at 22 and the page type at 25.
 * - Hash pages (type 13; type 2 on older versions): after the header, `entries` 2-byte
 *   item offsets, in key/data pairs. An item starts with its type byte: 1 KEYDATA, whose
 *   bytes run to the previous item's offset (the page end for item 0); 3 OFFPAGE, 12 bytes
 *   with the first overflow page number at 4 and the item's total length at 8. Duplicate
 *   items (types 2 and 4) do not occur in rpm's Packages and are skipped.
 * - Overflow pages (type 7): `high free offset` bytes of the item after the header; the
 *   next page field links the chain, 0 ends it.
 *
 * Pages are visited in file order and every hash page's pairs read, which finds each record
 * once without following the bucket structure (freed pages are not hash pages).
 *
 * Bounds: the page size must be a power of two from 512 to 65536; only pages inside the
 * file are read; item offsets must lie inside their page; an overflow page serves one chain
 * only (a page reached twice ends that chain), so all chains together read each page at
 * most once; a chain must add up to exactly its item's declared length, at most
 * MAX_HEADER_BLOB_BYTES. A malformed item is skipped; nothing throws.
 */
import { MAX_HEADER_BLOB_BYTES } from './rpm-header.js';

const HASH_MAGIC = 0x061561;
const PAGE_HEADER_BYTES = 26;
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_HASH = 13;
const H_KEYDATA = 1;
const H_OFFPAGE = 3;
const HOFFPAGE_BYTES = 12;
const DBMETA_CHKSUM = 0x01;

interface Layout {
  file: Buffer;
  littleEndian: boolean;
  pageSize: number;
  pageCount: number;
}

function u16(layout: Layout, at: number): number {
  return layout.littleEndian ? layout.file.readUInt16LE(at) : layout.file.readUInt16BE(at);
}

function u32(layout: Layout, at: number): number {
  return layout.littleEndian ? layout.file.readUInt32LE(at) : layout.file.readUInt32BE(at);
}

function readLayout(file: Buffer): Layout | undefined {
  if (file.length < 512) return undefined;
  let littleEndian: boolean;
  if (file.readUInt32LE(12) === HASH_MAGIC) littleEndian = true;
  else if (file.readUInt32BE(12) === HASH_MAGIC) littleEndian = false;
  else return undefined;
  const pageSize = littleEndian ? file.readUInt32LE(20) : file.readUInt32BE(20);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return undefined;
  if (file[24] !== 0 || file[25] !== P_HASHMETA || (file[26]! & DBMETA_CHKSUM) !== 0) return undefined;
  return { file, littleEndian, pageSize, pageCount: Math.floor(file.length / pageSize) };
}

/** The bytes of an overflow chain, or undefined when the chain is malformed. */
function readOverflowChain(layout: Layout, first: number, length: number, usedPages: Uint8Array): Buffer | undefined {
  if (length > MAX_HEADER_BLOB_BYTES || length > layout.file.length) return undefined;
  const chunks: Buffer[] = [];
  let total = 0;
  for (let pgno = first; pgno !== 0; ) {
    if (pgno >= layout.pageCount || usedPages[pgno]) return undefined;
    usedPages[pgno] = 1;
    const start = pgno * layout.pageSize;
    if (layout.file[start + 25] !== P_OVERFLOW) return undefined;
    const size = u16(layout, start + 22);
    if (PAGE_HEADER_BYTES + size > layout.pageSize || total + size > length) return undefined;
    chunks.push(layout.file.subarray(start + PAGE_HEADER_BYTES, start + PAGE_HEADER_BYTES + size));
    total += size;
    pgno = u32(layout, start + 16);
  }
  return total === length ? Buffer.concat(chunks, total) : undefined;
}

/** Offset and end (exclusive) of item `index` on the page starting at `start`, or undefined. */
function itemBounds(layout: Layout, start: number, entries: number, index: number): [number, number] | undefined {
  const firstFree = PAGE_HEADER_BYTES + 2 * entries;
  const offset = u16(layout, start + PAGE_HEADER_BYTES + 2 * index);
  const end = index === 0 ? layout.pageSize : u16(layout, start + PAGE_HEADER_BYTES + 2 * (index - 1));
  if (offset < firstFree || end > layout.pageSize || end <= offset) return undefined;
  return [start + offset, start + end];
}

function isCounterKey(layout: Layout, key: [number, number] | undefined): boolean {
  if (!key) return false;
  const [at, end] = key;
  return layout.file[at] === H_KEYDATA && end - at === 5 && u32(layout, at + 1) === 0;
}

function readValue(layout: Layout, value: [number, number], usedPages: Uint8Array): Buffer | undefined {
  const [at, end] = value;
  const type = layout.file[at];
  if (type === H_KEYDATA) return layout.file.subarray(at + 1, end);
  if (type !== H_OFFPAGE || end - at < HOFFPAGE_BYTES) return undefined;
  return readOverflowChain(layout, u32(layout, at + 4), u32(layout, at + 8), usedPages);
}

/** Calls `visit` with each record's data in a Berkeley DB hash file (rpm's Packages). Never throws. */
export function visitBerkeleyDbHashValues(file: Buffer, visit: (value: Buffer) => void): void {
  const layout = readLayout(file);
  if (!layout) return;
  const usedPages = new Uint8Array(layout.pageCount);
  for (let pgno = 1; pgno < layout.pageCount; pgno++) {
    const start = pgno * layout.pageSize;
    const type = file[start + 25];
    if (type !== P_HASH && type !== P_HASH_UNSORTED) continue;
    const entries = u16(layout, start + 20);
    if (entries % 2 !== 0 || PAGE_HEADER_BYTES + 2 * entries > layout.pageSize) continue;
    for (let index = 0; index < entries; index += 2) {
      const value = itemBounds(layout, start, entries, index + 1);
      if (!value || isCounterKey(layout, itemBounds(layout, start, entries, index))) continue;
      const content = readValue(layout, value, usedPages);
      if (content) visit(content);
    }
  }
}
