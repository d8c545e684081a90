/**
 * Scanning configuration as ECR has it. The registry's configuration (PutRegistryScanningConfiguration)
 * names a scan type and up to two rules, each a scan frequency over repository filters
 * (wildcards, as ECR's guide says: `*` matches any run of characters, and a filter without
 * one matches every name that contains it). What applies to a repository:
 *
 * - ENHANCED: the frequency of a rule whose filter matches (CONTINUOUS_SCAN before
 *   SCAN_ON_PUSH); a repository no rule matches is not scanned. Manual scans are refused.
 * - BASIC: SCAN_ON_PUSH when a SCAN_ON_PUSH rule matches; otherwise MANUAL (StartImageScan).
 *   A registry without rules honours the repository's own `scanOnPush`
 *   (PutImageScanningConfiguration), as ECR did before registry rules; rules supersede it.
 *   Basic scanning has no CONTINUOUS_SCAN, as in ECR.
 *
 * Without a stored configuration the registry's is BASIC with no rules.
 */
export type ScanType = 'BASIC' | 'ENHANCED';
export type ScanFrequency = 'SCAN_ON_PUSH' | 'CONTINUOUS_SCAN' | 'MANUAL';

export interface RepositoryFilter {
  filter: string;
  filterType: 'WILDCARD';
}

export interface ScanningRule {
  scanFrequency: ScanFrequency;
  repositoryFilters: RepositoryFilter[];
}

export interface RegistryScanningConfiguration {
  scanType: ScanType;
  rules: ScanningRule[];
}

export const DEFAULT_SCANNING_CONFIGURATION: RegistryScanningConfiguration = { scanType: 'BASIC', rules: [] };

export class ScanningConfigurationError extends Error {
  override name = 'ScanningConfigurationError';
}

/** Checks what the model's shapes cannot say; throws ScanningConfigurationError. */
export function validateScanningConfiguration(configuration: RegistryScanningConfiguration): void {
  for (const rule of configuration.rules) {
    if (configuration.scanType === 'BASIC' && rule.scanFrequency === 'CONTINUOUS_SCAN') {
      throw new ScanningConfigurationError('CONTINUOUS_SCAN is not supported for BASIC scanning: use SCAN_ON_PUSH or MANUAL, or scan type ENHANCED');
    }
    if (configuration.scanType === 'ENHANCED' && rule.scanFrequency === 'MANUAL') {
      throw new ScanningConfigurationError('MANUAL is not supported for ENHANCED scanning: use SCAN_ON_PUSH or CONTINUOUS_SCAN');
    }
  }
  const frequencies = configuration.rules.map((rule) => rule.scanFrequency);
  if (new Set(frequencies).size !== frequencies.length) throw new ScanningConfigurationError('each scan frequency may appear in one rule only');
}

/** Whether a filter matches a repository name: a wildcard pattern the whole name, a plain filter any part of it. */
export function filterMatches(filter: string, repositoryName: string): boolean {
  if (!filter.includes('*')) return repositoryName.includes(filter);
  const pattern = filter
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`).test(repositoryName);
}

export interface EffectiveScanning {
  scanType: ScanType;
  /** Undefined for a repository that ENHANCED scanning does not cover. */
  scanFrequency: ScanFrequency | undefined;
  scanOnPush: boolean;
  appliedScanFilters: RepositoryFilter[];
}

const PRECEDENCE: ScanFrequency[] = ['CONTINUOUS_SCAN', 'SCAN_ON_PUSH', 'MANUAL'];

/** What scanning applies to a repository, given its own scanOnPush setting. */
export function effectiveScanning(configuration: RegistryScanningConfiguration, repositoryName: string, repositoryScanOnPush: boolean): EffectiveScanning {
  for (const frequency of PRECEDENCE) {
    for (const rule of configuration.rules) {
      if (rule.scanFrequency !== frequency) continue;
      const applied = rule.repositoryFilters.filter((filter) => filterMatches(filter.filter, repositoryName));
      if (applied.length > 0) {
        return { scanType: configuration.scanType, scanFrequency: frequency, scanOnPush: frequency !== 'MANUAL', appliedScanFilters: applied };
      }
    }
  }
  if (configuration.scanType === 'ENHANCED') return { scanType: 'ENHANCED', scanFrequency: undefined, scanOnPush: false, appliedScanFilters: [] };
  const onPush = repositoryScanOnPush && configuration.rules.length === 0;
  return { scanType: 'BASIC', scanFrequency: onPush ? 'SCAN_ON_PUSH' : 'MANUAL', scanOnPush: onPush, appliedScanFilters: [] };
}
