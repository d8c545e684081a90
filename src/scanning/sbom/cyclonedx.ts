/**
 * An inventory as a CycloneDX 1.5 JSON BOM.
 *
 * - `serialNumber`: `urn:uuid:` and a name-based (v5) UUID of the image's purl in the URL
 *   namespace. The purl holds the digest and the registry and repository, so the same image
 *   in the same repository always gets the same serial number, and the document made for
 *   one repository is not mistaken for the one made for another. `version` is always 1.
 * - `metadata.timestamp`: the instant given, UTC to the second; `metadata.tools` the 1.5
 *   object form with one component, `{ type: 'application', name: 'stowage' }`.
 * - `metadata.component`: the image, type `container`, name the repository, version the
 *   digest, purl and bom-ref its `pkg:oci` purl, one `stowage:tag` property per tag.
 * - `components`: first, when the image has an os-release, the distribution (type
 *   `operating-system`, name the os-release `ID`, version `VERSION_ID`, description
 *   `PRETTY_NAME`, bom-ref `os:<ID>` or `os:<ID>@<VERSION_ID>`); then one `library` per
 *   package and location (see entries.ts for identity, bom-ref and order), with name and
 *   version as the inventory has them, the purl when there is one, and properties:
 *   `stowage:location` (the file the package was found in), `stowage:arch`, and for OS
 *   packages `stowage:source-name` / `stowage:source-version` when the database names them.
 *   OS packages are `library` too: CycloneDX has no type for an installed package.
 */
import type { Inventory } from '../inventory.js';
import { sbomEntries, type SbomEntry } from './entries.js';
import { imagePackageUrl } from './purl.js';
import { sortedTags, type SbomSubject } from './subject.js';
import { utcSeconds } from './time.js';
import { nameBasedUuid, URL_NAMESPACE } from './uuid.js';

export interface CycloneDxProperty {
  name: string;
  value: string;
}

export interface CycloneDxComponent {
  type: 'application' | 'container' | 'library' | 'operating-system';
  'bom-ref'?: string;
  name: string;
  version?: string;
  description?: string;
  purl?: string;
  properties?: CycloneDxProperty[];
}

export interface CycloneDxBom {
  $schema: string;
  bomFormat: 'CycloneDX';
  specVersion: '1.5';
  serialNumber: string;
  version: 1;
  metadata: {
    timestamp: string;
    tools: { components: CycloneDxComponent[] };
    component: CycloneDxComponent;
  };
  components: CycloneDxComponent[];
}

export const CYCLONEDX_SCHEMA = 'http://cyclonedx.org/schema/bom-1.5.schema.json';

export function toCycloneDx(inventory: Inventory, subject: SbomSubject, created: Date): CycloneDxBom {
  const imagePurl = imagePackageUrl(subject);
  const components = sbomEntries(inventory).map(libraryComponent);
  if (inventory.os) components.unshift(operatingSystemComponent(inventory.os));
  return {
    $schema: CYCLONEDX_SCHEMA,
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${nameBasedUuid(URL_NAMESPACE, imagePurl)}`,
    version: 1,
    metadata: {
      timestamp: utcSeconds(created),
      tools: { components: [{ type: 'application', name: 'stowage' }] },
      component: imageComponent(subject, imagePurl),
    },
    components,
  };
}

function imageComponent(subject: SbomSubject, purl: string): CycloneDxComponent {
  const component: CycloneDxComponent = { type: 'container', 'bom-ref': purl, name: subject.repository, version: subject.digest, purl };
  const tags = sortedTags(subject);
  if (tags.length > 0) component.properties = tags.map((tag) => ({ name: 'stowage:tag', value: tag }));
  return component;
}

function operatingSystemComponent(os: NonNullable<Inventory['os']>): CycloneDxComponent {
  const component: CycloneDxComponent = {
    type: 'operating-system',
    'bom-ref': os.versionId ? `os:${os.id}@${os.versionId}` : `os:${os.id}`,
    name: os.id,
  };
  if (os.versionId) component.version = os.versionId;
  if (os.prettyName) component.description = os.prettyName;
  return component;
}

function libraryComponent(entry: SbomEntry): CycloneDxComponent {
  const component: CycloneDxComponent = { type: 'library', 'bom-ref': entry.ref, name: entry.name };
  if (entry.version) component.version = entry.version;
  if (entry.purl) component.purl = entry.purl;
  const properties: CycloneDxProperty[] = [{ name: 'stowage:location', value: entry.location }];
  if (entry.arch) properties.push({ name: 'stowage:arch', value: entry.arch });
  if (entry.sourceName) properties.push({ name: 'stowage:source-name', value: entry.sourceName });
  if (entry.sourceVersion) properties.push({ name: 'stowage:source-version', value: entry.sourceVersion });
  component.properties = properties;
  return component;
}
