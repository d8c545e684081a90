/**
 * The build information a Go (1.18 and later) linker embeds in an executable, found by
 * streaming the file: the build info starts with the 14-byte magic `\xff Go buildinf:` at a
 * 16-byte-aligned file offset, followed by the pointer size (1 byte), flags (1 byte; bit 0x2
 * set when the strings follow inline) and padding to a 32-byte header; then two strings, each
 * a uvarint length and its bytes: the Go version (`go1.21.5`) and the module information,
 * framed by 16-byte sentinels.
 *
 * The scan keeps only the build info (the header and both strings, at most
 * `MAX_BUILD_INFO_SIZE` bytes) and a few bytes of overlap between chunks, so its memory does
 * not grow with the file. Only ELF files are searched (container images run Linux).
 *
 * Not covered: pre-1.18 binaries, whose header points at the strings in the data segment
 * instead of holding them (flags without 0x2): they are reported as such (the extract
 * rejects), not read; Mach-O and PE executables.
 */

export const BUILD_INFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
export const BUILD_INFO_ALIGN = 16;
export const BUILD_INFO_HEADER_SIZE = 32;
/** More than any real module list needs (a few hundred bytes per dependency). */
export const MAX_BUILD_INFO_SIZE = 4 * 1024 * 1024;

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const FLAG_INLINE_STRINGS = 0x2;
const MAX_UVARINT_BYTES = 10;

export class BuildInfoError extends Error {
  override name = 'BuildInfoError';
}

export interface GoBuildInfo {
  /** As the toolchain wrote it: `go1.21.5`, possibly followed by experiments (`go1.22.0 X:boringcrypto`). */
  goVersion: string;
  /** The module information text without its sentinels; '' when the binary has none. */
  modInfo: string;
}

type Uvarint = { value: number; size: number } | 'short' | 'invalid';

function readUvarint(buf: Uint8Array, at: number): Uvarint {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < MAX_UVARINT_BYTES; i++) {
    if (at + i >= buf.length) return 'short';
    const byte = buf[at + i]!;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return Number.isSafeInteger(value) ? { value, size: i + 1 } : 'invalid';
    scale *= 128;
  }
  return 'invalid';
}

/**
 * The length of the build info at the start of `buf` (which starts with the magic), or
 * undefined when more bytes are needed to tell. Throws a `BuildInfoError` for the pre-1.18
 * pointer format and for lengths that cannot be right.
 */
export function buildInfoLength(buf: Uint8Array): number | undefined {
  if (buf.length < BUILD_INFO_HEADER_SIZE) return undefined;
  if ((buf[15]! & FLAG_INLINE_STRINGS) === 0) throw new BuildInfoError('Go build info in the pre-1.18 pointer format is not read');
  let at = BUILD_INFO_HEADER_SIZE;
  for (let i = 0; i < 2; i++) {
    const length = readUvarint(buf, at);
    if (length === 'short') return undefined;
    if (length === 'invalid') throw new BuildInfoError('Go build info has an invalid string length');
    at += length.size + length.value;
    if (at > MAX_BUILD_INFO_SIZE) throw new BuildInfoError(`Go build info is over ${MAX_BUILD_INFO_SIZE} bytes`);
  }
  return at <= buf.length ? at : undefined;
}

/** The offset of the first magic at an aligned file offset (`base` is the file offset of `window[0]`), or -1. */
function findAlignedMagic(window: Buffer, base: number): number {
  for (let from = 0; ; ) {
    const i = window.indexOf(BUILD_INFO_MAGIC, from);
    if (i < 0) return -1;
    if ((base + i) % BUILD_INFO_ALIGN === 0) return i;
    from = i + 1;
  }
}

/**
 * Streams an executable and returns its build info bytes (magic, header and both strings),
 * or undefined for a file that is not ELF or has no build info. Throws a `BuildInfoError`
 * for build info it does not read (pre-1.18 format, truncated, oversized).
 */
export async function extractGoBuildInfo(content: AsyncIterable<Buffer | string>): Promise<Buffer | undefined> {
  let window: Buffer = Buffer.alloc(0); // bytes not yet ruled out, starting at file offset `base`
  let base = 0;
  let elfChecked = false;
  let parts: Buffer[] | undefined; // from the magic on, once seen
  let have = 0;
  let need: number | undefined; // the build info's length, once its header tells
  for await (const raw of content) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    if (parts) {
      parts.push(chunk);
      have += chunk.length;
    } else {
      window = window.length > 0 ? Buffer.concat([window, chunk]) : chunk;
      if (!elfChecked) {
        if (window.length < ELF_MAGIC.length) continue;
        if (!window.subarray(0, ELF_MAGIC.length).equals(ELF_MAGIC)) return undefined;
        elfChecked = true;
      }
      const at = findAlignedMagic(window, base);
      if (at < 0) {
        // Keep only what could still begin a magic that the next chunk completes.
        const keep = Math.min(window.length, BUILD_INFO_MAGIC.length - 1);
        base += window.length - keep;
        window = Buffer.from(window.subarray(window.length - keep));
        continue;
      }
      parts = [Buffer.from(window.subarray(at))]; // a copy: the chunk itself is not held
      have = parts[0]!.length;
      window = Buffer.alloc(0);
    }
    if (need === undefined) {
      const joined = Buffer.concat(parts);
      parts = [joined];
      need = buildInfoLength(joined);
      if (need === undefined && have > MAX_BUILD_INFO_SIZE) throw new BuildInfoError(`Go build info is over ${MAX_BUILD_INFO_SIZE} bytes`);
    }
    if (need !== undefined && have >= need) return Buffer.from(Buffer.concat(parts).subarray(0, need));
  }
  if (parts) throw new BuildInfoError('Go build info is cut short by the end of the file');
  return undefined;
}

/** The two strings of extracted build info; undefined for what is not build info in the inline format. Never throws. */
export function decodeGoBuildInfo(blob: Uint8Array): GoBuildInfo | undefined {
  if (blob.length < BUILD_INFO_HEADER_SIZE || !Buffer.from(blob.subarray(0, BUILD_INFO_MAGIC.length)).equals(BUILD_INFO_MAGIC)) return undefined;
  if ((blob[15]! & FLAG_INLINE_STRINGS) === 0) return undefined;
  const strings: Uint8Array[] = [];
  let at = BUILD_INFO_HEADER_SIZE;
  for (let i = 0; i < 2; i++) {
    const length = readUvarint(blob, at);
    if (typeof length === 'string' || at + length.size + length.value > blob.length) return undefined;
    at += length.size;
    strings.push(blob.subarray(at, at + length.value));
    at += length.value;
  }
  const [version, mod] = strings as [Uint8Array, Uint8Array];
  // The module text sits between two 16-byte sentinels and ends with a newline.
  const framed = mod.length >= 33 && mod[mod.length - 17] === 0x0a;
  return {
    goVersion: Buffer.from(version).toString('utf8'),
    modInfo: framed ? Buffer.from(mod.subarray(16, mod.length - 16)).toString('utf8') : '',
  };
}

/** Whether content is extracted build info (what `extractGoBuildInfo` returns). */
export function isGoBuildInfo(content: Uint8Array): boolean {
  return content.length >= BUILD_INFO_HEADER_SIZE && Buffer.from(content.subarray(0, BUILD_INFO_MAGIC.length)).equals(BUILD_INFO_MAGIC);
}
