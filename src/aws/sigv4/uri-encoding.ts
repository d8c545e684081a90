/**
 * RFC 3986 percent-encoding as SigV4 uses it: every byte of the UTF-8 form is encoded
 * except the unreserved characters `A-Z a-z 0-9 - . _ ~`, with upper-case hex digits.
 * Decoding works on bytes too, so canonicalising a component (decode, then encode) is
 * lossless whatever the client sent: invalid escapes and raw bytes survive unchanged.
 */

const HEX = '0123456789ABCDEF';
const SLASH = 0x2f;

function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) || // A-Z
    (byte >= 0x61 && byte <= 0x7a) || // a-z
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    byte === 0x2d || // -
    byte === 0x2e || // .
    byte === 0x5f || // _
    byte === 0x7e // ~
  );
}

/** Percent-encodes bytes; with `keepSlash`, `/` stays as it is (for paths). */
export function uriEncodeBytes(bytes: Uint8Array, keepSlash = false): string {
  let out = '';
  for (const byte of bytes) {
    if (isUnreserved(byte) || (keepSlash && byte === SLASH)) out += String.fromCharCode(byte);
    else out += '%' + HEX[byte >> 4] + HEX[byte & 0x0f];
  }
  return out;
}

/** Percent-encodes the UTF-8 form of a string. */
export function uriEncode(value: string, keepSlash = false): string {
  return uriEncodeBytes(Buffer.from(value, 'utf8'), keepSlash);
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  return -1;
}

/** Decodes `%XX` escapes into bytes; anything else (including a stray `%`) is kept as its UTF-8 bytes. */
export function percentDecodeBytes(value: string): Buffer {
  const input = Buffer.from(value, 'utf8');
  const output = Buffer.alloc(input.length);
  let length = 0;
  for (let i = 0; i < input.length; i++) {
    const byte = input[i]!;
    if (byte === 0x25 && i + 2 < input.length) {
      const high = hexValue(input[i + 1]!);
      const low = hexValue(input[i + 2]!);
      if (high >= 0 && low >= 0) {
        output[length++] = (high << 4) | low;
        i += 2;
        continue;
      }
    }
    output[length++] = byte;
  }
  return output.subarray(0, length);
}

/** Decodes `%XX` escapes and reads the result as UTF-8. */
export function percentDecode(value: string): string {
  return percentDecodeBytes(value).toString('utf8');
}
