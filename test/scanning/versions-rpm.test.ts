import { describe, expect, it } from 'vitest';
import { rpmVersionScheme as rpm } from '../../src/scanning/versions/index.js';
import { rpmvercmp } from '../../src/scanning/versions/rpm.js';
import { type Relation, mismatches } from './version-cases.js';

/**
 * rpm's tests/rpmvercmp.at: every RPMVERCMP(a, b, result) line, including the tilde and caret
 * sections of current rpm. The RhBug:178798 separator-only rows are checked against rpmvercmp
 * directly below, because strings without any alphanumeric are not valid versions here.
 */
const RPMVERCMP_AT = `
1.0 1.0 0
1.0 2.0 -1
2.0 1.0 1
2.0.1 2.0.1 0
2.0 2.0.1 -1
2.0.1 2.0 1
2.0.1a 2.0.1a 0
2.0.1a 2.0.1 1
2.0.1 2.0.1a -1
5.5p1 5.5p1 0
5.5p1 5.5p2 -1
5.5p2 5.5p1 1
5.5p10 5.5p10 0
5.5p1 5.5p10 -1
5.5p10 5.5p1 1
10xyz 10.1xyz -1
10.1xyz 10xyz 1
xyz10 xyz10 0
xyz10 xyz10.1 -1
xyz10.1 xyz10 1
xyz.4 xyz.4 0
xyz.4 8 -1
8 xyz.4 1
xyz.4 2 -1
2 xyz.4 1
5.5p2 5.6p1 -1
5.6p1 5.5p2 1
5.6p1 6.5p1 -1
6.5p1 5.6p1 1
6.0.rc1 6.0 1
6.0 6.0.rc1 -1
10b2 10a1 1
10a2 10b2 -1
1.0aa 1.0aa 0
1.0a 1.0aa -1
1.0aa 1.0a 1
10.0001 10.0001 0
10.0001 10.1 0
10.1 10.0001 0
10.0001 10.0039 -1
10.0039 10.0001 1
4.999.9 5.0 -1
5.0 4.999.9 1
20101121 20101121 0
20101121 20101122 -1
20101122 20101121 1
2_0 2_0 0
2.0 2_0 0
2_0 2.0 0
a a 0
a+ a+ 0
a+ a_ 0
a_ a+ 0
+a +a 0
+a _a 0
_a +a 0
1.0~rc1 1.0~rc1 0
1.0~rc1 1.0 -1
1.0 1.0~rc1 1
1.0~rc1 1.0~rc2 -1
1.0~rc2 1.0~rc1 1
1.0~rc1~git123 1.0~rc1~git123 0
1.0~rc1~git123 1.0~rc1 -1
1.0~rc1 1.0~rc1~git123 1
1.0^ 1.0^ 0
1.0^ 1.0 1
1.0 1.0^ -1
1.0^git1 1.0^git1 0
1.0^git1 1.0 1
1.0 1.0^git1 -1
1.0^git1 1.0^git2 -1
1.0^git2 1.0^git1 1
1.0^git1 1.01 -1
1.01 1.0^git1 1
1.0^20160101 1.0^20160101 0
1.0^20160101 1.0.1 -1
1.0.1 1.0^20160101 1
1.0^20160101^git1 1.0^20160101^git1 0
1.0^20160102 1.0^20160101^git1 1
1.0^20160101^git1 1.0^20160102 -1
1.0~rc1^git1 1.0~rc1^git1 0
1.0~rc1^git1 1.0~rc1 1
1.0~rc1 1.0~rc1^git1 -1
1.0^git1~pre 1.0^git1~pre 0
1.0^git1 1.0^git1~pre 1
1.0^git1~pre 1.0^git1 -1`;

const fromSign = (n: string): Relation => (n === '-1' ? '<' : n === '1' ? '>' : '=');

describe('rpm version ordering', () => {
  it("orders rpm's rpmvercmp test cases (tests/rpmvercmp.at)", () => {
    const rows = RPMVERCMP_AT.trim()
      .split('\n')
      .map((line) => line.trim().split(' '))
      .map(([a, b, result]): [string, Relation, string] => [a!, fromSign(result!), b!]);
    expect(rows).toHaveLength(86);
    expect(mismatches(rpm, rows)).toEqual([]);
  });

  it('treats separator-only segments as equal, as rpmvercmp does (tests/rpmvercmp.at, RhBug:178798)', () => {
    const pairs = [['+_', '+_'], ['_+', '+_'], ['_+', '_+'], ['+', '_'], ['_', '+']] as const;
    expect(pairs.map(([a, b]) => rpmvercmp(a, b))).toEqual([0, 0, 0, 0, 0]);
  });

  it('compares epoch, then version, then release (rpmio/rpmver.c rpmverCmp)', () => {
    const rows: Array<[string, Relation, string]> = [
      ['1:1.0-1', '>', '2.0-1'], // epoch first
      ['0:1.0-1', '=', '1.0-1'], // absent epoch is 0
      ['00:1.0', '=', '1.0'],
      ['2:1.0', '>', '1:9.9'],
      ['10:1', '>', '9:1'], // epochs compare numerically
      ['1.0-2', '>', '1.0-1'],
      ['1.0-10', '>', '1.0-9'],
      ['1.0', '<', '1.0-1'], // no release sorts before any release
      ['1.0', '<', '1.0-0'],
      ['1.1', '>', '1.0-99'], // the version decides before the release
      ['2.28-225.el8', '<', '2.28-225.el8_8.6'],
      ['1:2.02-142.el8', '<', '1:2.02-142.el8_7.1'],
      ['4.4.20-1.el9', '<', '4.4.20-1.el9_0'],
      ['3.0.7-16.el9_2', '<', '3.0.7-17.el9'],
      ['1.0-1.fc39', '<', '1.0-1.fc40'],
      ['1.0-A', '<', '1.0-a'], // letters compare in ASCII order
      ['1.0~beta-1', '<', '1.0-1'],
      ['1.99999999999999999999', '>', '1.99999999999999999998'], // numbers of any length
    ];
    expect(mismatches(rpm, rows)).toEqual([]);
  });

  it('rejects text that is not an rpm EVR', () => {
    const invalid = ['', ' 1.0', '1.0 ', '1.0-', '-1', ':1.0', 'a:1.0', '1:', '1.0-1-2', '1.0/1', '1,0', '+', '~', '1.0-+', '1:2:3'];
    expect(invalid.filter((v) => rpm.isValid(v))).toEqual([]);
    expect(['1', '1.0', '0:1.0-1.el9', '1.0~rc1^git2-3.fc40', '2.0_1+x', 'xyz.4'].filter((v) => !rpm.isValid(v))).toEqual([]);
  });
});
