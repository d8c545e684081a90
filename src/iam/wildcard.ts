/**
 * Wildcard patterns as the IAM policy language uses them: `*` stands for any run of
 * characters (including none), `?` for exactly one character; everything else stands for
 * itself. Matching works on Unicode code points and runs in time proportional to
 * pattern length × value length, whatever the pattern (no regular expressions, so no
 * catastrophic backtracking on hostile policies).
 */

/** One position of a compiled pattern. */
export type PatternElement =
  | { readonly kind: 'char'; readonly char: string }
  /** `?`: one character, other than `excluding` when set. */
  | { readonly kind: 'one'; readonly excluding?: string }
  /** `*`: any run of characters, none of them `excluding` when set. */
  | { readonly kind: 'many'; readonly excluding?: string };

/**
 * A piece of pattern text. In a `literal` piece `*` and `?` stand for themselves: policy
 * variables such as `${*}` and the values substituted for `${aws:username}` are literal.
 */
export interface PatternPiece {
  readonly text: string;
  readonly literal: boolean;
}

export interface WildcardOptions {
  readonly ignoreCase?: boolean;
}

export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/** Compiles pattern text (or pieces of it) into elements. */
export function patternElements(
  pattern: string | readonly PatternPiece[],
  options: WildcardOptions = {},
): PatternElement[] {
  const pieces = typeof pattern === 'string' ? [{ text: pattern, literal: false }] : pattern;
  const elements: PatternElement[] = [];
  for (const piece of pieces) {
    const text = options.ignoreCase ? piece.text.toLowerCase() : piece.text;
    for (const char of text) {
      if (!piece.literal && char === '*') elements.push({ kind: 'many' });
      else if (!piece.literal && char === '?') elements.push({ kind: 'one' });
      else elements.push({ kind: 'char', char });
    }
  }
  return elements;
}

/** Whether the whole of `value` matches the compiled pattern. */
export function matchElements(
  elements: readonly PatternElement[],
  value: string,
  options: WildcardOptions = {},
): boolean {
  const chars = Array.from(options.ignoreCase ? value.toLowerCase() : value);
  // matched[j]: the elements seen so far match the first j characters of the value.
  let matched: boolean[] = new Array<boolean>(chars.length + 1).fill(false);
  matched[0] = true;
  for (const element of elements) {
    const next: boolean[] = new Array<boolean>(chars.length + 1).fill(false);
    if (element.kind === 'many') {
      next[0] = matched[0] === true;
      for (let j = 1; j <= chars.length; j++) {
        next[j] = matched[j] === true || (next[j - 1] === true && chars[j - 1] !== element.excluding);
      }
    } else {
      for (let j = 1; j <= chars.length; j++) {
        if (matched[j - 1] !== true) continue;
        const char = chars[j - 1];
        next[j] = element.kind === 'char' ? char === element.char : char !== element.excluding;
      }
    }
    matched = next;
  }
  return matched[chars.length] === true;
}

/** Whether `value` matches the wildcard `pattern` (`*` and `?`). */
export function matchesWildcard(pattern: string, value: string, options: WildcardOptions = {}): boolean {
  return matchElements(patternElements(pattern, options), value, options);
}
