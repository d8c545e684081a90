/**
 * Package URLs (purl) for inventory packages and for the image itself, built with
 * packageurl-js, which applies each type's normalization (lowercasing where the type
 * definition says the name or namespace is case-insensitive, PyPI's `_` → `-`), orders
 * qualifiers by key and percent-encodes the components.
 *
 * Per type, following the purl type definitions:
 * - deb: namespace the vendor, the os-release `ID` (`debian`, `ubuntu`, or a derivative's own
 *   id; `debian` when the image has no os-release); version as dpkg writes it, epoch
 *   included (`1:2.36-9`); qualifiers `arch` and `distro=<ID>-<VERSION_ID>` (`debian-12`).
 * - apk: namespace the os-release `ID` (`alpine` when absent); qualifiers `arch` and
 *   `distro=<VERSION_ID>` (`3.19.1`).
 * - rpm: namespace the vendor, the os-release `ID` with `rhel` → `redhat`, `ol` → `oracle`,
 *   `sles`/`sles_sap` → `suse` and the openSUSE ids → `opensuse` (left out when the image
 *   has no os-release: there is nothing to name the vendor by); version `version-release`,
 *   the epoch moved to an `epoch` qualifier; qualifiers `arch` and `distro=<ID>-<VERSION_ID>`
 *   with the os-release ID as written (`rhel-9.3`).
 * - npm: `@scope/name` → namespace `@scope` (encoded `%40scope`), name.
 * - pypi: the name normalized as the type requires: lowercase, each run of `-`, `_`, `.`
 *   made one `-` (`Zope.Interface` → `zope-interface`).
 * - golang: the module path split at its last `/` into namespace and name
 *   (`github.com/go-chi/chi/v5` → `github.com/go-chi/chi` + `v5`); a path without `/`,
 *   such as `stdlib` for the Go toolchain, is a name alone (`pkg:golang/stdlib@1.21.5`).
 *   Case is kept: module paths are case-sensitive and packageurl-js deliberately does not
 *   lowercase them, although the type definition asks for lowercase.
 * - maven: `groupId:artifactId` → namespace groupId, name artifactId.
 * - gem, cargo: the name alone.
 * - composer: `vendor/name` → namespace vendor, name (both lowercased).
 * - oci (the image): name the last segment of the repository, version the digest,
 *   qualifier `repository_url=<registry>/<repository>`; a tag only where asked for, so the
 *   purl that identifies the image names the same content whatever tags point at it.
 *
 * Encoding: the string is packageurl-js's, corrected where it falls short of canonical as
 * the purl specification defines it (only letters, digits, `.-_~`, `%` and the separators
 * `:/@?=&#` appear unencoded; `:` is never encoded): packageurl-js leaves `+` in versions
 * and `!*'()` anywhere unencoded and encodes `~` and `:` in qualifier values and `:` in
 * names, so `+` becomes `%2B` (`pkg:deb/debian/attr@1:2.4.47-2%2Bb1`, as the deb type's
 * example and test data have it) and `%7E`, `%3A` become `~`, `:`. A `/` inside a qualifier
 * value (`repository_url`) stays encoded, `%2F`, as the specification's test data has it
 * (`repository_url=docker.io%2Flibrary%2Fdebian`).
 *
 * A package whose purl cannot be built (no name; a Maven name without a group) has none:
 * the functions return undefined rather than throw.
 */
import { PackageURL } from 'packageurl-js';
import type { LanguagePackage, OsPackage } from '../catalogers/package.js';
import type { Inventory } from '../inventory.js';
import type { SbomSubject } from './subject.js';

export type OsRelease = NonNullable<Inventory['os']>;

type Qualifiers = Record<string, string>;

interface PurlParts {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
  qualifiers?: Qualifiers;
}

/** os-release IDs of rpm distributions whose vendor goes by another name in purls. */
const RPM_VENDORS: Readonly<Record<string, string>> = {
  rhel: 'redhat',
  ol: 'oracle',
  sles: 'suse',
  sles_sap: 'suse',
  opensuse: 'opensuse',
  'opensuse-leap': 'opensuse',
  'opensuse-tumbleweed': 'opensuse',
};

export function isOsPackage(pkg: OsPackage | LanguagePackage): pkg is OsPackage {
  return pkg.ecosystem === 'debian' || pkg.ecosystem === 'alpine' || pkg.ecosystem === 'rpm';
}

/** The purl of an inventory package; `os` is the image's os-release, which OS packages take their vendor and distro from. */
export function packageUrl(pkg: OsPackage | LanguagePackage, os?: OsRelease): string | undefined {
  return isOsPackage(pkg) ? osPackageUrl(pkg, os) : languagePackageUrl(pkg);
}

export function osPackageUrl(pkg: OsPackage, os?: OsRelease): string | undefined {
  const id = os?.id.toLowerCase();
  const qualifiers: Qualifiers = {};
  if (pkg.arch) qualifiers.arch = pkg.arch;
  switch (pkg.ecosystem) {
    case 'debian':
      if (id && os?.versionId) qualifiers.distro = `${id}-${os.versionId}`;
      return build({ type: 'deb', namespace: id ?? 'debian', name: pkg.name, version: pkg.version, qualifiers });
    case 'alpine':
      if (os?.versionId) qualifiers.distro = os.versionId;
      return build({ type: 'apk', namespace: id ?? 'alpine', name: pkg.name, version: pkg.version, qualifiers });
    case 'rpm': {
      if (id && os?.versionId) qualifiers.distro = `${id}-${os.versionId}`;
      const { epoch, version } = splitRpmEpoch(pkg.version);
      if (epoch !== undefined) qualifiers.epoch = epoch;
      const namespace = id === undefined ? undefined : (RPM_VENDORS[id] ?? id);
      return build({ type: 'rpm', namespace, name: pkg.name, version, qualifiers });
    }
  }
}

export function languagePackageUrl(pkg: LanguagePackage): string | undefined {
  const version = pkg.version;
  switch (pkg.ecosystem) {
    case 'npm': {
      const { namespace, name } = pkg.name.startsWith('@') ? splitAtLast(pkg.name, '/') : { name: pkg.name };
      return build({ type: 'npm', namespace, name, version });
    }
    case 'PyPI':
      return build({ type: 'pypi', name: normalizePypiName(pkg.name), version });
    case 'Go':
      return build({ type: 'golang', ...splitAtLast(pkg.name, '/'), version });
    case 'Maven': {
      const colon = pkg.name.indexOf(':');
      if (colon <= 0) return undefined;
      return build({ type: 'maven', namespace: pkg.name.slice(0, colon), name: pkg.name.slice(colon + 1), version });
    }
    case 'RubyGems':
      return build({ type: 'gem', name: pkg.name, version });
    case 'crates.io':
      return build({ type: 'cargo', name: pkg.name, version });
    case 'Packagist':
      return build({ type: 'composer', ...splitAtLast(pkg.name, '/'), version });
  }
}

/**
 * `pkg:oci/<last repository segment>@<digest>?repository_url=<registry>/<repository>`, with
 * a `tag` qualifier when a tag is given.
 */
export function imagePackageUrl(subject: SbomSubject, tag?: string): string {
  const name = subject.repository.slice(subject.repository.lastIndexOf('/') + 1);
  const qualifiers: Qualifiers = { repository_url: `${subject.registry}/${subject.repository}` };
  if (tag) qualifiers.tag = tag;
  const purl = build({ type: 'oci', name, version: subject.digest, qualifiers });
  if (purl === undefined) throw new Error(`no package URL for image ${subject.repository}@${subject.digest}`);
  return purl;
}

/** PyPI's normalized project name: lowercase, runs of `-`, `_` and `.` replaced by one `-`. */
export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** rpm's `epoch:version-release` → the epoch (when written) and `version-release`. */
export function splitRpmEpoch(evr: string): { epoch?: string; version: string } {
  const m = /^(\d+):(.*)$/s.exec(evr);
  return m ? { epoch: m[1]!, version: m[2]! } : { version: evr };
}

function splitAtLast(path: string, separator: string): { namespace?: string; name: string } {
  const at = path.lastIndexOf(separator);
  return at < 0 ? { name: path } : { namespace: path.slice(0, at), name: path.slice(at + 1) };
}

function build(parts: PurlParts): string | undefined {
  const qualifiers = parts.qualifiers && Object.keys(parts.qualifiers).length > 0 ? parts.qualifiers : undefined;
  try {
    const purl = new PackageURL(parts.type, parts.namespace || undefined, parts.name, parts.version || undefined, qualifiers);
    return canonicalEncoding(purl.toString());
  } catch {
    return undefined;
  }
}

/**
 * packageurl-js's output made canonical: `+!*'()` percent-encoded (packageurl-js emits them
 * literally only where they are data, never as separators), `~` and `:` decoded (a `%` that
 * is data is itself encoded, `%25`, so `%7E` and `%3A` can only be encodings).
 */
function canonicalEncoding(purl: string): string {
  return purl
    .replace(/[+!*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%7E/gi, '~')
    .replace(/%3A/gi, ':');
}
