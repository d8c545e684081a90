/**
 * Maven versions, ordered per the POM reference's "Version Order Specification"
 * (https://maven.apache.org/pom.html#version-order-specification), the rules Maven's
 * `ComparableVersion` implements.
 *
 * Parsing:
 * 1. The version is lower-cased and split into tokens at `.`, at `-`, and at every transition
 *    between ASCII digits and other characters; a transition counts as a `-`. Each token keeps the
 *    separator before it (the first token counts as `.`). Empty tokens become `0`.
 * 2. Tokens of digits are numbers (compared by value, any length); others are qualifiers.
 *    `a`, `b` and `m` directly followed by digits mean `alpha`, `beta` and `milestone`; `cr`
 *    means `rc`; `ga`, `final` and `release` mean the empty qualifier (a plain release).
 * 3. "Null" tokens (the number 0 and the empty qualifier) are trimmed from the end, and again
 *    from the end of what precedes each remaining hyphen, working from the end to the start:
 *    `1.0.0` → `1`, `1.0.0-foo.0.0` → `1-foo`, `1-ga-1` → `1-1`. A qualifier counts as
 *    hyphen-separated here whatever its separator (`.qualifier` = `-qualifier`, below), so
 *    `2.0.0.rc1` → `2-rc-1`.
 *
 * Ordering is lexicographic over the token lists, the shorter one padded with the empty
 * qualifier. Tokens order as
 *   qualifier < `-`number < `.`number,
 * with `.qualifier` = `-qualifier`, numbers by value, and qualifiers as
 *   alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp < any other
 *   qualifier (those in code-unit order).
 * So `1-snapshot < 1 < 1-sp < 1-foo < 1-1 < 1.1`, and `1.0.0.RC1 = 1-rc-1 < 1`.
 *
 * Where the implementation and the specification part ways the specification is followed; in
 * particular a `ga`/`final`/`release` qualifier followed by a hyphen is trimmed like any other
 * null (`1.0.final-redhat` = `1-redhat`), and a qualifier is never shorthand for
 * alpha/beta/milestone across a separator (`1-a-1` has the unknown qualifier `a`).
 *
 * Maven accepts any string; here a version is valid when it is non-empty, at most 256 characters
 * (Maven 4's limit) and free of whitespace and control characters.
 */
import { compareCodeUnits, compareDigitRuns, defineVersionScheme, isAsciiDigit, type VersionScheme } from './scheme.js';

type MavenToken =
  | { kind: 'number'; separator: '.' | '-'; digits: string }
  | { kind: 'qualifier'; name: string };

const KNOWN_QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const QUALIFIER_ALIASES: ReadonlyMap<string, string> = new Map([
  ['cr', 'rc'],
  ['ga', ''],
  ['final', ''],
  ['release', ''],
]);
const SHORTHANDS_BEFORE_DIGITS: ReadonlyMap<string, string> = new Map([
  ['a', 'alpha'],
  ['b', 'beta'],
  ['m', 'milestone'],
]);
const MAX_LENGTH = 256;
const RELEASE: MavenToken = { kind: 'qualifier', name: '' };

interface RawToken {
  separator: '.' | '-';
  text: string;
  followedByDigits: boolean;
}

function splitMavenVersion(lower: string): RawToken[] {
  const raw: RawToken[] = [];
  let separator: '.' | '-' = '.';
  for (const piece of lower.split(/([.-])/)) {
    if (piece === '.' || piece === '-') {
      separator = piece;
      continue;
    }
    if (piece === '') {
      raw.push({ separator, text: '0', followedByDigits: false });
      continue;
    }
    const runs = piece.match(/[0-9]+|[^0-9]+/g) ?? [];
    runs.forEach((text, index) => {
      raw.push({
        separator: index === 0 ? separator : '-',
        text,
        followedByDigits: index + 1 < runs.length,
      });
    });
  }
  return raw;
}

function toToken({ separator, text, followedByDigits }: RawToken): MavenToken {
  if (isAsciiDigit(text[0])) return { kind: 'number', separator, digits: text };
  const shorthand = followedByDigits ? SHORTHANDS_BEFORE_DIGITS.get(text) : undefined;
  return { kind: 'qualifier', name: shorthand ?? QUALIFIER_ALIASES.get(text) ?? text };
}

const isNullToken = (t: MavenToken): boolean =>
  t.kind === 'number' ? /^0+$/.test(t.digits) : t.name === '';

/** A qualifier counts as hyphen-separated (`.q` = `-q`), so it also starts a trimming segment. */
const startsHyphenSegment = (t: MavenToken): boolean => t.kind === 'qualifier' || t.separator === '-';

function trimNullTokens(tokens: MavenToken[]): MavenToken[] {
  const kept = [...tokens];
  let i = kept.length - 1;
  while (i >= 0) {
    if (isNullToken(kept[i]!)) {
      kept.splice(i, 1);
      i--;
      continue;
    }
    while (i >= 0 && !startsHyphenSegment(kept[i]!)) i--;
    i--;
  }
  return kept;
}

function parseMavenVersion(text: string): MavenToken[] | undefined {
  if (text === '' || text.length > MAX_LENGTH || /[\s\p{Cc}]/u.test(text)) return undefined;
  return trimNullTokens(splitMavenVersion(text.toLowerCase()).map(toToken));
}

function qualifierRank(name: string): number {
  const rank = KNOWN_QUALIFIERS.indexOf(name);
  return rank === -1 ? KNOWN_QUALIFIERS.length : rank;
}

/** qualifier (0) < `-`number (1) < `.`number (2). */
function tokenClass(t: MavenToken): number {
  if (t.kind === 'qualifier') return 0;
  return t.separator === '-' ? 1 : 2;
}

function compareTokens(a: MavenToken, b: MavenToken): number {
  const byClass = tokenClass(a) - tokenClass(b);
  if (byClass !== 0) return byClass;
  if (a.kind === 'number' && b.kind === 'number') return compareDigitRuns(a.digits, b.digits);
  if (a.kind === 'qualifier' && b.kind === 'qualifier') {
    const rankA = qualifierRank(a.name);
    const rankB = qualifierRank(b.name);
    if (rankA !== rankB) return rankA - rankB;
    return rankA === KNOWN_QUALIFIERS.length ? compareCodeUnits(a.name, b.name) : 0;
  }
  return 0;
}

function compareMavenVersions(a: MavenToken[], b: MavenToken[]): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const diff = compareTokens(a[i] ?? RELEASE, b[i] ?? RELEASE);
    if (diff !== 0) return diff;
  }
  return 0;
}

export const mavenVersionScheme: VersionScheme = defineVersionScheme('maven', parseMavenVersion, compareMavenVersions);
