/**
 * An inventory as an SPDX 2.3 JSON document.
 *
 * - `name`: the image reference, `registry/repository@digest`.
 * - `documentNamespace`: `https://stowage.invalid/spdx/<registry>/<repository>/<digest>`
 *   (each part percent-encoded, `/` in the repository and `:` in the digest kept): the same
 *   for every document made for the same image in the same repository, under a host that can
 *   never resolve, since there is nothing to fetch there.
 * - `creationInfo`: `created` the instant given, UTC to the second (`YYYY-MM-DDThh:mm:ssZ`, the
 *   form SPDX requires); `creators` `['Tool: stowage']`.
 * - Packages: the image first, `SPDXRef-Image`, purpose `CONTAINER`, name the repository,
 *   version the digest, its `pkg:oci` purl as an external reference, and one more purl with a
 *   `tag` qualifier per tag (SPDX 2.3 has no other place for tags); then, when the image has
 *   an os-release, the distribution, `SPDXRef-OperatingSystem`, purpose `OPERATING-SYSTEM`
 *   (the spelling of the 2.3 specification text and of the current JSON schema; the schema
 *   published with 2.3.0 spelled it `OPERATING_SYSTEM`);
 *   then one package per inventory package and location, in the order of entries.ts,
 *   `SPDXRef-Package-<n>` numbered from 1 in that order, purpose `LIBRARY`, the purl as a
 *   `PACKAGE-MANAGER`/`purl` external reference when there is one, and `sourceInfo` naming the
 *   file it was found in (and, for OS packages, the source package the database names).
 *   Every package: `downloadLocation`, `licenseConcluded`, `licenseDeclared` `NOASSERTION`
 *   (nothing is asserted about where it came from or its licence), `filesAnalyzed` false.
 * - Relationships: `SPDXRef-DOCUMENT DESCRIBES SPDXRef-Image`, then the image `CONTAINS`
 *   the distribution and each package, in package order.
 */
import type { Inventory } from '../inventory.js';
import { sbomEntries, type SbomEntry } from './entries.js';
import { imagePackageUrl } from './purl.js';
import { imageReference, sortedTags, type SbomSubject } from './subject.js';
import { utcSeconds } from './time.js';

/** What SPDX 2.3 allows an SPDX identifier to be. */
export const SPDX_ID_PATTERN = /^SPDXRef-[A-Za-z0-9.-]+$/;

export const SPDX_IMAGE_ID = 'SPDXRef-Image';
export const SPDX_OPERATING_SYSTEM_ID = 'SPDXRef-OperatingSystem';

export interface SpdxExternalRef {
  referenceCategory: 'PACKAGE-MANAGER';
  referenceType: 'purl';
  referenceLocator: string;
}

export interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  primaryPackagePurpose: 'CONTAINER' | 'OPERATING-SYSTEM' | 'LIBRARY';
  downloadLocation: 'NOASSERTION';
  filesAnalyzed: false;
  licenseConcluded: 'NOASSERTION';
  licenseDeclared: 'NOASSERTION';
  sourceInfo?: string;
  description?: string;
  externalRefs?: SpdxExternalRef[];
}

export interface SpdxRelationship {
  spdxElementId: string;
  relationshipType: 'DESCRIBES' | 'CONTAINS';
  relatedSpdxElement: string;
}

export interface SpdxDocument {
  spdxVersion: 'SPDX-2.3';
  dataLicense: 'CC0-1.0';
  SPDXID: 'SPDXRef-DOCUMENT';
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[] };
  packages: SpdxPackage[];
  relationships: SpdxRelationship[];
}

export function toSpdx(inventory: Inventory, subject: SbomSubject, created: Date): SpdxDocument {
  const contained = [
    ...(inventory.os ? [operatingSystemPackage(inventory.os)] : []),
    ...sbomEntries(inventory).map((entry, i) => inventoryPackage(entry, `SPDXRef-Package-${i + 1}`)),
  ];
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: imageReference(subject),
    documentNamespace: documentNamespace(subject),
    creationInfo: { created: utcSeconds(created), creators: ['Tool: stowage'] },
    packages: [imagePackage(subject), ...contained],
    relationships: [
      { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: SPDX_IMAGE_ID },
      ...contained.map((pkg): SpdxRelationship => ({ spdxElementId: SPDX_IMAGE_ID, relationshipType: 'CONTAINS', relatedSpdxElement: pkg.SPDXID })),
    ],
  };
}

export function documentNamespace(subject: SbomSubject): string {
  const repository = subject.repository.split('/').map(encodeURIComponent).join('/');
  const digest = encodeURIComponent(subject.digest).replace(/%3A/g, ':');
  return `https://stowage.invalid/spdx/${encodeURIComponent(subject.registry).replace(/%3A/g, ':')}/${repository}/${digest}`;
}

function imagePackage(subject: SbomSubject): SpdxPackage {
  const purls = [imagePackageUrl(subject), ...sortedTags(subject).map((tag) => imagePackageUrl(subject, tag))];
  return {
    ...noAssertions(SPDX_IMAGE_ID, subject.repository, 'CONTAINER'),
    versionInfo: subject.digest,
    externalRefs: purls.map(purlRef),
  };
}

function operatingSystemPackage(os: NonNullable<Inventory['os']>): SpdxPackage {
  const pkg = noAssertions(SPDX_OPERATING_SYSTEM_ID, os.id, 'OPERATING-SYSTEM');
  if (os.versionId) pkg.versionInfo = os.versionId;
  if (os.prettyName) pkg.description = os.prettyName;
  return pkg;
}

function inventoryPackage(entry: SbomEntry, spdxId: string): SpdxPackage {
  const pkg = noAssertions(spdxId, entry.name, 'LIBRARY');
  if (entry.version) pkg.versionInfo = entry.version;
  pkg.sourceInfo = sourceInfo(entry);
  if (entry.purl) pkg.externalRefs = [purlRef(entry.purl)];
  return pkg;
}

function sourceInfo(entry: SbomEntry): string {
  const found = `found in ${entry.location}`;
  if (!entry.sourceName) return found;
  const source = entry.sourceVersion ? `${entry.sourceName} ${entry.sourceVersion}` : entry.sourceName;
  return `${found}; built from source package ${source}`;
}

function noAssertions(spdxId: string, name: string, purpose: SpdxPackage['primaryPackagePurpose']): SpdxPackage {
  return {
    SPDXID: spdxId,
    name,
    primaryPackagePurpose: purpose,
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
  };
}

function purlRef(purl: string): SpdxExternalRef {
  return { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl };
}
