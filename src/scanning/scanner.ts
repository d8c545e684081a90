/**
 * One scan of one image: its inventory (read from its layers once per manifest digest and
 * kept while the image has scans, so rescans only match again), matched against the
 * vulnerability database. The worker records the result with its findings.
 *
 * Outcomes, as ECR reports them: COMPLETE (ACTIVE for an ENHANCED scan of a repository
 * scanned continuously: the image stays monitored); UNSUPPORTED_IMAGE for what is not a
 * container image (an index, whose images are scanned one by one; an artifact; an
 * attestation, whose layers are no tar archives) and for an image whose distribution
 * scanning does not cover, unless an ENHANCED scan finds language packages in it;
 * FINDINGS_UNAVAILABLE before any vulnerability database was imported; FAILED when the
 * image cannot be read (its blobs are missing, or it holds more package data than a scan
 * keeps in memory).
 */
import { openBlobStream } from '../registry/blob-content.js';
import type { RegistryContext } from '../registry/context.js';
import type { Digest } from '../registry/digest.js';
import { KeyedMutex } from '../registry/keyed-mutex.js';
import { IMAGE_CONFIG_TYPES, INDEX_TYPES, isNonDistributable } from '../registry/media-types.js';
import { findManifestContents } from '../storage/meta/images.js';
import { getInventory, getScanningConfiguration, putInventory, type ScanKey, type ScanStatus } from '../storage/meta/scans.js';
import { findRepositoryById } from '../storage/meta/repositories.js';
import { DEFAULT_SCANNING_CONFIGURATION, effectiveScanning } from './configuration.js';
import { databaseState } from '../storage/meta/vulndb.js';
import { RetainedTooLargeError, type LayerSource } from './filesystem-view.js';
import { compressionOfMediaType, FileTooLargeError, LayerFormatError } from './layer-reader.js';
import { findingsOf, severityCounts, type FindingInput } from './findings.js';
import { takeInventory, type Inventory } from './inventory.js';
import { distributionSupported, matchInventory } from './match.js';

export const UNSUPPORTED_DESCRIPTION = 'The operating system and/or package manager are not supported.';
export const NO_DATABASE_DESCRIPTION = 'No vulnerability database has been imported: findings are unavailable until one is (stowage vulndb import).';

export interface ScanResult {
  status: ScanStatus;
  description: string | null;
  counts: Record<string, number> | null;
  vulndbUpdatedAt: number | null;
  /** What the scan found, for a scan that looked (COMPLETE, ACTIVE): recorded with the result. */
  findings?: FindingInput[];
}

/** What is not a container image: an index, an artifact. */
export class UnsupportedImage extends Error {
  override name = 'UnsupportedImage';
}

export async function scanImage(context: RegistryContext, key: ScanKey, scanType: 'BASIC' | 'ENHANCED'): Promise<ScanResult> {
  let inventory: Inventory;
  try {
    inventory = await inventoryOf(context, key);
  } catch (error) {
    if (error instanceof UnsupportedImage) return { status: 'UNSUPPORTED_IMAGE', description: error.message, counts: null, vulndbUpdatedAt: null };
    if (error instanceof RetainedTooLargeError || error instanceof FileTooLargeError) {
      return { status: 'FAILED', description: `The image could not be scanned: ${error.message}.`, counts: null, vulndbUpdatedAt: null };
    }
    throw error;
  }
  const languages = scanType === 'ENHANCED';
  if (!distributionSupported(inventory) && (!languages || inventory.languagePackages.length === 0)) {
    return { status: 'UNSUPPORTED_IMAGE', description: UNSUPPORTED_DESCRIPTION, counts: null, vulndbUpdatedAt: null };
  }
  const db = context.database.db;
  const state = await databaseState(db);
  // Without a database no finding can be known: "no findings" would mislead a CI gate.
  if (!state) return { status: 'FINDINGS_UNAVAILABLE', description: NO_DATABASE_DESCRIPTION, counts: null, vulndbUpdatedAt: null };
  const matches = await matchInventory(db, inventory, { languages });
  const findings = findingsOf(matches);
  const continuous = scanType === 'ENHANCED' && (await scannedContinuously(context, key));
  return {
    status: continuous ? 'ACTIVE' : 'COMPLETE',
    description: continuous ? 'Continuous scan is selected for image.' : 'The scan was completed successfully.',
    counts: severityCounts(findings),
    vulndbUpdatedAt: state.updatedAt,
    findings,
  };
}

/** Whether the image's repository is scanned with CONTINUOUS_SCAN now. */
async function scannedContinuously(context: RegistryContext, key: ScanKey): Promise<boolean> {
  const db = context.database.db;
  const repository = await findRepositoryById(db, key.repositoryId);
  if (!repository) return false;
  const configuration = (await getScanningConfiguration(db, repository.registryId)) ?? DEFAULT_SCANNING_CONFIGURATION;
  return effectiveScanning(configuration, repository.name, repository.scanOnPush).scanFrequency === 'CONTINUOUS_SCAN';
}

/**
 * Inventories are read from layers one at a time in a process (a scan, an SBOM request),
 * each holding at most MAX_INVENTORY_BYTES: memory stays bounded however many ask at once,
 * and an image asked for twice is read once.
 */
const reading = new KeyedMutex();

/** The image's inventory: recorded, or read from its layers and recorded. */
export async function inventoryOf(context: RegistryContext, key: ScanKey): Promise<Inventory> {
  const recorded = await getInventory(context.database.db, key.manifestDigest);
  if (recorded) return JSON.parse(recorded) as Inventory;
  return reading.run('inventory', async () => {
    const again = await getInventory(context.database.db, key.manifestDigest);
    return again ? (JSON.parse(again) as Inventory) : readInventory(context, key);
  });
}

async function readInventory(context: RegistryContext, key: ScanKey): Promise<Inventory> {
  const db = context.database.db;
  const manifest = (await findManifestContents(db, key.repositoryId, [key.manifestDigest])).get(key.manifestDigest);
  if (!manifest) throw new Error(`manifest ${key.manifestDigest} is gone`);
  if (INDEX_TYPES.has(manifest.mediaType)) throw new UnsupportedImage('An image index is scanned as the images it lists.');
  const parsed = JSON.parse(Buffer.from(manifest.content).toString('utf8')) as {
    config?: { mediaType?: string };
    layers?: { mediaType: string; digest: string; size: number }[];
  };
  if (!parsed.config?.mediaType || !IMAGE_CONFIG_TYPES.has(parsed.config.mediaType)) {
    throw new UnsupportedImage(`Artifacts of configuration type ${parsed.config?.mediaType ?? 'unknown'} are not container images.`);
  }
  const foreign = (parsed.layers ?? []).find((layer) => compressionOfMediaType(layer.mediaType) === undefined);
  // Attestations and signatures (in-toto statements, …) dress as images with layers that are no filesystem.
  if (foreign) throw new UnsupportedImage(`Layers of media type ${foreign.mediaType} are not filesystem layers.`);
  const layers: LayerSource[] = (parsed.layers ?? [])
    .filter((layer) => !isNonDistributable(layer.mediaType))
    .map((layer) => ({
      mediaType: layer.mediaType,
      async open() {
        const stream = await openBlobStream(context, { digest: layer.digest as Digest, size: layer.size });
        if (!stream) throw new Error(`layer ${layer.digest} content is missing`);
        return stream;
      },
    }));
  let inventory: Inventory;
  try {
    inventory = await takeInventory(layers);
  } catch (error) {
    if (error instanceof LayerFormatError) throw new UnsupportedImage(`A layer is not a tar archive: ${error.message}`);
    throw error;
  }
  await putInventory(db, key.manifestDigest, JSON.stringify(inventory), context.now());
  return inventory;
}
