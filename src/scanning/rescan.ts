/**
 * Continuous scanning: after the vulnerability database changed, the images it concerns are
 * scanned again. An image is concerned when its registry scans its repository with
 * CONTINUOUS_SCAN (ENHANCED scanning) and its recorded inventory holds a package that a
 * changed advisory names in the image's ecosystem. The rescan matches the recorded
 * inventory again (no layer is read): new findings start their first observation, fixed
 * ones close.
 */
import type { RegistryContext } from '../registry/context.js';
import { enhancedScansWithInventories, getScanningConfiguration, requestScan, type ScanKey } from '../storage/meta/scans.js';
import type { AffectedKey } from '../storage/meta/vulndb.js';
import { DEFAULT_SCANNING_CONFIGURATION, effectiveScanning, type RegistryScanningConfiguration } from './configuration.js';
import type { Inventory } from './inventory.js';
import { candidatesOf } from './match.js';

const PAGE = 200;

/** Queues rescans of the images `changed` concerns; resolves to how many were queued. */
export async function queueRescans(context: RegistryContext, changed: AffectedKey[]): Promise<number> {
  if (changed.length === 0) return 0;
  const db = context.database.db;
  const byPackage = new Map<string, string[]>();
  for (const key of changed) byPackage.set(key.package, [...(byPackage.get(key.package) ?? []), key.ecosystem]);
  const configurations = new Map<string, RegistryScanningConfiguration>();
  let queued = 0;
  let after: ScanKey | undefined;
  for (;;) {
    const page = await enhancedScansWithInventories(db, after, PAGE);
    if (page.length === 0) break;
    after = page[page.length - 1];
    for (const image of page) {
      let configuration = configurations.get(image.registryId);
      if (!configuration) {
        configuration = (await getScanningConfiguration(db, image.registryId)) ?? DEFAULT_SCANNING_CONFIGURATION;
        configurations.set(image.registryId, configuration);
      }
      const applied = effectiveScanning(configuration, image.repositoryName, image.repositoryScanOnPush);
      if (applied.scanType !== 'ENHANCED' || applied.scanFrequency !== 'CONTINUOUS_SCAN') continue;
      const inventory = JSON.parse(image.inventory) as Inventory;
      const concerned = candidatesOf(inventory, { languages: true }).some((candidate) =>
        (byPackage.get(candidate.lookup) ?? []).some((ecosystem) => candidate.inEcosystem(ecosystem)),
      );
      if (!concerned) continue;
      // The image keeps showing its findings while it is rescanned, as ECR's monitored images do.
      await context.database.transaction((trx) => requestScan(trx, image, 'ENHANCED', context.now(), { keepResult: true }));
      queued++;
    }
  }
  return queued;
}
