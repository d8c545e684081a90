import { RegistryError } from './errors.js';

/**
 * Resource tags (key/value labels on a repository) follow AWS's tagging rules: keys of 1 to
 * 128 characters and values of up to 256, of letters, digits, white space and `_ . : / = + - @`;
 * the `aws:` prefix is reserved for AWS; at most 50 tags per resource.
 */
export interface ResourceTag {
  key: string;
  value: string;
}

export const MAX_RESOURCE_TAGS = 50;
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 256;
const ALLOWED = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

function invalid(message: string): RegistryError {
  return new RegistryError('RESOURCE_TAG_INVALID', message);
}

/** Refuses a key that AWS would refuse (also when only removing it, as UntagResource does). */
export function assertResourceTagKey(key: string): void {
  const length = [...key].length;
  if (length < 1 || length > MAX_KEY_LENGTH) throw invalid(`Tag key '${key}' must be between 1 and ${MAX_KEY_LENGTH} characters long`);
  if (!ALLOWED.test(key)) throw invalid(`Tag key '${key}' may contain only letters, numbers, spaces and the characters _ . : / = + - @`);
  if (key.toLowerCase().startsWith('aws:')) throw invalid(`Tag key '${key}' is not allowed: the prefix 'aws:' is reserved for AWS use`);
}

export function assertResourceTags(tags: readonly ResourceTag[]): void {
  for (const tag of tags) {
    assertResourceTagKey(tag.key);
    if ([...tag.value].length > MAX_VALUE_LENGTH) throw invalid(`Tag value of key '${tag.key}' must be at most ${MAX_VALUE_LENGTH} characters long`);
    if (!ALLOWED.test(tag.value)) {
      throw invalid(`Tag value of key '${tag.key}' may contain only letters, numbers, spaces and the characters _ . : / = + - @`);
    }
  }
}

/** Refuses a resource that would carry more than 50 tags once `keys` are set on it. */
export function assertResourceTagCount(keys: Iterable<string>): void {
  const count = new Set(keys).size;
  if (count > MAX_RESOURCE_TAGS) {
    throw new RegistryError('TOO_MANY_RESOURCE_TAGS', `The resource would have ${count} tags; a resource can have at most ${MAX_RESOURCE_TAGS} tags`);
  }
}
