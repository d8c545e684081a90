/** Checking a version ordering against an ecosystem's documented cases. */
import type { VersionScheme } from '../../src/scanning/versions/index.js';

export type Relation = '<' | '=' | '>';
const EXPECTED_SIGN: Record<Relation, number> = { '<': -1, '=': 0, '>': 1 };

/** Rows that are not both valid, or whose comparison (either way round) disagrees with the relation. */
export function mismatches(scheme: VersionScheme, rows: ReadonlyArray<readonly [string, Relation, string]>): string[] {
  return rows
    .filter(([a, relation, b]) => {
      const want = EXPECTED_SIGN[relation];
      return (
        !scheme.isValid(a) ||
        !scheme.isValid(b) ||
        Math.sign(scheme.compare(a, b)) !== want ||
        Math.sign(scheme.compare(b, a)) !== -want
      );
    })
    .map(([a, relation, b]) => `${a} ${relation} ${b}`);
}

/** Every earlier entry of an ascending list is below every later one. */
export function ascendingPairs(list: readonly string[]): Array<[string, Relation, string]> {
  return list.flatMap((a, i) => list.slice(i + 1).map((b): [string, Relation, string] => [a, '<', b]));
}
