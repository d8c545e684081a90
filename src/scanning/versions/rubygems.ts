/**
 * RubyGems versions, ordered as `Gem::Version#<=>` orders them.
 *
 * Syntax (`Gem::Version::VERSION_PATTERN`): digits, then any number of `.`-separated runs of ASCII
 * alphanumerics, then optionally `-` followed by `.`-separated runs of alphanumerics and `-`;
 * surrounding whitespace is ignored. (RubyGems reads a blank string as `0`; here a blank string is
 * invalid.) Every `-` is read as `.pre.`, so `1.0.0-1` is the pre-release `1.0.0.pre.1`.
 *
 * Segments are the maximal runs of digits (numbers, compared by value at any length) and of ASCII
 * letters (strings, compared byte by byte, so case matters and `A` < `a`); other characters only
 * separate. A version with a letter anywhere is a pre-release.
 *
 * Canonical segments drop trailing zeros from the numeric part before the first string segment
 * and from the rest, so `1.0.a.1.0` → `[1, "a", 1]` and `1.0` equals `1`. Two versions compare
 * segment by segment, the shorter padded with `0`; a string segment sorts before any number. So
 * `0.9 < 1.0.a.2 < 1.0.b1 < 1.0 < 1.0.1`.
 *
 * Recent RubyGems development versions make a `-` before a letter an ordinary `.`; this module
 * follows the long-standing released rule above.
 */
import { compareCodeUnits, compareDigitRuns, defineVersionScheme, isAsciiDigit, type VersionScheme } from './scheme.js';

type Segment = string;

const RUBY_SPACE = '[ \\t\\n\\v\\f\\r]*';
const VERSION_PATTERN = new RegExp(
  `^${RUBY_SPACE}([0-9]+(?:\\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?)${RUBY_SPACE}$`,
);

const isNumberSegment = (s: Segment): boolean => isAsciiDigit(s[0]);
const isZero = (s: Segment): boolean => /^0+$/.test(s);

function dropTrailingZeros(segments: Segment[]): Segment[] {
  let end = segments.length;
  while (end > 0 && isZero(segments[end - 1]!)) end--;
  return segments.slice(0, end);
}

function parseGemVersion(text: string): Segment[] | undefined {
  const match = VERSION_PATTERN.exec(text);
  if (!match) return undefined;
  const version = match[1]!.replaceAll('-', '.pre.');
  const segments = version.match(/[0-9]+|[a-z]+/gi) ?? [];
  const firstString = segments.findIndex((s) => !isNumberSegment(s));
  const split = firstString === -1 ? segments.length : firstString;
  return [...dropTrailingZeros(segments.slice(0, split)), ...dropTrailingZeros(segments.slice(split))];
}

function compareSegments(a: Segment, b: Segment): number {
  const numberA = isNumberSegment(a);
  const numberB = isNumberSegment(b);
  if (numberA && numberB) return compareDigitRuns(a, b);
  if (numberA !== numberB) return numberA ? 1 : -1;
  return compareCodeUnits(a, b);
}

function compareGemVersions(a: Segment[], b: Segment[]): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const diff = compareSegments(a[i] ?? '0', b[i] ?? '0');
    if (diff !== 0) return diff;
  }
  return 0;
}

export const rubygemsVersionScheme: VersionScheme = defineVersionScheme('rubygems', parseGemVersion, compareGemVersions);
