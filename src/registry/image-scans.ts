import {
  DEFAULT_SCANNING_CONFIGURATION,
  effectiveScanning,
  ScanningConfigurationError,
  validateScanningConfiguration,
  type EffectiveScanning,
  type RegistryScanningConfiguration,
} from '../scanning/configuration.js';
import { findRepositoryDetails, type RepositoryRow } from '../storage/meta/repositories.js';
import {
  findScan,
  findScans,
  getScanningConfiguration,
  hasFindings,
  listFindings,
  putScanningConfiguration,
  requestManualScan,
  requestScan,
  type FindingRecord,
  type ScanRecord,
} from '../storage/meta/scans.js';
import type { Queryable } from '../storage/meta/schema.js';
import type { Inventory } from '../scanning/inventory.js';
import { inventoryOf, UnsupportedImage } from '../scanning/scanner.js';
import type { RegistryContext } from './context.js';
import { RegistryError } from './errors.js';
import type { ImageId, Images } from './images.js';
import type { ParsedManifest } from './manifest.js';
import { IMAGE_CONFIG_TYPES, IMAGE_MANIFEST_TYPES } from './media-types.js';
import type { Repositories } from './repositories.js';

/** Basic scanning allows one manual scan of an image per this long, as ECR does. */
export const MANUAL_SCAN_INTERVAL_MS = 24 * 3600 * 1000;

/** Tells the scan worker of this process that scans wait (see scanning/worker.ts). */
export class ScanSignal {
  private readonly listeners = new Set<() => void>();

  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(): void {
    for (const listener of this.listeners) listener();
  }
}

export interface ScannedImage {
  repository: RepositoryRow;
  digest: string;
  scan: ScanRecord;
}

/**
 * Image scanning as ECR's API sees it: the registry's scanning configuration, what applies
 * to each repository, scans requested on push or by StartImageScan (queued as durable rows
 * that the scan worker takes), and the findings of the latest scan of an image.
 */
export class ImageScans {
  constructor(
    private readonly context: RegistryContext,
    private readonly repositories: Repositories,
    private readonly images: Images,
    private readonly signal: ScanSignal,
  ) {}

  async configuration(db: Queryable = this.context.database.db): Promise<RegistryScanningConfiguration> {
    return (await getScanningConfiguration(db, this.context.registryId)) ?? DEFAULT_SCANNING_CONFIGURATION;
  }

  async putConfiguration(configuration: RegistryScanningConfiguration): Promise<RegistryScanningConfiguration> {
    try {
      validateScanningConfiguration(configuration);
    } catch (error) {
      if (error instanceof ScanningConfigurationError) throw new RegistryError('SCANNING_CONFIGURATION_INVALID', error.message);
      throw error;
    }
    await this.context.database.transaction((trx) => putScanningConfiguration(trx, this.context.registryId, configuration));
    return configuration;
  }

  /** What scanning applies to each named repository; names that do not exist are failures. */
  async repositoryConfigurations(names: string[]): Promise<{ found: (EffectiveScanning & { repository: string })[]; missing: string[] }> {
    const configuration = await this.configuration();
    const found: (EffectiveScanning & { repository: string })[] = [];
    const missing: string[] = [];
    for (const name of names) {
      const details = await findRepositoryDetails(this.context.database.db, this.context.registryId, name);
      if (!details) missing.push(name);
      else found.push({ repository: name, ...effectiveScanning(configuration, name, details.scanOnPush) });
    }
    return { found, missing };
  }

  /**
   * Queues a scan of a manifest just stored by a push, in the push's transaction, when the
   * repository scans on push (or continuously). Resolves to whether it did; the caller
   * notifies the worker once the push has committed (`notify`).
   */
  async requestOnPush(trx: Queryable, repository: RepositoryRow, digest: string, manifest: ParsedManifest): Promise<boolean> {
    // Container images only: not indexes (their images are pushed, and scanned, one by one), nor artifacts.
    if (!IMAGE_MANIFEST_TYPES.has(manifest.mediaType) || !manifest.configMediaType || !IMAGE_CONFIG_TYPES.has(manifest.configMediaType)) return false;
    const applied = effectiveScanning(await this.configuration(trx), repository.name, repository.scanOnPush);
    if (applied.scanFrequency !== 'SCAN_ON_PUSH' && applied.scanFrequency !== 'CONTINUOUS_SCAN') return false;
    await requestScan(trx, { repositoryId: repository.id, manifestDigest: digest }, applied.scanType, this.context.now());
    return true;
  }

  notify(): void {
    this.signal.notify();
  }

  /** StartImageScan: a basic scan of one image, at most once a day. */
  async start(name: string, imageId: ImageId): Promise<{ digest: string; tag?: string; status: 'IN_PROGRESS' }> {
    const { repository, image } = await this.image(name, imageId);
    const configuration = await this.configuration();
    if (configuration.scanType === 'ENHANCED') {
      // ECR's words: manual scans are a feature of basic scanning only.
      throw new RegistryError('SCAN_NOT_ALLOWED', 'This feature is disabled');
    }
    if (!IMAGE_MANIFEST_TYPES.has(image.mediaType)) {
      throw new RegistryError('SCAN_IMAGE_UNSUPPORTED', `The image ${image.digest} has media type ${image.mediaType}: only image manifests are scanned.`);
    }
    const key = { repositoryId: repository.id, manifestDigest: image.digest };
    const queued = await this.context.database.transaction((trx) => requestManualScan(trx, key, this.context.now(), MANUAL_SCAN_INTERVAL_MS));
    if (!queued) throw new RegistryError('SCAN_LIMIT_EXCEEDED', 'The scan quota per image has been exceeded. Wait and try again.');
    this.signal.notify();
    return { digest: image.digest, tag: imageId.imageTag, status: 'IN_PROGRESS' };
  }

  /** The latest scan of an image and a page of its active findings (ScanNotFoundException before any scan). */
  async findings(name: string, imageId: ImageId, page: { offset: number; limit: number }): Promise<ScannedImage & { findings: FindingRecord[] }> {
    const { repository, image } = await this.image(name, imageId);
    const key = { repositoryId: repository.id, manifestDigest: image.digest };
    const scan = await findScan(this.context.database.db, key);
    if (!scan) {
      throw new RegistryError(
        'SCAN_NOT_FOUND',
        `Image scan does not exist for image with '{imageDigest:'${image.digest}'${imageId.imageTag ? `, imageTag:'${imageId.imageTag}'` : ''}}' in the repository with name '${name}' in the registry with id '${this.context.registryId}'`,
      );
    }
    const findings = hasFindings(scan.status) ? await listFindings(this.context.database.db, key, { status: 'ACTIVE', ...page }) : [];
    return { repository, digest: image.digest, scan, findings };
  }

  /**
   * An image's package inventory (its SBOM's content): recorded by its first scan, or read
   * from its layers now (and recorded). Indexes and artifacts have none.
   */
  async inventory(name: string, imageId: ImageId): Promise<{ digest: string; tags: string[]; inventory: Inventory }> {
    const { repository, image } = await this.image(name, imageId);
    try {
      const inventory = await inventoryOf(this.context, { repositoryId: repository.id, manifestDigest: image.digest });
      return { digest: image.digest, tags: image.tags, inventory };
    } catch (error) {
      if (error instanceof UnsupportedImage) throw new RegistryError('SCAN_IMAGE_UNSUPPORTED', `${error.message} It has no package inventory.`);
      throw error;
    }
  }

  /** The scans of images of a repository (for DescribeImages), by digest. */
  async scansOf(name: string, digests: string[]): Promise<Map<string, ScanRecord>> {
    const repository = await this.repositories.get(name);
    return findScans(this.context.database.db, repository.id, digests);
  }

  private async image(name: string, imageId: ImageId) {
    const repository = await this.repositories.get(name);
    const [image] = await this.images.describeIds(name, [imageId]);
    return { repository, image: image! };
  }
}
