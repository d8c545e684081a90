import { InvalidArgumentError, type Command } from 'commander';
import { registryHostFor } from '../auth/registry-host.js';
import { looksLikeDigest } from '../registry/digest.js';
import { isRegistryError } from '../registry/errors.js';
import { isSbomFormat, renderSbom, SBOM_FORMATS, type SbomFormat } from '../scanning/sbom/index.js';
import { MaintenanceError } from './maintenance.js';
import { addStorageOptions, loadConfigWith, withStorage, type StorageOptions } from './storage-options.js';

/** An image reference as docker writes it: `[host/]repository[:tag|@digest]` (the host, when given, is dropped). */
export function parseImageReference(text: string): { repository: string; imageId: { imageTag?: string; imageDigest?: string } } {
  let rest = text;
  const slash = rest.indexOf('/');
  if (slash > 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') rest = rest.slice(slash + 1);
  }
  const at = rest.indexOf('@');
  if (at >= 0) {
    const digest = rest.slice(at + 1);
    if (!looksLikeDigest(digest)) throw new InvalidArgumentError(`'${digest}' is not a digest`);
    return { repository: rest.slice(0, at), imageId: { imageDigest: digest } };
  }
  const colon = rest.lastIndexOf(':');
  if (colon > 0) return { repository: rest.slice(0, colon), imageId: { imageTag: rest.slice(colon + 1) } };
  return { repository: rest, imageId: { imageTag: 'latest' } };
}

/**
 * `stowage sbom <image> [--format cyclonedx|spdx]`: the image's package inventory as an
 * SBOM on stdout (CycloneDX 1.5 JSON by default, or SPDX 2.3 JSON), from the configured
 * storage, beside a running server or without one. The same document as
 * `GET /v2/<name>/_stowage/sbom/<reference>`.
 */
export function registerSbomCommand(program: Command): void {
  addStorageOptions(program.command('sbom').description("print an image's SBOM (CycloneDX or SPDX JSON)").argument('<image>', 'repository:tag or repository@digest'))
    .option('--format <format>', `one of ${SBOM_FORMATS.join(', ')}`, formatOption, 'cyclonedx' as SbomFormat)
    .option('--account-id <id>', 'the registry holding the repository (default: the configured account)')
    .action(async (image: string, options: StorageOptions & { format: SbomFormat; accountId?: string }) => {
      const config = loadConfigWith(options);
      const { repository, imageId } = parseImageReference(image);
      const accountId = options.accountId ?? config.accountId;
      await withStorage(config, async (storage) => {
        const registry = storage.forAccount(accountId);
        let found;
        try {
          found = await registry.scans.inventory(repository, imageId);
        } catch (error) {
          if (isRegistryError(error)) throw new MaintenanceError(error.message);
          throw error;
        }
        // The registry's address as clients name it (ECR's form under a registry domain).
        const host = registryHostFor(accountId, { registryDomain: config.registryDomain, region: config.region, requestHost: `${config.host}:${config.port}` });
        const subject = { registry: host, repository, digest: found.digest, tags: found.tags };
        process.stdout.write(`${renderSbom(options.format, found.inventory, subject, new Date())}\n`);
      });
    });
}

function formatOption(value: string): SbomFormat {
  if (!isSbomFormat(value)) throw new InvalidArgumentError(`use one of ${SBOM_FORMATS.join(', ')}`);
  return value;
}
