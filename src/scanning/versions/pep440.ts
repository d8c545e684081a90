/**
 * PyPI versions, ordered per PEP 440 ("Version Identification and Dependency Specification"),
 * computed with `@renovatebot/pep440` (v4 API).
 *
 * Syntax `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, with PEP 440's normalisations: case is
 * ignored, `alpha`/`beta`/`c`/`pre`/`preview` spell `a`/`b`/`rc`, `rev`/`r`/`-N` spell `.post`,
 * separators `.`/`-`/`_` around suffixes are optional, implicit numbers are 0, a leading `v` and
 * surrounding whitespace are ignored.
 *
 * Ordering: epoch; then the release numbers (trailing zeros ignored, so `1.0` = `1.0.0`); then
 * `.devN` of a plain release < pre-releases (a < b < rc, then their numbers, a pre-release's own
 * `.devN` just below it and `.postN` just above) < the release < `.postN` releases (their `.devN`
 * just below them). Among otherwise equal versions, no local label < any local label; local labels
 * compare segment by segment (split at `.`, `-`, `_`): numeric segments by value and above
 * alphanumeric ones, alphanumeric ones case-insensitively, and a label that extends another is
 * greater. So `1.0.dev456 < 1.0a1 < 1.0b2.post345 < 1.0rc1 < 1.0 < 1.0+abc.5 < 1.0+5 <
 * 1.0.post456.dev34 < 1.0.post456 < 1.1.dev1`.
 *
 * The public part is compared by the library; local labels are compared here, because the library
 * reads segments like `1e3` or `0x1` as numbers. The library holds release, pre, post and dev
 * numbers as JavaScript numbers, so numbers above 2^53 lose precision.
 */
import * as pep440 from '@renovatebot/pep440';
import { compareCodeUnits, compareDigitRuns, defineVersionScheme, type VersionScheme } from './scheme.js';

interface PythonVersion {
  publicPart: string;
  local: string[] | undefined;
}

const PEP440_SPACE = /^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g;

function parsePythonVersion(text: string): PythonVersion | undefined {
  const trimmed = text.replace(PEP440_SPACE, '');
  if (pep440.valid(trimmed) === null) return undefined;
  const plus = trimmed.indexOf('+');
  if (plus < 0) return { publicPart: trimmed, local: undefined };
  return { publicPart: trimmed.slice(0, plus), local: trimmed.slice(plus + 1).toLowerCase().split(/[._-]/) };
}

function compareLocalSegments(a: string, b: string): number {
  const numericA = /^[0-9]+$/.test(a);
  const numericB = /^[0-9]+$/.test(b);
  if (numericA && numericB) return compareDigitRuns(a, b);
  if (numericA !== numericB) return numericA ? 1 : -1;
  return compareCodeUnits(a, b);
}

function compareLocalLabels(a: string[] | undefined, b: string[] | undefined): number {
  if (a === undefined || b === undefined) return (a === undefined ? 0 : 1) - (b === undefined ? 0 : 1);
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i++) {
    const diff = compareLocalSegments(a[i]!, b[i]!);
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}

function comparePythonVersions(a: PythonVersion, b: PythonVersion): number {
  return pep440.compare(a.publicPart, b.publicPart) || compareLocalLabels(a.local, b.local);
}

export const pep440VersionScheme: VersionScheme = defineVersionScheme('pep440', parsePythonVersion, comparePythonVersions);
