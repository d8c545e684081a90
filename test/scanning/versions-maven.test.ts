import { describe, expect, it } from 'vitest';
import { mavenVersionScheme as maven } from '../../src/scanning/versions/index.js';
import { type Relation, mismatches, ascendingPairs } from './version-cases.js';

/** Every entry equals every other. */
function equalPairs(list: readonly string[]): Array<[string, Relation, string]> {
  return list.flatMap((a, i) => list.slice(i).map((b): [string, Relation, string] => [a, '=', b]));
}

describe('maven version ordering: the POM reference "Version Order Specification" examples', () => {
  it('splits at dots, hyphens and digit/letter transitions, empty tokens being 0', () => {
    // "1-1.foo-bar1baz-.1" -> "1-1.foo-bar-1-baz-0.1"
    expect(mismatches(maven, [['1-1.foo-bar1baz-.1', '=', '1-1.foo-bar-1-baz-0.1']])).toEqual([]);
  });

  it('trims trailing null values at the end and before each hyphen', () => {
    const rows: Array<[string, Relation, string]> = [
      ['1.0.0', '=', '1'],
      ['1.ga', '=', '1'],
      ['1.final', '=', '1'],
      ['1.0', '=', '1'],
      ['1.', '=', '1'],
      ['1-', '=', '1'],
      ['1.0.0-foo.0.0', '=', '1-foo'],
      ['1.0.0-0.0.0', '=', '1'],
    ];
    expect(mismatches(maven, rows)).toEqual([]);
  });

  it('pads with null values and orders tokens as the padding examples show', () => {
    const rows: Array<[string, Relation, string]> = [
      ['1', '<', '1.1'], // number padding
      ['1-snapshot', '<', '1'], // qualifier padding
      ['1', '<', '1-sp'],
      ['1-foo2', '<', '1-foo10'], // switching to numeric order
      ['1.foo', '=', '1-foo'],
      ['1-foo', '<', '1-1'],
      ['1-1', '<', '1.1'],
      ['1-sp', '>', '1-ga'],
      ['1-sp.1', '>', '1-ga.1'],
      ['1-sp-1', '<', '1-ga-1'], // trailing null values at each hyphen
      ['1-ga-1', '=', '1-1'],
      ['1-a1', '=', '1-alpha-1'],
    ];
    expect(mismatches(maven, [...rows, ...equalPairs(['1.ga', '1-ga', '1-0', '1.0', '1'])])).toEqual([]);
  });

  it('orders the well-known qualifiers alpha < beta < milestone < rc = cr < snapshot < "" = final = ga = release < sp', () => {
    const ascending = ['1-alpha', '1-beta', '1-milestone', '1-rc', '1-snapshot', '1', '1-sp', '1-abc'];
    const rows: Array<[string, Relation, string]> = [
      ...ascendingPairs(ascending),
      ['1-a1', '=', '1-alpha1'],
      ['1-b1', '=', '1-beta1'],
      ['1-m1', '=', '1-milestone1'],
      ['1-cr', '=', '1-rc'],
      ...equalPairs(['1', '1-final', '1-ga', '1-release', '1.RELEASE', '1.Final']),
    ];
    expect(mismatches(maven, rows)).toEqual([]);
  });
});

describe("maven version ordering: Maven's ComparableVersionTest", () => {
  it('orders VERSIONS_QUALIFIER', () => {
    const versions = [
      '1-alpha2snapshot',
      '1-alpha2',
      '1-alpha-123',
      '1-beta-2',
      '1-beta123',
      '1-m2',
      '1-m11',
      '1-rc',
      '1-cr2',
      '1-rc123',
      '1-SNAPSHOT',
      '1',
      '1-sp',
      '1-sp2',
      '1-sp123',
      '1-abc',
      '1-def',
      '1-pom-1',
      '1-1-snapshot',
      '1-1',
      '1-2',
      '1-123',
    ];
    expect(mismatches(maven, ascendingPairs(versions))).toEqual([]);
  });

  it('orders VERSIONS_NUMBER', () => {
    const versions = [
      '2.0',
      '2.0.a',
      '2-1',
      '2.0.2',
      '2.0.123',
      '2.1.0',
      '2.1-a',
      '2.1b',
      '2.1-c',
      '2.1-1',
      '2.1.0.1',
      '2.2',
      '2.123',
      '11.a2',
      '11.a11',
      '11.b2',
      '11.b11',
      '11.m2',
      '11.m11',
      '11',
      '11.a',
      '11b',
      '11c',
      '11m',
    ];
    expect(mismatches(maven, ascendingPairs(versions))).toEqual([]);
  });

  it('finds the testVersionsEqual and testVersionsHaveSameOrderButAreNotEqual pairs equal', () => {
    const pairs: Array<[string, string]> = [
      ['1', '1'],
      ['1', '1.0'],
      ['1', '1.0.0'],
      ['1.0', '1.0.0'],
      ['1', '1-0'],
      ['1', '1.0-0'],
      ['1.0', '1.0-0'],
      ['1a', '1-a'],
      ['1a', '1.0-a'],
      ['1a', '1.0.0-a'],
      ['1.0a', '1-a'],
      ['1.0.0a', '1-a'],
      ['1x', '1-x'],
      ['1x', '1.0-x'],
      ['1x', '1.0.0-x'],
      ['1.0x', '1-x'],
      ['1.0.0x', '1-x'],
      ['1cr', '1rc'],
      ['1a1', '1-alpha-1'],
      ['1b2', '1-beta-2'],
      ['1m3', '1-milestone-3'],
      ['1X', '1x'],
      ['1A', '1a'],
      ['1B', '1b'],
      ['1M', '1m'],
      ['1Cr', '1Rc'],
      ['1cR', '1rC'],
      ['1m3', '1Milestone3'],
      ['1m3', '1MileStone3'],
      ['1m3', '1MILESTONE3'],
      ['1ga', '1'],
      ['1release', '1'],
      ['1final', '1'],
      ['1Ga', '1'],
      ['1GA', '1'],
      ['1RELEASE', '1'],
      ['1RELeaSE', '1'],
      ['1Final', '1'],
      ['1FinaL', '1'],
      ['1FINAL', '1'],
      ['1-abcdefghijklmnopqrstuvwxyz', '1-ABCDEFGHIJKLMNOPQRSTUVWXYZ'], // testLocaleIndependent
      ['1.0.0-alpha1', '1.0.0-ALPHA1'], // testLexicographicASCIISortOrder
      ['1.a', '1.A'], // testCompareLowerCaseToUpperCaseASCII
      ['1.é', '1.É'], // testCompareLowerCaseToUpperCaseNonASCII
    ];
    expect(mismatches(maven, pairs.map(([a, b]) => [a, '=', b] as const))).toEqual([]);
  });

  it('orders the testVersionComparing and testLeadingZeroes pairs', () => {
    const pairs: Array<[string, string]> = [
      ['1', '2'],
      ['1.5', '2'],
      ['1', '2.5'],
      ['1.0', '1.1'],
      ['1.1', '1.2'],
      ['1.0.0', '1.1'],
      ['1.0.1', '1.1'],
      ['1.1', '1.2.0'],
      ['1.0-alpha-1', '1.0'],
      ['1.0-alpha-1', '1.0-alpha-2'],
      ['1.0-alpha-1', '1.0-beta-1'],
      ['1.0-beta-1', '1.0-SNAPSHOT'],
      ['1.0-SNAPSHOT', '1.0'],
      ['1.0-alpha-1-SNAPSHOT', '1.0-alpha-1'],
      ['1.0', '1.0-1'],
      ['1.0-1', '1.0-2'],
      ['1.0.0', '1.0-1'],
      ['2.0-1', '2.0.1'],
      ['2.0.1-klm', '2.0.1-lmn'],
      ['2.0.1', '2.0.1-xyz'],
      ['2.0.1', '2.0.1-123'],
      ['2.0.1-xyz', '2.0.1-123'],
      ['0.7', '2'],
      ['0.2', '1.0.7'],
    ];
    expect(mismatches(maven, pairs.map(([a, b]) => [a, '<', b] as const))).toEqual([]);
  });

  it('orders digits above letters and non-ASCII text, and qualifiers lexically', () => {
    const rows: Array<[string, Relation, string]> = [
      ['1', '>', 'é'], // testDigitGreaterThanNonAscii
      ['1', '>', '\uD835\uDFE4'], // testDigitGreaterThanNonBmpCharacters
      ['7', '>', 'J'], // testCompareDigitToLetter
      ['7', '>', 'c'],
      ['1', '>', '\u0668'], // testNonAsciiDigits: non-ASCII digits are not digits
      ['9', '>', '\u0668'],
      ['aardvark', '<', 'zebra'], // testLexicographicOrder
      ['zebra', '<', 'ζέβρα'],
    ];
    expect(mismatches(maven, rows)).toEqual([]);
  });

  it('keeps the MNG-5568, MNG-6572 and MNG-6964 orderings', () => {
    const rows: Array<[string, Relation, string]> = [
      ['6.1.0rc3', '<', '6.1.0'],
      ['6.1.0rc3', '<', '6.1H.5-beta'],
      ['6.1.0', '<', '6.1H.5-beta'],
      ...ascendingPairs(['20190126.230843', '1234567890.12345', '123456789012345.1H.5-beta', '12345678901234567890.1H.5-beta']),
      ['1-0.alpha', '<', '1'],
      ['1-0.beta', '<', '1'],
      ['1-0.alpha', '<', '1-0.beta'],
    ];
    expect(mismatches(maven, rows)).toEqual([]);
  });

  it('finds versions that differ only by leading zeros equal (testVersionEqualWithLeadingZeroes, testVersionZeroEqualWithLeadingZeroes)', () => {
    const ones = Array.from({ length: 19 }, (_, i) => `${'0'.repeat(18 - i)}1`);
    const zeros = Array.from({ length: 19 }, (_, i) => '0'.repeat(19 - i));
    expect(mismatches(maven, [...equalPairs(ones), ...equalPairs(zeros)])).toEqual([]);
  });

  it('treats 1.0.0.X1 < 1.0.0-X2 and 2-X = 2.0.X = 2.0.0.X for any string X (MNG-7644)', () => {
    const rows = ['abc', 'alpha', 'a', 'beta', 'b', 'def', 'milestone', 'm', 'RC'].flatMap((x): Array<[string, Relation, string]> => [
      [`1.0.0.${x}1`, '<', `1.0.0-${x}2`],
      [`2-${x}`, '=', `2.0.${x}`],
      [`2-${x}`, '=', `2.0.0.${x}`],
      [`2.0.${x}`, '=', `2.0.0.${x}`],
    ]);
    expect(mismatches(maven, rows)).toEqual([]);
  });
});

describe('maven version validity', () => {
  it('accepts any non-empty text without blanks or control characters, up to 256 characters', () => {
    expect(['1', 'r09', 'RELEASE', '1.0-SNAPSHOT', '2.13.4.redhat-00001', 'x'.repeat(256)].filter((v) => !maven.isValid(v))).toEqual([]);
    expect(['', ' 1.0', '1.0 ', '1.0\n', '1.\u00000', 'x'.repeat(257)].filter((v) => maven.isValid(v))).toEqual([]);
  });
});
