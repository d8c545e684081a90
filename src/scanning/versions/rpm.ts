/**
 * RPM package versions (Red Hat, Rocky, Alma, Fedora, SUSE, …), ordered as current rpm orders
 * them (`rpmvercmp` in `rpmio/rpmvercmp.c` and `rpmverCmp` in `rpmio/rpmver.c`, rpm ≥ 4.15).
 *
 * Syntax `[epoch:]version[-release]`: the epoch is decimal digits; version and release are
 * non-empty runs of ASCII alphanumerics and `._+~^` containing at least one alphanumeric; the
 * release starts after the only `-`.
 *
 * Ordering: epochs (absent = 0), then versions, then releases, each compared with rpmvercmp; a
 * version without a release sorts before the same version with any release.
 *
 * rpmvercmp splits a string into segments (maximal runs of ASCII digits or of ASCII letters),
 * skipping every other character as a separator, and walks both strings segment by segment:
 * - `~` sorts before anything, including the end of the string (`1.0~rc1 < 1.0`);
 * - `^` sorts after the end of the string but before any segment (`1.0 < 1.0^git1 < 1.0.1`);
 * - a numeric segment is newer than an alphabetic one;
 * - numeric segments compare by value (leading zeros ignored, any length), alphabetic ones by
 *   ASCII order (so upper case sorts first);
 * - when one string runs out of segments, the other (with segments left) is newer.
 * Separators themselves never matter: `1.0`, `1_0` and `1+0` are equal.
 */
import { compareCodeUnits, compareDigitRuns, defineVersionScheme, isAsciiDigit, isAsciiLetter, type VersionScheme } from './scheme.js';

interface RpmVersion {
  epoch: string;
  version: string;
  release: string | undefined;
}

const EVR = /^(?:([0-9]+):)?([A-Za-z0-9._+~^]+)(?:-([A-Za-z0-9._+~^]+))?$/;
const HAS_ALPHANUMERIC = /[A-Za-z0-9]/;

function parseRpmVersion(text: string): RpmVersion | undefined {
  const match = EVR.exec(text);
  if (!match) return undefined;
  const [, epoch = '0', version = '', release] = match;
  if (!HAS_ALPHANUMERIC.test(version)) return undefined;
  if (release !== undefined && !HAS_ALPHANUMERIC.test(release)) return undefined;
  return { epoch, version, release };
}

const isAlphanumeric = (c: string | undefined): boolean => isAsciiDigit(c) || isAsciiLetter(c);

/** rpm's `rpmvercmp`, as described in the module comment. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlphanumeric(a[i]) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < b.length && !isAlphanumeric(b[j]) && b[j] !== '~' && b[j] !== '^') j++;
    const ca = a[i];
    const cb = b[j];

    if (ca === '~' || cb === '~') {
      if (ca !== '~') return 1;
      if (cb !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (ca === '^' || cb === '^') {
      if (ca === undefined) return -1;
      if (cb === undefined) return 1;
      if (ca !== '^') return 1;
      if (cb !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (ca === undefined || cb === undefined) break;

    const numeric = isAsciiDigit(ca);
    const inSegment = numeric ? isAsciiDigit : isAsciiLetter;
    const startA = i;
    const startB = j;
    while (i < a.length && inSegment(a[i])) i++;
    while (j < b.length && inSegment(b[j])) j++;
    const segmentA = a.slice(startA, i);
    const segmentB = b.slice(startB, j);
    if (segmentB === '') return numeric ? 1 : -1;
    const diff = numeric ? compareDigitRuns(segmentA, segmentB) : compareCodeUnits(segmentA, segmentB);
    if (diff !== 0) return diff;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

function compareRpmVersions(a: RpmVersion, b: RpmVersion): number {
  const byEpochAndVersion = rpmvercmp(a.epoch, b.epoch) || rpmvercmp(a.version, b.version);
  if (byEpochAndVersion !== 0) return byEpochAndVersion;
  if (a.release === undefined || b.release === undefined) {
    return (a.release === undefined ? 0 : 1) - (b.release === undefined ? 0 : 1);
  }
  return rpmvercmp(a.release, b.release);
}

export const rpmVersionScheme: VersionScheme = defineVersionScheme('rpm', parseRpmVersion, compareRpmVersions);
