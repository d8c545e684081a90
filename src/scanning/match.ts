/**
 * Matches an inventory against the vulnerability database. Every matching advisory is a
 * match; advisories that are aliases of each other are merged into one finding later
 * (findings.ts).
 *
 * OS packages are matched in the OSV ecosystem of the image's distribution and release
 * (`Debian:12`, `Ubuntu:22.04:LTS`, `Alpine:v3.19`, …; see `distributionEcosystems`). Debian,
 * Ubuntu and Alpine advisories name source packages, so a binary package is looked up by
 * its source name and version where the database gives them. Language packages are matched
 * in their own ecosystem. A package is affected when one of its advisories' `affected`
 * entries for that ecosystem and name covers its version (vulndb/affected.ts).
 */
import type { Queryable } from '../storage/meta/schema.js';
import { advisoryDocuments, affectedRowsFor } from '../storage/meta/vulndb.js';
import type { LanguagePackage, OsPackage } from './catalogers/package.js';
import type { Inventory } from './inventory.js';
import { affectedVerdict } from './vulndb/affected.js';
import { lookupName, parseOsvAdvisory, type OsvAdvisory, type OsvAffected } from './vulndb/osv.js';

export interface MatchedPackage {
  kind: 'os' | 'language';
  /** The package as the image has it. */
  name: string;
  version: string;
  arch?: string;
  /** Where it was found (its database or manifest file). */
  location: string;
  /** The package manager: dpkg, apk, rpm, npm, pip, … */
  packageManager: string;
}

export interface Match {
  advisory: OsvAdvisory;
  /** The advisory's entry that matched (its severity, if it has its own, is the package's). */
  entry: OsvAffected;
  /** The OSV ecosystem it matched in (`Debian:12`, `npm`). */
  ecosystem: string;
  package: MatchedPackage;
  fixedIn?: string;
}

/** Which ecosystems an image's OS packages are matched in; undefined when the distribution is not covered. */
export interface DistributionEcosystems {
  exact: string[];
  /** Ecosystem prefixes (`Red Hat:enterprise_linux:9::` covers its repositories). */
  prefixes: string[];
}

const PACKAGE_MANAGERS: Record<OsPackage['ecosystem'], string> = { debian: 'dpkg', alpine: 'apk', rpm: 'rpm' };
const LANGUAGE_MANAGERS: Record<LanguagePackage['ecosystem'], string> = {
  npm: 'npm',
  PyPI: 'pip',
  Go: 'go',
  Maven: 'maven',
  RubyGems: 'gem',
  'crates.io': 'cargo',
  Packagist: 'composer',
};

/** The OSV ecosystems of a distribution release (os-release ID and VERSION_ID). */
export function distributionEcosystems(os: Inventory['os']): DistributionEcosystems | undefined {
  if (!os?.versionId) return undefined;
  const version = os.versionId;
  const major = version.split('.')[0]!;
  switch (os.id) {
    case 'debian':
      return { exact: [`Debian:${major}`], prefixes: [] };
    case 'ubuntu':
      return { exact: [`Ubuntu:${version}`, `Ubuntu:${version}:LTS`], prefixes: [] };
    case 'alpine': {
      const minor = version.split('.').slice(0, 2).join('.');
      return { exact: [`Alpine:v${minor}`], prefixes: [] };
    }
    case 'rocky':
      return { exact: [`Rocky Linux:${major}`], prefixes: [] };
    case 'almalinux':
      return { exact: [`AlmaLinux:${major}`], prefixes: [] };
    case 'rhel':
      return { exact: [], prefixes: [`Red Hat:enterprise_linux:${major}::`] };
    default:
      return undefined;
  }
}

/** Whether scanning covers the image's distribution (an image without os-release is not covered). */
export function distributionSupported(inventory: Inventory): boolean {
  return distributionEcosystems(inventory.os) !== undefined;
}

/** A package as matching looks it up. */
export interface Candidate {
  package: MatchedPackage;
  /** Name and version as advisories of the ecosystem name the package. */
  lookup: string;
  version: string;
  inEcosystem: (ecosystem: string) => boolean;
}

/** The packages of an inventory as matching looks them up; `languages` adds its language packages. */
export function candidatesOf(inventory: Inventory, options: { languages: boolean }): Candidate[] {
  const candidates: Candidate[] = [];
  const distribution = distributionEcosystems(inventory.os);
  if (distribution) {
    const inDistribution = (ecosystem: string) => distribution.exact.includes(ecosystem) || distribution.prefixes.some((prefix) => ecosystem.startsWith(prefix));
    for (const pkg of inventory.osPackages) {
      // Advisories of these distributions name source packages and their versions.
      const bySource = pkg.ecosystem !== 'rpm';
      const name = bySource ? (pkg.sourceName ?? pkg.name) : pkg.name;
      const version = bySource ? (pkg.sourceVersion ?? pkg.version) : pkg.version;
      candidates.push({
        package: { kind: 'os', name: pkg.name, version: pkg.version, arch: pkg.arch, location: pkg.location, packageManager: PACKAGE_MANAGERS[pkg.ecosystem] },
        lookup: name,
        version,
        inEcosystem: inDistribution,
      });
    }
  }
  if (options.languages) {
    for (const pkg of inventory.languagePackages) {
      candidates.push({
        package: { kind: 'language', name: pkg.name, version: pkg.version, location: pkg.location, packageManager: LANGUAGE_MANAGERS[pkg.ecosystem] },
        lookup: lookupName(pkg.ecosystem, pkg.name),
        version: pkg.version,
        inEcosystem: (ecosystem) => ecosystem === pkg.ecosystem,
      });
    }
  }
  return candidates;
}

/** Every (advisory, package) match of the inventory; `languages` adds its language packages. */
export async function matchInventory(db: Queryable, inventory: Inventory, options: { languages: boolean }): Promise<Match[]> {
  const candidates = candidatesOf(inventory, options);

  const rows = await affectedRowsFor(db, candidates.map((candidate) => candidate.lookup));
  const byPackage = new Map<string, { advisoryId: string; ecosystem: string }[]>();
  for (const row of rows) {
    const list = byPackage.get(row.package) ?? [];
    list.push(row);
    byPackage.set(row.package, list);
  }
  const wanted = new Set<string>();
  for (const candidate of candidates) {
    for (const row of byPackage.get(candidate.lookup) ?? []) if (candidate.inEcosystem(row.ecosystem)) wanted.add(row.advisoryId);
  }
  const advisories = new Map<string, OsvAdvisory>();
  for (const [id, document] of await advisoryDocuments(db, [...wanted])) {
    try {
      advisories.set(id, parseOsvAdvisory(JSON.parse(document)));
    } catch {
      // Stored only after parsing: cannot happen short of a damaged database; skip it.
    }
  }

  const matches: Match[] = [];
  for (const candidate of candidates) {
    const seen = new Set<string>();
    for (const row of byPackage.get(candidate.lookup) ?? []) {
      if (!candidate.inEcosystem(row.ecosystem) || seen.has(row.advisoryId)) continue;
      const advisory = advisories.get(row.advisoryId);
      if (!advisory) continue;
      for (const entry of advisory.affected ?? []) {
        if (!entry.package || entry.package.ecosystem !== row.ecosystem || lookupName(row.ecosystem, entry.package.name) !== candidate.lookup) continue;
        const verdict = affectedVerdict(entry, candidate.version);
        if (!verdict) continue;
        seen.add(row.advisoryId);
        matches.push({ advisory, entry, ecosystem: row.ecosystem, package: candidate.package, fixedIn: verdict.fixedIn });
        break;
      }
    }
  }
  return matches;
}
