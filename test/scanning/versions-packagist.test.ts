import { describe, expect, it } from 'vitest';
import { packagistVersionScheme as packagist } from '../../src/scanning/versions/index.js';
import { type Relation, mismatches } from './version-cases.js';

/** All ordered pairs of a list of [version, rank] with the relation their ranks imply. */
function rankedPairs(ranked: ReadonlyArray<readonly [string, number]>): Array<[string, Relation, string]> {
  return ranked.flatMap(([a, rankA]) =>
    ranked.map(([b, rankB]): [string, Relation, string] => [a, rankA < rankB ? '<' : rankA > rankB ? '>' : '=', b]),
  );
}

describe('packagist version ordering', () => {
  it("orders the TESTING COMPARE cases of PHP's ext/standard/tests/versioning/version_compare.phpt", () => {
    const rows: Array<[string, Relation, string]> = [
      ['1', '<', '2'],
      ['10', '>', '2'],
      ['1.0', '<', '1.1'],
      ['1.2', '>', '1.0.1'],
      // The 7×7 matrix of "1.0$f1" against "1.0$f2" for the special forms -dev, a1, b1, RC1, rc1, "" and pl1.
      ...rankedPairs([
        ['1.0-dev', 0],
        ['1.0a1', 1],
        ['1.0b1', 2],
        ['1.0RC1', 3],
        ['1.0rc1', 3],
        ['1.0', 4],
        ['1.0pl1', 5],
      ]),
    ];
    expect(rows).toHaveLength(53);
    expect(mismatches(packagist, rows)).toEqual([]);
  });

  it('orders special forms as the PHP manual lists them: unknown < dev < alpha = a < beta = b < RC = rc < # < pl = p', () => {
    const rows = rankedPairs([
      ['1.0-foo', -1],
      ['1.0-xyz', -1],
      ['1.0-dev', 0],
      ['1.0-alpha', 1],
      ['1.0-a', 1],
      ['1.0-beta', 2],
      ['1.0-b', 2],
      ['1.0-RC', 3],
      ['1.0-rc', 3],
      ['1.0', 4], // running out of parts compares as "#"
      ['1.0-pl', 5],
      ['1.0-p', 5],
    ]);
    expect(mismatches(packagist, rows)).toEqual([]);
  });

  it('follows the PHP manual notes and the canonicalisation example', () => {
    const rows: Array<[string, Relation, string]> = [
      ['5.3.0-dev', '<', '5.3.0'], // pre-releases are lower than their final release
      ['4.3.2RC1', '=', '4.3.2.RC.1'], // '4.3.2RC1' becomes '4.3.2.RC.1'
      ['1.0.0_beta-1', '=', '1.0.0+beta.1'], // _, - and + become .
      ['1.0-Dev', '<', '1.0-dev'], // matching is case-sensitive: "Dev" is an unknown string
      ['1.0-patch1', '>', '1.0'], // "patch" ranks as "p"
      ['1.0-pre1', '>', '1.0'], // and so does "pre"
      ['1.0-bar', '=', '1.0-beta'], // prefix matching: "bar" ranks as "b"
    ];
    expect(mismatches(packagist, rows)).toEqual([]);
  });

  it("tolerates a leading v and pads the release to Composer's four numbers", () => {
    const rows: Array<[string, Relation, string]> = [
      ['v1.2.3', '=', '1.2.3'],
      ['V1.2.3', '=', '1.2.3'],
      ['v2.0.0-RC1', '<', '2.0.0'],
      ['5.2', '=', '5.2.0'], // bare version_compare would say 5.2 < 5.2.0
      ['1', '=', '1.0.0.0'],
      ['2.1-beta', '=', '2.1.0.0-beta'],
      ['1.0.0-beta.2', '=', '1.0.0-beta2'],
      ['1.0.0-beta.2', '<', '1.0.0-beta.10'],
      ['1.0.0.0.1', '>', '1.0'], // a fifth number still counts
      ['1.99999999999999999999', '>', '1.99999999999999999998'], // numbers of any length
      ['6.4.0', '<', '6.4.10'],
      ['3.4.47', '>', '3.4.9'],
    ];
    expect(mismatches(packagist, rows)).toEqual([]);
  });

  it('rejects text that is not a version', () => {
    const invalid = ['', 'v', 'dev-master', '1.2(message)', '1..2', '1.0-', '-1.0', ' 1.0', '1.0 ', 'vv1.0', '1.0/2'];
    expect(invalid.filter((v) => packagist.isValid(v))).toEqual([]);
    expect(['1', '1.0.x-dev', '2.0.0-RC1', 'v5.4.1-p1', '2010.01.02'].filter((v) => !packagist.isValid(v))).toEqual([]);
  });
});
