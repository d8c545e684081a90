import type { IncomingHttpHeaders } from 'node:http';
import type { ByteRange } from '../../storage/blobs/blob-store.js';
import type { ChunkRange } from '../../registry/uploads.js';
import { RegistryError } from '../../registry/errors.js';

/** `Range: bytes=a-b`, `bytes=a-` or `bytes=-n` against a blob of `size` bytes; undefined to send it whole. */
export function parseRangeHeader(header: string | undefined, size: number): ByteRange | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined; // multi-range or malformed: send the whole blob
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) throw unsatisfiable(size);
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || start > end) throw unsatisfiable(size);
  return { start, end };
}

function unsatisfiable(size: number): RegistryError {
  return new RegistryError('RANGE_NOT_SATISFIABLE', `requested range not satisfiable for ${size} bytes`, { size });
}

/** The upload chunk's `Content-Range: start-end` (OCI form; `bytes ` prefix and `/total` tolerated). */
export function parseContentRange(header: string | undefined): ChunkRange | undefined {
  if (header === undefined) return undefined;
  const match = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!match) throw new RegistryError('RANGE_NOT_SATISFIABLE', `malformed Content-Range ${JSON.stringify(header)}`, {});
  return { start: Number(match[1]), end: Number(match[2]) };
}

export function contentLength(headers: IncomingHttpHeaders): number | undefined {
  const value = headers['content-length'];
  return value === undefined ? undefined : Number(value);
}

/** Whether the request carries a body (a length above zero, or chunked transfer). */
export function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = contentLength(headers);
  return (length !== undefined && length > 0) || (length === undefined && headers['transfer-encoding'] !== undefined);
}

/** Whether an Accept header admits `mediaType`; no header admits everything. */
export function accepts(acceptHeader: string | string[] | undefined, mediaType: string): boolean {
  const values = Array.isArray(acceptHeader) ? acceptHeader.join(',') : acceptHeader;
  if (!values || values.trim() === '') return true;
  const [type] = mediaType.split('/');
  return values.split(',').some((entry) => {
    const accepted = entry.split(';')[0]!.trim().toLowerCase();
    return accepted === mediaType || accepted === '*/*' || accepted === `${type}/*`;
  });
}

/** The `n` and `last` of a paginated list; `n` absent means "all" up to `defaultLimit`. */
export function parsePagination(query: URLSearchParams, defaultLimit: number, maxLimit: number): { limit: number; last?: string; explicit: boolean } {
  const n = query.get('n');
  const last = query.get('last') ?? undefined;
  if (n === null || n === '') return { limit: defaultLimit, last, explicit: false };
  if (!/^\d+$/.test(n)) throw new PaginationError(n);
  return { limit: Math.min(Number(n), maxLimit), last: last === '' ? undefined : last, explicit: true };
}

export class PaginationError extends Error {
  constructor(readonly value: string) {
    super(`invalid n=${value}`);
  }
}
