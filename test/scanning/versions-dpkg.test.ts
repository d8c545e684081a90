import { describe, expect, it } from 'vitest';
import { dpkgVersionScheme as dpkg } from '../../src/scanning/versions/index.js';
import { type Relation, mismatches, ascendingPairs } from './version-cases.js';

const fromSign = (n: string): Relation => (n === '-1' ? '<' : n === '1' ? '>' : '=');

describe('dpkg version ordering', () => {
  it("orders dpkg's Dpkg::Version comparison table (scripts/t/Dpkg_Version.t)", () => {
    // The __DATA__ rows of dpkg's scripts/t/Dpkg_Version.t ("a b result"). Rows the Perl module
    // accepts but the C parser rejects (an empty revision such as "0foo-", an empty upstream
    // version such as "-0.6.5") are checked as invalid below instead.
    const table = `
      1.0-1 2.0-2 -1
      2.2~rc-4 2.2-1 -1
      2.2-1 2.2~rc-4 1
      1.0000-1 1.0-1 0
      1 0:1 0
      0 0:0-0 0
      2:2.5 1:7.5 1
      1:0foo 0foo 1
      0:0foo 0foo 0
      0foo 0foo 0
      0foo 0fo 1
      0foo~1 0foo -1
      0foo~foo+Bar 0foo~foo+bar -1
      0foo~~ 0foo~ -1
      1~ 1 -1
      12345+that-really-is-some-ver-0 12345+that-really-is-some-ver-10 -1
      0foo-0 0foo-01 -1
      0foo.bar 0foobar 1
      0foo.bar 0foo1bar 1
      0foo.bar 0foo0bar 1
      0foo1bar-1 0foobar-1 -1
      0foo2.0 0foo2 1
      0foo2.0.0 0foo2.10.0 -1
      0foo2.0 0foo2.0.0 -1
      0foo2.0 0foo2.10 -1
      0foo2.1 0foo2.10 -1
      1.09 1.9 0
      1.0.8+nmu1 1.0.8 1
      3.11 3.10+nmu1 1
      0.9j-20080306-4 0.9i-20070324-2 1
      1.2.0~b7-1 1.2.0~b6-1 1
      1.011-1 1.06-2 1
      0.0.9+dfsg1-1 0.0.8+dfsg1-3 1
      4.6.99+svn6582-1 4.6.99+svn6496-1 1
      53 52 1
      0.9.9~pre122-1 0.9.9~pre111-1 1
      2:2.3.2-2+lenny2 2:2.3.2-2 1
      1:3.8.1-1 3.8.GA-1 1
      1.0.1+gpl-1 1.0.1-2 1
      1a 1000a -1`;
    const rows = table
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .map(([a, b, result]): [string, Relation, string] => [a!, fromSign(result!), b!]);
    expect(rows).toHaveLength(40);
    expect(mismatches(dpkg, rows)).toEqual([]);
  });

  it("treats versions that dpkg's C parser rejects as invalid (lib/dpkg/t/t-version.c, Dpkg_Version.t)", () => {
    const invalid = [
      '', // version string is empty
      '  ',
      '0:', // nothing after colon
      ':1.0', // empty epoch
      '1.0-', // empty revision
      '0foo-',
      '0:0 0-1', // embedded space
      '-1:0-1', // negative epoch
      '999999999999999999999999:0-1', // epoch too big
      '2147483648:1', // just above INT_MAX
      'a:0-0', // non-numeric epoch
      'A:0-0',
      '10a:5.2',
      '-0', // empty upstream version
      '0:-0',
      '-0.6.5',
      '0:abc3-0', // upstream not starting with a digit (a dpkg warning)
      'foo5.2',
      '0:foo5.2',
      '5.2@3-2', // illegal character
      '0:0-0:0', // colon in the revision
      ...[...'!#@$%&/|\\<>()[]{};,_=*^\''].map((c) => `0:0${c}-0`),
      ...[...'!#@$%&/|\\<>()[]{}:;,_=*^\''].map((c) => `0:0-${c}`),
    ];
    expect(invalid.filter((v) => dpkg.isValid(v))).toEqual([]);
  });

  it("parses the spellings dpkg's C tests accept as the versions they name (lib/dpkg/t/t-version.c)", () => {
    const rows: Array<[string, Relation, string]> = [
      ['0', '=', '0:0'],
      ['0:0-0', '=', '0'],
      ['0:0.0-0.0', '=', '0.0-0.0'],
      ['1:0', '>', '0'],
      ['5:1', '>', '4:9'],
      ['0:0-0-0', '=', '0-0-0'], // upstream "0-0", revision "0"
      ['0:0-0-0-0', '>', '0:0-0-0'],
      ['0:0:0-0', '=', '0:0:0-0'], // upstream "0:0"
      ['0:0:0:0-0', '>', '0:0:0-0'],
      ['0:0-0:0-0', '=', '0:0-0:0-0'],
      ['0:09azAZ.-+~:-0', '=', '0:09azAZ.-+~:-0'],
      ['0:0-azAZ09.+~', '=', '0-azAZ09.+~'],
      ['  \t0:0-1', '=', '0-1'],
      ['0:0-1\t  ', '=', '0-1'],
      ['\t  0:0-1  \t', '=', '0-1'],
      ['0:0-1', '>', '0:0-0'],
    ];
    expect(mismatches(dpkg, rows)).toEqual([]);
  });

  it('orders tilde parts as Debian Policy 5.6.12 shows: ~~ < ~~a < ~ < (nothing) < a', () => {
    // Policy's example parts, each appended to an otherwise equal version.
    expect(mismatches(dpkg, ascendingPairs(['1.0~~', '1.0~~a', '1.0~', '1.0', '1.0a']))).toEqual([]);
  });

  it('orders upstream pre-releases before the release (deb-version(7): 1.0~beta1~svn1245 < 1.0~beta1 < 1.0)', () => {
    expect(mismatches(dpkg, ascendingPairs(['1.0~beta1~svn1245', '1.0~beta1', '1.0']))).toEqual([]);
  });

  it('puts letters before non-letters and compares digit runs by value, at any length', () => {
    const rows: Array<[string, Relation, string]> = [
      ['1.0a', '<', '1.0+'],
      ['1.0Z', '<', '1.0a'],
      ['1.0a', '<', '1.0.'],
      ['1.0+', '<', '1.0.'],
      ['1.18446744073709551616', '>', '1.18446744073709551615'],
      ['1.000000000000000000000000001', '=', '1.1'],
      ['1:1.0', '>', '0:99999999999999999999'],
      ['2147483647:0', '>', '2147483646:9'],
      ['1.0', '=', '1.0-0'],
      ['1.0', '<', '1.0-0.1'],
      ['7.74.0-1.3+deb11u11', '<', '7.74.0-1.3+deb11u12'],
      ['1:2.35-0ubuntu3.6', '<', '1:2.35-0ubuntu3.7'],
      ['2.35-0ubuntu3.6', '<', '1:0'],
    ];
    expect(mismatches(dpkg, rows)).toEqual([]);
  });
});
