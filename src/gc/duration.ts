const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A duration as a command line gives it (`--grace-period 24h`): a number with a unit (ms, s,
 * m, h, d, w), several in a row (`1h30m`), or 0. Resolves to milliseconds; throws on anything else.
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^0+$/.test(trimmed)) return 0;
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let end = 0;
  for (let match = part.exec(trimmed); match; match = part.exec(trimmed)) {
    total += Number(match[1]) * UNITS[match[2]!]!;
    end = part.lastIndex;
  }
  if (trimmed.length === 0 || end !== trimmed.length) {
    throw new Error(`invalid duration ${JSON.stringify(text)}: expected e.g. 0, 90s, 30m, 24h, 7d or 1h30m`);
  }
  return Math.round(total);
}
