/**
 * Packagist (Composer) versions, ordered by PHP's `version_compare` as Composer's comparator uses
 * it, with a leading `v`/`V` (as in git tags such as `v2.3.4`) ignored.
 *
 * Syntax accepted: after the optional `v`, runs of ASCII alphanumerics joined by single `.`, `-`,
 * `_` or `+`, starting with a digit (`1.0.0`, `2.0.0-RC1`, `1.0.0-beta.2`, `1.0.x-dev`,
 * `5.4.1-p1`).
 *
 * `version_compare` first canonicalises: `-`, `_` and `+` become `.`, and a `.` is inserted at
 * every transition between digits and non-digits (`4.3.2RC1` → `4.3.2.RC.1`). Then it compares
 * the `.`-separated parts from the left:
 * - two numbers by value (PHP's own `strtol` saturates at the platform's long; here any length);
 * - otherwise by rank: a number ranks as `#`; a string ranks as the first of
 *   `dev` < `alpha` = `a` < `beta` = `b` < `RC` = `rc` < `#` < `pl` = `p` that is a prefix of it,
 *   and below `dev` when none is (all such strings are equal to each other). Matching is
 *   case-sensitive and by prefix, so `Dev` and `stable` are unknown and `patch` and `pre` rank as `p`.
 * When one side runs out of parts, the other side's next part decides: a number makes that side
 * greater (so `1.0` > `1`, as in PHP), a string compares against `#` (`1.0rc1` < `1.0` <
 * `1.0pl1`).
 *
 * Composer compares versions it has normalised, and its normalisation pads the leading
 * dot-separated numbers to four (`1.0` → `1.0.0.0`, `2.1-beta` → `2.1.0.0-beta`); that padding is
 * applied here, so `1.0` = `1.0.0` (bare `version_compare` would put `1.0` first). Composer's other
 * normalisations (renaming stability words, rejecting branch names) are not.
 */
import { compareDigitRuns, defineVersionScheme, isAsciiDigit, type VersionScheme } from './scheme.js';

const VERSION_PATTERN = /^[vV]?([0-9][0-9A-Za-z]*(?:[._+-][0-9A-Za-z]+)*)$/;
const RELEASE_NUMBERS = /^[0-9]+(?:\.[0-9]+)*/;
const COMPOSER_RELEASE_PARTS = 4;

/** The prefix table of PHP's `compare_special_version_forms`; the first matching entry wins. */
const SPECIAL_FORMS: ReadonlyArray<readonly [string, number]> = [
  ['dev', 0],
  ['alpha', 1],
  ['a', 1],
  ['beta', 2],
  ['b', 2],
  ['RC', 3],
  ['rc', 3],
  ['#', 4],
  ['pl', 5],
  ['p', 5],
];
const NUMBER_RANK = 4;

function parsePhpVersion(text: string): string[] | undefined {
  const match = VERSION_PATTERN.exec(text);
  if (!match) return undefined;
  const version = match[1]!;
  const parts = version.split(/[._+-]/).flatMap((part) => part.match(/[0-9]+|[^0-9]+/g) ?? []);
  const releaseParts = (RELEASE_NUMBERS.exec(version)?.[0] ?? '').split('.').length;
  const padding = Math.max(0, COMPOSER_RELEASE_PARTS - releaseParts);
  parts.splice(releaseParts, 0, ...Array<string>(padding).fill('0'));
  return parts;
}

function specialFormRank(part: string): number {
  for (const [prefix, rank] of SPECIAL_FORMS) if (part.startsWith(prefix)) return rank;
  return -1;
}

const rank = (part: string): number => (isAsciiDigit(part[0]) ? NUMBER_RANK : specialFormRank(part));

function compareParts(a: string, b: string): number {
  if (isAsciiDigit(a[0]) && isAsciiDigit(b[0])) return compareDigitRuns(a, b);
  return rank(a) - rank(b);
}

/** How the longer version's first extra part compares with the end of the shorter one. */
function compareExtraPart(part: string): number {
  return isAsciiDigit(part[0]) ? 1 : specialFormRank(part) - NUMBER_RANK;
}

function comparePhpVersions(a: string[], b: string[]): number {
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i++) {
    const diff = compareParts(a[i]!, b[i]!);
    if (diff !== 0) return diff;
  }
  if (a.length > common) return compareExtraPart(a[common]!);
  if (b.length > common) return -compareExtraPart(b[common]!);
  return 0;
}

export const packagistVersionScheme: VersionScheme = defineVersionScheme('packagist', parsePhpVersion, comparePhpVersions);
