/**
 * The packages of an inventory as both SBOM formats list them: one entry per package and
 * location, each with its purl and a reference unique within the document, in a fixed order.
 *
 * - Identity: a package is its purl (or, when it has none, its ecosystem, name and version)
 *   at its location. The same package found at two locations (two lock files, two binaries)
 *   is two entries; a package listed twice at one location is one entry.
 * - Reference: `<purl>|<location>`. A purl never contains `|` (it is percent-encoded), so the
 *   first `|` separates the two and different entries never share a reference. Without a
 *   purl the first part is `<ecosystem>:<name>@<version>`, `%` and `|` percent-encoded.
 * - Order: by reference, comparing UTF-16 code units. When two packages share a reference
 *   the one whose details (source package, …) sort first is kept, so neither the order nor
 *   the content of a document depends on the order of the inventory.
 */
import type { LanguagePackage, OsPackage } from '../catalogers/package.js';
import type { Inventory } from '../inventory.js';
import { compareCodeUnits } from './order.js';
import { isOsPackage, packageUrl } from './purl.js';

export interface SbomEntry {
  /** Unique within a document: see the module comment. */
  ref: string;
  kind: 'os' | 'language';
  /** The package manager (`debian`, `alpine`, `rpm`) or OSV ecosystem, as the inventory names it. */
  ecosystem: string;
  name: string;
  version: string;
  purl?: string;
  location: string;
  arch?: string;
  sourceName?: string;
  sourceVersion?: string;
}

export function sbomEntries(inventory: Inventory): SbomEntry[] {
  const entries = [
    ...inventory.osPackages.map((pkg) => entryOf(pkg, inventory.os)),
    ...inventory.languagePackages.map((pkg) => entryOf(pkg, inventory.os)),
  ].map((entry) => ({ entry, details: JSON.stringify(entry) }));
  entries.sort((a, b) => compareCodeUnits(a.entry.ref, b.entry.ref) || compareCodeUnits(a.details, b.details));
  const kept: SbomEntry[] = [];
  for (const { entry } of entries) {
    if (kept.at(-1)?.ref !== entry.ref) kept.push(entry);
  }
  return kept;
}

function entryOf(pkg: OsPackage | LanguagePackage, os: Inventory['os']): SbomEntry {
  const purl = packageUrl(pkg, os);
  const identity = purl ?? `${escapeRef(pkg.ecosystem)}:${escapeRef(pkg.name)}@${escapeRef(pkg.version)}`;
  // Keys in a fixed order: the JSON of an entry breaks ties between entries sharing a ref.
  const entry: SbomEntry = {
    ref: `${identity}|${pkg.location}`,
    kind: isOsPackage(pkg) ? 'os' : 'language',
    ecosystem: pkg.ecosystem,
    name: pkg.name,
    version: pkg.version,
    location: pkg.location,
  };
  if (purl !== undefined) entry.purl = purl;
  if (isOsPackage(pkg)) {
    if (pkg.arch) entry.arch = pkg.arch;
    if (pkg.sourceName) entry.sourceName = pkg.sourceName;
    if (pkg.sourceVersion) entry.sourceVersion = pkg.sourceVersion;
  }
  return entry;
}

function escapeRef(part: string): string {
  return part.replace(/%/g, '%25').replace(/\|/g, '%7C');
}
