/**
 * The contract every ecosystem's version ordering fulfils, and the pieces they share.
 *
 * A scheme is a parser (text → parsed form, or `undefined` for text the ecosystem's own tools
 * would reject) plus an ordering of parsed forms. {@link defineVersionScheme} turns the pair into
 * a comparison that is total over *all* strings and never throws:
 *
 * - two valid versions are ordered by the ecosystem's rules;
 * - every invalid version sorts before every valid one (so a junk installed version can never
 *   look "newer than the fix");
 * - two invalid versions are ordered by their UTF-16 code units, and are equal only when they are
 *   the same string.
 *
 * That keeps the comparison a total preorder (reflexive, antisymmetric in sign, transitive) as long
 * as each scheme's ordering of valid versions is one; callers that must not match on junk check
 * {@link VersionScheme.isValid} first.
 */
export interface VersionScheme {
  /** Short name of the ordering (e.g. `dpkg`, `pep440`). */
  readonly name: string;
  /** Negative, zero or positive as `a` sorts before, equal to, or after `b`. Never throws. */
  compare(a: string, b: string): number;
  /** Whether the ecosystem's own tools would accept `version`. */
  isValid(version: string): boolean;
}

/** -1, 0 or 1 from any number (NaN counts as 0). */
export function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Orders strings by UTF-16 code units (what `<` does on JS strings). */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Orders two runs of ASCII digits by numeric value, at any length: leading zeros are ignored,
 * then the longer run is larger, then the first differing digit decides.
 */
export function compareDigitRuns(a: string, b: string): number {
  const x = stripLeadingZeros(a);
  const y = stripLeadingZeros(b);
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return compareCodeUnits(x, y);
}

function stripLeadingZeros(digits: string): string {
  let i = 0;
  while (i < digits.length - 1 && digits.charCodeAt(i) === 0x30) i++;
  return digits.slice(i);
}

export function isAsciiDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

export function isAsciiLetter(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

/**
 * Builds a {@link VersionScheme} from a parser and an ordering of parsed versions, with the
 * handling of invalid text described in the module comment. `parse` and `compareParsed` may throw;
 * a throwing parse counts as invalid, and a throwing comparison falls back to code-unit order.
 */
export function defineVersionScheme<Parsed>(
  name: string,
  parse: (text: string) => Parsed | undefined,
  compareParsed: (a: Parsed, b: Parsed) => number,
): VersionScheme {
  const tryParse = (text: unknown): Parsed | undefined => {
    if (typeof text !== 'string') return undefined;
    try {
      return parse(text);
    } catch {
      return undefined;
    }
  };
  return {
    name,
    isValid: (version) => tryParse(version) !== undefined,
    compare(a, b) {
      const textA = typeof a === 'string' ? a : '';
      const textB = typeof b === 'string' ? b : '';
      const parsedA = tryParse(a);
      const parsedB = tryParse(b);
      if (parsedA === undefined || parsedB === undefined) {
        if (parsedA !== undefined) return 1;
        if (parsedB !== undefined) return -1;
        return compareCodeUnits(textA, textB);
      }
      try {
        return sign(compareParsed(parsedA, parsedB));
      } catch {
        return compareCodeUnits(textA, textB);
      }
    },
  };
}
