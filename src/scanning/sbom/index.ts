/**
 * SBOM export: an image's inventory as a CycloneDX 1.5 or SPDX 2.3 JSON document.
 * Rendering is a pure function of its arguments: the same inventory (in any order), subject
 * and creation time give the same bytes. The JSON is compact, without a trailing newline.
 */
import type { Inventory } from '../inventory.js';
import { toCycloneDx } from './cyclonedx.js';
import { toSpdx } from './spdx.js';
import type { SbomSubject } from './subject.js';

export type SbomFormat = 'cyclonedx' | 'spdx';

export const SBOM_FORMATS: readonly SbomFormat[] = ['cyclonedx', 'spdx'];

export const SBOM_MEDIA_TYPES: Readonly<Record<SbomFormat, string>> = {
  cyclonedx: 'application/vnd.cyclonedx+json',
  spdx: 'application/spdx+json',
};

export function isSbomFormat(value: string): value is SbomFormat {
  return (SBOM_FORMATS as readonly string[]).includes(value);
}

/** The document as JSON text; serve it with `SBOM_MEDIA_TYPES[format]`. */
export function renderSbom(format: SbomFormat, inventory: Inventory, subject: SbomSubject, created: Date): string {
  const document = format === 'cyclonedx' ? toCycloneDx(inventory, subject, created) : toSpdx(inventory, subject, created);
  return JSON.stringify(document);
}

export { toCycloneDx, type CycloneDxBom } from './cyclonedx.js';
export { toSpdx, type SpdxDocument } from './spdx.js';
export { imagePackageUrl, packageUrl } from './purl.js';
export type { SbomSubject } from './subject.js';
