/**
 * Semantic Versioning 2.0.0 precedence (https://semver.org/#spec-item-11), as used by npm,
 * crates.io and Go modules, computed with the `semver` package.
 *
 * Precedence: major, minor and patch numerically; then a version with a pre-release sorts before
 * the same version without one; pre-releases compare identifier by identifier (numeric
 * identifiers numerically and below alphanumeric ones, alphanumeric ones in ASCII order, a longer
 * list winning when one is a prefix of the other). Build metadata (`+…`) is ignored, so versions
 * differing only in it are equal. Example: 1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta <
 * 1.0.0-beta < 1.0.0-beta.2 < 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0.
 *
 * Accepted spellings differ per ecosystem:
 * - npm: what `semver.parse` accepts in strict mode (surrounding whitespace and one leading `v`
 *   tolerated);
 * - crates.io: strict SemVer 2.0.0 only (Cargo accepts no `v` and no whitespace);
 * - Go: module versions with or without the leading `v` (OSV records them without it), including
 *   Go's shorthands `v1` = `v1.0.0` and `v1.2` = `v1.2.0` (without pre-release or build), and
 *   `+incompatible`. Pseudo-versions such as `v0.0.0-20230101120000-abcdef123456` or
 *   `v1.2.4-0.20230101120000-abcdef123456` are ordinary pre-releases and order by their timestamp.
 */
import semver from 'semver';
import { defineVersionScheme, type VersionScheme } from './scheme.js';

type SemVer = semver.SemVer;

/** Strict SemVer 2.0.0: numbers without leading zeros, non-empty dot-separated identifiers. */
const NUMBER = '(?:0|[1-9][0-9]*)';
const PRERELEASE_ID = `(?:${NUMBER}|[0-9]*[A-Za-z-][0-9A-Za-z-]*)`;
const BUILD_ID = '[0-9A-Za-z-]+';
const STRICT_SEMVER = new RegExp(
  `^${NUMBER}\\.${NUMBER}\\.${NUMBER}(?:-${PRERELEASE_ID}(?:\\.${PRERELEASE_ID})*)?(?:\\+${BUILD_ID}(?:\\.${BUILD_ID})*)?$`,
);
const GO_SHORTHAND = /^v?(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?$/;

function parseNpmVersion(text: string): SemVer | undefined {
  return semver.parse(text) ?? undefined;
}

function parseCargoVersion(text: string): SemVer | undefined {
  return STRICT_SEMVER.test(text) ? (semver.parse(text) ?? undefined) : undefined;
}

function parseGoVersion(text: string): SemVer | undefined {
  const shorthand = GO_SHORTHAND.exec(text);
  if (shorthand) return semver.parse(`${shorthand[1]}.${shorthand[2] ?? '0'}.0`) ?? undefined;
  const bare = text.startsWith('v') ? text.slice(1) : text;
  return parseCargoVersion(bare);
}

const compareSemVer = (a: SemVer, b: SemVer): number => a.compare(b);

export const npmVersionScheme: VersionScheme = defineVersionScheme('semver-npm', parseNpmVersion, compareSemVer);
export const cargoVersionScheme: VersionScheme = defineVersionScheme('semver-cargo', parseCargoVersion, compareSemVer);
export const goVersionScheme: VersionScheme = defineVersionScheme('semver-go', parseGoVersion, compareSemVer);
