/**
 * Version orderings by OSV ecosystem.
 *
 * OSV ecosystem strings may carry a release after a `:` (`Debian:12`, `Ubuntu:Pro:20.04:LTS`,
 * `Alpine:v3.19`, `Red Hat:enterprise_linux:9::appstream`); only the part before the first `:`
 * selects the ordering. Names are matched exactly, as OSV spells them.
 */
import { apkVersionScheme } from './apk.js';
import { dpkgVersionScheme } from './dpkg.js';
import { mavenVersionScheme } from './maven.js';
import { packagistVersionScheme } from './packagist.js';
import { pep440VersionScheme } from './pep440.js';
import { rpmVersionScheme } from './rpm.js';
import { rubygemsVersionScheme } from './rubygems.js';
import type { VersionScheme } from './scheme.js';
import { cargoVersionScheme, goVersionScheme, npmVersionScheme } from './semver.js';

export type { VersionScheme } from './scheme.js';
export {
  apkVersionScheme,
  cargoVersionScheme,
  dpkgVersionScheme,
  goVersionScheme,
  mavenVersionScheme,
  npmVersionScheme,
  packagistVersionScheme,
  pep440VersionScheme,
  rpmVersionScheme,
  rubygemsVersionScheme,
};

/** Every version ordering there is. */
export const VERSION_SCHEMES: readonly VersionScheme[] = [
  apkVersionScheme,
  cargoVersionScheme,
  dpkgVersionScheme,
  goVersionScheme,
  mavenVersionScheme,
  npmVersionScheme,
  packagistVersionScheme,
  pep440VersionScheme,
  rpmVersionScheme,
  rubygemsVersionScheme,
];

const SCHEMES_BY_ECOSYSTEM: ReadonlyMap<string, VersionScheme> = new Map([
  ['Debian', dpkgVersionScheme],
  ['Ubuntu', dpkgVersionScheme],
  ['Alpine', apkVersionScheme],
  ['Wolfi', apkVersionScheme],
  ['Chainguard', apkVersionScheme],
  ['Red Hat', rpmVersionScheme],
  ['Rocky Linux', rpmVersionScheme],
  ['AlmaLinux', rpmVersionScheme],
  ['Fedora', rpmVersionScheme],
  ['openSUSE', rpmVersionScheme],
  ['SUSE', rpmVersionScheme],
  ['Mageia', rpmVersionScheme],
  ['openEuler', rpmVersionScheme],
  ['npm', npmVersionScheme],
  ['crates.io', cargoVersionScheme],
  ['Go', goVersionScheme],
  ['PyPI', pep440VersionScheme],
  ['Maven', mavenVersionScheme],
  ['RubyGems', rubygemsVersionScheme],
  ['Packagist', packagistVersionScheme],
]);

/** The ordering for an OSV ecosystem string, or `undefined` when the ecosystem is not known. */
export function versionSchemeFor(osvEcosystem: string): VersionScheme | undefined {
  if (typeof osvEcosystem !== 'string') return undefined;
  const colon = osvEcosystem.indexOf(':');
  const name = colon < 0 ? osvEcosystem : osvEcosystem.slice(0, colon);
  return SCHEMES_BY_ECOSYSTEM.get(name);
}
