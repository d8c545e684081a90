/**
 * An image's package inventory: its distribution (os-release) and the packages its package
 * databases and language manifests list, read in one streaming pass over its layers (see
 * filesystem-view.ts). The inventory is the scan's input and the image's SBOM.
 */
import { catalogApk, wantsApk } from './catalogers/apk.js';
import { catalogDpkg, wantsDpkg } from './catalogers/dpkg.js';
import { catalogLanguagePackages, languageCollectOptions, wantsLanguageFile } from './catalogers/language.js';
import type { LanguagePackage, OsPackage } from './catalogers/package.js';
import { catalogRpm, wantsRpm } from './catalogers/rpm.js';
import { collectFiles, type LayerSource } from './filesystem-view.js';
import { findOsRelease, wantsOsRelease } from './os-release.js';

export interface Inventory {
  /** From os-release; absent when the image has none (distroless, scratch). */
  os?: { id: string; versionId?: string; prettyName?: string };
  osPackages: OsPackage[];
  languagePackages: LanguagePackage[];
}

/**
 * Package databases may be large (the Berkeley DB `Packages` of an EL8 image holds tens of
 * megabytes); language manifests are read up to the usual 8 MiB, larger ones skipped.
 */
const MAX_DATABASE_BYTES = 64 << 20;
const MAX_MANIFEST_BYTES = 8 << 20;
/** All that an inventory keeps in memory at once; an image needing more fails its scan. */
export const MAX_INVENTORY_BYTES = 160 << 20;

export function wantsInventoryFile(path: string): boolean {
  return wantsOsRelease(path) || wantsDpkg(path) || wantsApk(path) || wantsRpm(path) || wantsLanguageFile(path);
}

/**
 * Reads the inventory of an image from its layers, lowest first: OS package databases and
 * language manifests read whole, executables and Java archives streamed for what they embed
 * (see catalogers/language.ts). `onSkip` hears of files left out (too large, unreadable).
 */
export async function takeInventory(layers: LayerSource[], onSkip?: (path: string, reason: string) => void): Promise<Inventory> {
  const files = await collectFiles(layers, wantsInventoryFile, {
    ...languageCollectOptions(),
    maxFileSize: MAX_DATABASE_BYTES,
    fileSizeLimit: (path) => (wantsLanguageFile(path) ? MAX_MANIFEST_BYTES : undefined),
    maxRetainedBytes: MAX_INVENTORY_BYTES,
    onSkip,
  });
  const release = findOsRelease(files);
  const inventory: Inventory = {
    osPackages: [...catalogDpkg(files), ...catalogApk(files), ...catalogRpm(files)],
    languagePackages: catalogLanguagePackages(files),
  };
  if (release?.id) {
    inventory.os = { id: release.id };
    if (release.versionId) inventory.os.versionId = release.versionId;
    if (release.prettyName) inventory.os.prettyName = release.prettyName;
  }
  return inventory;
}
