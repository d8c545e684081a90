/**
 * ECR's per-repository settings and the rules about them: tag mutability (with exclusion
 * filters), scan on push and encryption.
 */
export const TAG_MUTABILITIES = ['MUTABLE', 'IMMUTABLE', 'MUTABLE_WITH_EXCLUSION', 'IMMUTABLE_WITH_EXCLUSION'] as const;
export type TagMutability = (typeof TAG_MUTABILITIES)[number];

export interface TagMutabilityExclusion {
  filterType: 'WILDCARD';
  /** A tag pattern where `*` matches any run of characters. */
  filter: string;
}

export interface RepositorySettings {
  imageTagMutability: TagMutability;
  tagMutabilityExclusions: TagMutabilityExclusion[];
  scanOnPush: boolean;
  encryptionType: 'AES256' | 'KMS' | 'KMS_DSSE';
  kmsKey: string | null;
}

export const DEFAULT_REPOSITORY_SETTINGS: RepositorySettings = {
  imageTagMutability: 'MUTABLE',
  tagMutabilityExclusions: [],
  scanOnPush: false,
  encryptionType: 'AES256',
  kmsKey: null,
};

/**
 * Whether a tag may be moved to another image. An exclusion filter flips the setting for
 * the tags it matches: under IMMUTABLE_WITH_EXCLUSION the matching tags stay mutable, under
 * MUTABLE_WITH_EXCLUSION the matching tags are immutable.
 */
export function isTagImmutable(settings: Pick<RepositorySettings, 'imageTagMutability' | 'tagMutabilityExclusions'>, tag: string): boolean {
  switch (settings.imageTagMutability) {
    case 'MUTABLE':
      return false;
    case 'IMMUTABLE':
      return true;
    case 'IMMUTABLE_WITH_EXCLUSION':
      return !settings.tagMutabilityExclusions.some((exclusion) => wildcardMatches(exclusion.filter, tag));
    case 'MUTABLE_WITH_EXCLUSION':
      return settings.tagMutabilityExclusions.some((exclusion) => wildcardMatches(exclusion.filter, tag));
  }
}

function wildcardMatches(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return regex.test(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
