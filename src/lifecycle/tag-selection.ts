import type { LifecycleRuleSelection } from './policy.js';

/**
 * Which images a lifecycle rule selects by their tags alone: what the ECR User Guide calls
 * a rule's "tagging requirements" (its tagStatus and tag list, not its count).
 *
 * - `any` selects every image; `untagged` selects images with no tag.
 * - `tagged` with a `tagPrefixList` selects an image when EVERY prefix in the list starts
 *   at least one of the image's tags ("If multiple tags are specified, only images with all
 *   specified tags are selected"): `["dev-", "feature-"]` needs a `dev-…` tag AND a
 *   `feature-…` tag, which surprises people who expect OR; ECR needs one rule per prefix
 *   for that.
 * - `tagged` with a `tagPatternList` likewise needs every pattern to match a whole tag. In
 *   a pattern `*` stands for any run of characters, including none; everything else is
 *   literal, compared case-sensitively like tags.
 * - `tagged` with neither list, or with both, cannot come out of parseLifecyclePolicy; a
 *   policy built by hand that way selects the tagged images meeting every entry of the lists
 *   it has (so every tagged image when it has none).
 */

export type TagSelection = Pick<LifecycleRuleSelection, 'tagStatus' | 'tagPrefixList' | 'tagPatternList'>;

/** Whether `tag` matches the whole of `pattern`, where `*` is the only wildcard. */
export function matchesTagPattern(pattern: string, tag: string): boolean {
  return compileTagPattern(pattern)(tag);
}

/** Whether `tag` starts with `prefix`. */
export function matchesTagPrefix(prefix: string, tag: string): boolean {
  return tag.startsWith(prefix);
}

/**
 * A matcher for one pattern, split at its stars once rather than for every tag. The literal
 * pieces between stars must appear in order between the head and the tail; taking the
 * earliest occurrence of each is always right (a later one only leaves less room for the
 * rest), so there is no backtracking: at worst pattern length × tag length work.
 */
export function compileTagPattern(pattern: string): (tag: string) => boolean {
  const pieces = pattern.split('*');
  if (pieces.length === 1) return (tag) => tag === pattern;
  const head = pieces[0]!;
  const tail = pieces[pieces.length - 1]!;
  const middle = pieces.slice(1, -1).filter((piece) => piece !== '');
  const fixedLength = head.length + tail.length;
  return (tag) => {
    if (tag.length < fixedLength || !tag.startsWith(head) || !tag.endsWith(tail)) return false;
    const end = tag.length - tail.length;
    let position = head.length;
    for (const piece of middle) {
      const found = tag.indexOf(piece, position);
      if (found < 0 || found + piece.length > end) return false;
      position = found + piece.length;
    }
    return true;
  };
}

function everyPrefixMatches(prefixes: readonly string[], tags: readonly string[]): boolean {
  for (const prefix of prefixes) {
    let found = false;
    for (const tag of tags) {
      if (tag.startsWith(prefix)) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

function everyPatternMatches(patterns: ReadonlyArray<(tag: string) => boolean>, tags: readonly string[]): boolean {
  for (const matches of patterns) {
    let found = false;
    for (const tag of tags) {
      if (matches(tag)) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

/** A predicate on an image's tags for one rule's selection, for evaluating it over many images. */
export function tagSelector(selection: TagSelection): (tags: readonly string[]) => boolean {
  switch (selection.tagStatus) {
    case 'any':
      return () => true;
    case 'untagged':
      return (tags) => tags.length === 0;
    case 'tagged': {
      const prefixes = [...(selection.tagPrefixList ?? [])];
      const patterns = (selection.tagPatternList ?? []).map(compileTagPattern);
      return (tags) => tags.length > 0 && everyPrefixMatches(prefixes, tags) && everyPatternMatches(patterns, tags);
    }
  }
}

/** Whether a rule's tagging requirements select an image with these tags. */
export function selectsTags(selection: TagSelection, tags: readonly string[]): boolean {
  return tagSelector(selection)(tags);
}
