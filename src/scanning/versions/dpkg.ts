/**
 * Debian and Ubuntu package versions, ordered as dpkg orders them (Debian Policy §5.6.12,
 * `deb-version(7)`, dpkg's `lib/dpkg/version.c`).
 *
 * Syntax `[epoch:]upstream_version[-debian_revision]`:
 * - the epoch is everything before the first `:`, decimal digits no larger than 2147483647;
 *   absent means 0;
 * - the revision is everything after the last `-`, and must not be empty when the `-` is there;
 *   absent compares like an empty revision (so `1.0` equals `1.0-0`);
 * - the upstream version must be non-empty, start with a digit, and contain only ASCII
 *   alphanumerics and `.+~-:` (`-` and `:` can only occur there when a revision / epoch exists);
 *   the revision may contain alphanumerics and `.+~`;
 * - leading and trailing spaces or tabs are ignored; any other blank makes the version invalid.
 *
 * Ordering: epochs numerically, then upstream versions, then revisions, each part with dpkg's
 * `verrevcmp`. That walks both strings alternately through a non-digit run and a digit run:
 * - non-digit runs are compared character by character with `~` before everything (even the end
 *   of the run), then the end of the run, then ASCII letters in ASCII order, then every other
 *   character in ASCII order (so letters sort before non-letters);
 * - digit runs are compared by numeric value, at any length (no overflow).
 *
 * The rules dpkg only warns about (upstream not starting with a digit, characters outside the
 * allowed sets) make a version invalid here.
 */
import { compareDigitRuns, defineVersionScheme, isAsciiDigit, isAsciiLetter, type VersionScheme } from './scheme.js';

interface DebianVersion {
  epoch: string;
  upstream: string;
  revision: string;
}

const MAX_EPOCH = '2147483647';
const UPSTREAM_CHARS = /^[0-9A-Za-z.+~:-]*$/;
const REVISION_CHARS = /^[0-9A-Za-z.+~]*$/;

function parseDebianVersion(text: string): DebianVersion | undefined {
  const trimmed = text.replace(/^[ \t]+|[ \t]+$/g, '');
  if (trimmed === '' || /[ \t]/.test(trimmed)) return undefined;

  let epoch = '0';
  let rest = trimmed;
  const colon = trimmed.indexOf(':');
  if (colon >= 0) {
    epoch = trimmed.slice(0, colon);
    if (!/^[0-9]+$/.test(epoch) || compareDigitRuns(epoch, MAX_EPOCH) > 0) return undefined;
    rest = trimmed.slice(colon + 1);
    if (rest === '') return undefined;
  }

  let upstream = rest;
  let revision = '';
  const hyphen = rest.lastIndexOf('-');
  if (hyphen >= 0) {
    upstream = rest.slice(0, hyphen);
    revision = rest.slice(hyphen + 1);
    if (revision === '') return undefined;
  }
  if (upstream === '' || !isAsciiDigit(upstream[0])) return undefined;
  if (!UPSTREAM_CHARS.test(upstream) || !REVISION_CHARS.test(revision)) return undefined;
  return { epoch, upstream, revision };
}

/** Weight of one character of a non-digit run; `undefined` is the end of the run. */
function characterOrder(c: string | undefined): number {
  if (c === undefined || isAsciiDigit(c)) return 0;
  if (c === '~') return -1;
  const code = c.charCodeAt(0);
  return isAsciiLetter(c) ? code : code + 256;
}

/** dpkg's `verrevcmp`: alternating non-digit and digit runs, as described in the module comment. */
function compareVersionPart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isAsciiDigit(a[i])) || (j < b.length && !isAsciiDigit(b[j]))) {
      const diff = characterOrder(a[i]) - characterOrder(b[j]);
      if (diff !== 0) return diff;
      i++;
      j++;
    }
    const startA = i;
    const startB = j;
    while (isAsciiDigit(a[i])) i++;
    while (isAsciiDigit(b[j])) j++;
    const diff = compareDigitRuns(a.slice(startA, i) || '0', b.slice(startB, j) || '0');
    if (diff !== 0) return diff;
  }
  return 0;
}

function compareDebianVersions(a: DebianVersion, b: DebianVersion): number {
  return (
    compareDigitRuns(a.epoch, b.epoch) ||
    compareVersionPart(a.upstream, b.upstream) ||
    compareVersionPart(a.revision, b.revision)
  );
}

export const dpkgVersionScheme: VersionScheme = defineVersionScheme('dpkg', parseDebianVersion, compareDebianVersions);
