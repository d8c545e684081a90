import { AwsError } from './errors.js';

/**
 * `nextToken`s are opaque to clients: here, the position after which the next page starts,
 * encoded so that a client cannot mistake it for a name.
 */
export function encodeNextToken(position: string): string {
  return Buffer.from(JSON.stringify({ after: position }), 'utf8').toString('base64url');
}

export function decodeNextToken(token: unknown): string | undefined {
  if (token === undefined || token === null) return undefined;
  try {
    const decoded = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof decoded.after === 'string') return decoded.after;
  } catch {
    // answered below
  }
  throw new AwsError('InvalidParameterException', 'Invalid parameter at \'nextToken\' failed to satisfy constraint: \'The token is not valid\'');
}

/** One page out of `limit + 1` fetched rows: the rows to answer and the token for the rest. */
export function page<T>(rows: T[], limit: number, positionOf: (row: T) => string): { items: T[]; nextToken?: string } {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, nextToken: encodeNextToken(positionOf(items[items.length - 1]!)) };
}
