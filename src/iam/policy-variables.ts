import type { PatternPiece } from './wildcard.js';

/**
 * Policy variables (IAM User Guide, "IAM policy elements: Variables and tags"): in a
 * `2012-10-17` policy, `${aws:username}` in a Resource or in a string, ARN or Bool
 * condition value is replaced by that key's value in the request; `${key, 'default'}`
 * supplies a value for a missing key; `${*}`, `${?}` and `${$}` stand for the literal
 * characters. Substituted text is literal: a `*` in a user name is not a wildcard.
 * Version `2008-10-17` predates variables, so there the text is taken as written.
 */

/** Returns the single value of a context key, or undefined when the request has none. */
export type VariableLookup = (key: string) => string | undefined;

export type Substitution =
  | { readonly ok: true; readonly pieces: readonly PatternPiece[] }
  /** A variable with no value and no default: AWS documents that this can make the statement invalid. */
  | { readonly ok: false; readonly missingKey: string };

const VARIABLE = /\$\{([^}]*)\}/g;
const SPECIAL_CHARACTERS = new Set(['*', '?', '$']);
const WITH_DEFAULT = /^([^,]+),\s*'([^']*)'\s*$/;

export function substitutePolicyVariables(text: string, lookup: VariableLookup, enabled: boolean): Substitution {
  if (!enabled || !text.includes('${')) return { ok: true, pieces: [{ text, literal: false }] };
  const pieces: PatternPiece[] = [];
  let last = 0;
  for (const match of text.matchAll(VARIABLE)) {
    const start = match.index;
    const inner = (match[1] ?? '').trim();
    const variable = parseVariable(inner);
    if (variable === undefined) continue; // not a variable: stays plain text
    if (start > last) pieces.push({ text: text.slice(last, start), literal: false });
    if (variable.special !== undefined) {
      pieces.push({ text: variable.special, literal: true });
    } else {
      const value = lookup(variable.key) ?? variable.fallback;
      if (value === undefined) return { ok: false, missingKey: variable.key };
      pieces.push({ text: value, literal: true });
    }
    last = start + match[0].length;
  }
  if (last < text.length) pieces.push({ text: text.slice(last), literal: false });
  return { ok: true, pieces };
}

/** The text a substitution stands for, for operators that compare whole strings. */
export function substitutedText(pieces: readonly PatternPiece[]): string {
  return pieces.map((piece) => piece.text).join('');
}

type Variable = { special: string; key?: undefined; fallback?: undefined } | { special?: undefined; key: string; fallback?: string };

function parseVariable(inner: string): Variable | undefined {
  if (SPECIAL_CHARACTERS.has(inner)) return { special: inner };
  const withDefault = WITH_DEFAULT.exec(inner);
  if (withDefault) return { key: withDefault[1]!.trim(), fallback: withDefault[2]! };
  if (/^[^\s,'${}]+$/.test(inner)) return { key: inner };
  return undefined;
}
