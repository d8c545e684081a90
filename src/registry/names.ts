import { RegistryError } from './errors.js';

/**
 * Repository names follow the OCI distribution grammar: path components of lowercase
 * alphanumerics separated by `.`, `_`, `__` or runs of `-`, joined by `/`.
 * The length limit is ECR's (2 to 256 characters).
 */
const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const REPOSITORY_NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
export const MAX_REPOSITORY_NAME_LENGTH = 256;

/** Tags: up to 128 characters of word characters, dots and dashes, not starting with . or -. */
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

export function isValidRepositoryName(name: string): boolean {
  return name.length >= 2 && name.length <= MAX_REPOSITORY_NAME_LENGTH && REPOSITORY_NAME.test(name);
}

export function assertRepositoryName(name: string): string {
  if (!isValidRepositoryName(name)) {
    throw new RegistryError('NAME_INVALID', `invalid repository name ${JSON.stringify(name)}`);
  }
  return name;
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

export function assertTag(tag: string): string {
  if (!isValidTag(tag)) {
    throw new RegistryError('TAG_INVALID', `invalid tag ${JSON.stringify(tag)}`);
  }
  return tag;
}
