/**
 * What the catalogers find in an image. OS packages come from a distribution's package
 * database (`ecosystem` names the package manager; which advisories apply also depends on
 * the distribution and release found in os-release); language packages name the OSV
 * ecosystem whose advisories cover them directly.
 */
export interface OsPackage {
  ecosystem: 'debian' | 'alpine' | 'rpm';
  name: string;
  /** As the database writes it: dpkg `epoch:upstream-revision`, apk `1.2.3-r0`, rpm `epoch:version-release` (epoch only when set). */
  version: string;
  sourceName?: string;
  /** Given only when the database names the source's own version. */
  sourceVersion?: string;
  arch?: string;
  /** The database file the package was found in, absolute (`/var/lib/dpkg/status`). */
  location: string;
}

/** OSV ecosystem names of the language package managers cataloged. */
export type LanguageEcosystem = 'npm' | 'PyPI' | 'Go' | 'Maven' | 'RubyGems' | 'crates.io' | 'Packagist';

export interface LanguagePackage {
  ecosystem: LanguageEcosystem;
  /**
   * As OSV names it: npm `@scope/name`, PyPI the project name as written (matching
   * normalizes it), Go the module path (`stdlib` for the Go toolchain itself), Maven
   * `groupId:artifactId`, RubyGems/crates.io/Packagist the package name (`vendor/name`).
   */
  name: string;
  version: string;
  /** The file it was found in, absolute (`/app/package-lock.json`, `/usr/local/bin/app`). */
  location: string;
}
