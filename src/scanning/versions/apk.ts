/**
 * Alpine (and other apk-based distributions') package versions, ordered as apk-tools orders them
 * (`src/version.c` of apk-tools 2.14 / 3.x).
 *
 * Syntax: `digits{.digits}...{letter}{_suffix{digits}}...{~hash}{-rN}`:
 * - one or more numeric components separated by `.`, the first one required;
 * - at most one lower-case letter right after the last numeric component (`1.2.3b`);
 * - any number of suffixes `_alpha`, `_beta`, `_pre`, `_rc` (pre-release) or `_cvs`, `_svn`,
 *   `_git`, `_hg`, `_p` (post-release), each optionally followed by a number;
 * - an optional commit hash `~` followed by lower-case hex digits;
 * - an optional package revision `-r` followed by digits.
 * Anything else (upper case, unknown suffixes, a letter after a suffix, `-r` without digits, …)
 * is invalid.
 *
 * Ordering walks both versions token by token while the token kinds agree:
 * - the first numeric component compares by value;
 * - later numeric components compare by value, unless either has a leading zero, in which case
 *   they compare as strings (so `1.01` < `1.1` and `8.2.0` < `8.2.001`, Gentoo-style);
 * - letters compare in ASCII order, suffixes in the order alpha < beta < pre < rc < (none) <
 *   cvs < svn < git < hg < p, suffix numbers and revisions by value, hashes as strings.
 * At the first point where the kinds differ, a pre-release suffix (`_alpha` … `_rc`) makes its
 * version the lower one; otherwise the kind that comes later in the list numeric component,
 * letter, suffix, suffix number, hash, revision, end is the lower one. So `1.2 < 1.2.1`,
 * `1.2_rc1 < 1.2 < 1.2_p1`, `1.2 < 1.2a`, and `1.2 < 1.2-r1`.
 */
import { compareCodeUnits, compareDigitRuns, defineVersionScheme, isAsciiDigit, type VersionScheme } from './scheme.js';

/** Token kinds in apk-tools' order: a later kind sorts lower when two versions part ways. */
const Kind = {
  InitialDigit: 0,
  Digit: 1,
  Letter: 2,
  Suffix: 3,
  SuffixNumber: 4,
  CommitHash: 5,
  Revision: 6,
  End: 7,
} as const;
type Kind = (typeof Kind)[keyof typeof Kind];

/** Suffix values; everything below `SUFFIX_NONE` (no suffix) is a pre-release. */
const SUFFIX_VALUES: ReadonlyMap<string, number> = new Map([
  ['alpha', 1],
  ['beta', 2],
  ['pre', 3],
  ['rc', 4],
  ['cvs', 6],
  ['svn', 7],
  ['git', 8],
  ['hg', 9],
  ['p', 10],
]);
const SUFFIX_NONE = 5;

interface ApkToken {
  kind: Kind;
  text: string;
  suffix?: number;
}

function takeWhile(text: string, from: number, accept: (c: string) => boolean): string {
  let end = from;
  while (end < text.length && accept(text[end]!)) end++;
  return text.slice(from, end);
}

const isLowerLetter = (c: string): boolean => c >= 'a' && c <= 'z';
const isLowerHex = (c: string): boolean => isAsciiDigit(c) || (c >= 'a' && c <= 'f');

function parseApkVersion(text: string): ApkToken[] | undefined {
  const first = takeWhile(text, 0, isAsciiDigit);
  if (first === '') return undefined;
  const tokens: ApkToken[] = [{ kind: Kind.InitialDigit, text: first }];
  let pos = first.length;
  let last: Kind = Kind.InitialDigit;

  while (pos < text.length) {
    const c = text[pos]!;
    let token: ApkToken;
    if (isLowerLetter(c)) {
      if (last > Kind.Digit) return undefined;
      token = { kind: Kind.Letter, text: c };
      pos++;
    } else if (c === '.' || isAsciiDigit(c)) {
      if (c === '.') {
        if (last > Kind.Digit) return undefined;
        pos++;
      }
      let kind: Kind;
      if (last === Kind.InitialDigit || last === Kind.Digit) kind = Kind.Digit;
      else if (last === Kind.Suffix) kind = Kind.SuffixNumber;
      else return undefined;
      const digits = takeWhile(text, pos, isAsciiDigit);
      if (digits === '') return undefined;
      token = { kind, text: digits };
      pos += digits.length;
    } else if (c === '_') {
      if (last > Kind.SuffixNumber) return undefined;
      const name = takeWhile(text, pos + 1, isLowerLetter);
      const suffix = SUFFIX_VALUES.get(name);
      if (suffix === undefined) return undefined;
      token = { kind: Kind.Suffix, text: name, suffix };
      pos += 1 + name.length;
    } else if (c === '~') {
      if (last >= Kind.CommitHash) return undefined;
      const hash = takeWhile(text, pos + 1, isLowerHex);
      if (hash === '') return undefined;
      token = { kind: Kind.CommitHash, text: hash };
      pos += 1 + hash.length;
    } else if (c === '-') {
      if (last >= Kind.Revision || text[pos + 1] !== 'r') return undefined;
      const digits = takeWhile(text, pos + 2, isAsciiDigit);
      if (digits === '') return undefined;
      token = { kind: Kind.Revision, text: digits };
      pos += 2 + digits.length;
    } else {
      return undefined;
    }
    tokens.push(token);
    last = token.kind;
  }
  return tokens;
}

function compareSameKind(a: ApkToken, b: ApkToken): number {
  switch (a.kind) {
    case Kind.Digit:
      if (a.text.startsWith('0') || b.text.startsWith('0')) return compareCodeUnits(a.text, b.text);
      return compareDigitRuns(a.text, b.text);
    case Kind.InitialDigit:
    case Kind.SuffixNumber:
    case Kind.Revision:
      return compareDigitRuns(a.text, b.text);
    case Kind.Suffix:
      return (a.suffix ?? 0) - (b.suffix ?? 0);
    default:
      return compareCodeUnits(a.text, b.text);
  }
}

const isPreReleaseSuffix = (t: ApkToken | undefined): boolean =>
  t !== undefined && t.kind === Kind.Suffix && (t.suffix ?? SUFFIX_NONE) < SUFFIX_NONE;

function compareApkVersions(a: ApkToken[], b: ApkToken[]): number {
  let i = 0;
  for (; i < a.length && i < b.length && a[i]!.kind === b[i]!.kind; i++) {
    const diff = compareSameKind(a[i]!, b[i]!);
    if (diff !== 0) return diff;
  }
  const ta = a[i];
  const tb = b[i];
  const kindA = ta?.kind ?? Kind.End;
  const kindB = tb?.kind ?? Kind.End;
  if (kindA === kindB) return 0;
  if (isPreReleaseSuffix(ta)) return -1;
  if (isPreReleaseSuffix(tb)) return 1;
  return kindA > kindB ? -1 : 1;
}

export const apkVersionScheme: VersionScheme = defineVersionScheme('apk', parseApkVersion, compareApkVersions);
