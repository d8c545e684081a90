import { describe, expect, it } from 'vitest';
import { rubygemsVersionScheme as gems } from '../../src/scanning/versions/index.js';
import { type Relation, mismatches, ascendingPairs } from './version-cases.js';

describe('rubygems version ordering', () => {
  it("orders pre-releases between releases as Gem::Version's documentation lists them (newest to oldest: 1.0, 1.0.b1, 1.0.a.2, 0.9)", () => {
    expect(mismatches(gems, ascendingPairs(['0.9', '1.0.a.2', '1.0.b1', '1.0']))).toEqual([]);
  });

  it("orders the test_spaceship cases (test/rubygems/test_gem_version.rb)", () => {
    const rows: Array<[string, Relation, string]> = [
      ['1.0', '=', '1.0.0'],
      ['1.0', '>', '1.0.a'],
      ['1.8.2', '>', '0.0.0'],
      ['1.8.2', '>', '1.8.2.a'],
      ['1.8.2.b', '>', '1.8.2.a'],
      ['1.8.2.a', '<', '1.8.2'],
      ['1.8.2.a10', '>', '1.8.2.a9'],
      ['0.beta.1', '=', '0.0.beta.1'],
      ['0.0.beta', '<', '0.0.beta.1'],
      ['0.0.beta', '<', '0.beta.1'],
      ['5.a', '<', '5.0.0.rc2'],
      ['5.x', '>', '5.0.0.rc2'],
      ['1.9.3', '=', '1.9.3'],
      ['1.9.3', '>', '1.9.2.99'],
      ['1.9.3', '<', '1.9.3.1'],
    ];
    expect(mismatches(gems, rows)).toEqual([]);
  });

  it('orders the test_semver, equality and canonical-segment cases (test/rubygems/test_gem_version.rb)', () => {
    const rows: Array<[string, Relation, string]> = [
      ...ascendingPairs(['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1']),
      ['1.0.0-rc1', '<', '1.0.0'],
      ['1.0.0-1', '<', '1'],
      ['1.2', '=', '1.2'], // test_equals2
      ['1.2', '<', '1.3'],
      ['1.2.b1', '=', '1.2.b.1'],
      ['1.2', '=', '1.2.0'], // test_hash: equal versions hash alike
      ['1.2.pre.1', '=', '1.2.0.pre.1.0'],
      ['1.0.0.a.1.0', '=', '1.a.1'], // test_canonical_segments: [1, "a", 1]
      ['1.2.3-1', '=', '1.2.3.pre.1'], // [1, 2, 3, "pre", 1]
      ['1.freeze.test', '<', '1'], // test_frozen_version
      ['1.0', '=', '1.0 '], // test_initialize
      ['1.0', '=', ' 1.0 '],
      ['1.0', '=', '1.0\n'],
      ['1.0', '=', '\n1.0\n'],
      ['1.0.0', '>', '0.0.1.20220404083012'], // test_sort_key_on_timestamped_version
      ['0.7.0', '>', '0.6.63000'], // test_sort_key_when_segment_is_higher_than_radix
      ['18.0.1', '<', '18.0.2'],
    ];
    expect(mismatches(gems, rows)).toEqual([]);
  });

  it('compares letter segments case-sensitively, below numbers, and numbers at any length', () => {
    const rows: Array<[string, Relation, string]> = [
      ['1.A', '<', '1.a'],
      ['1.a', '<', '1.0.1'],
      ['1.pre', '<', '1.rc'],
      ['1.99999999999999999999', '>', '1.99999999999999999998'],
      ['2.0.0.rc1', '<', '2.0.0'],
      ['7.0.8.1', '>', '7.0.8'],
    ];
    expect(mismatches(gems, rows)).toEqual([]);
  });

  it('rejects malformed version strings (test_initialize_invalid, test_class_correct)', () => {
    const invalid = [
      'junk',
      '1.0\n2.0',
      '1..2',
      '1.2 3.4',
      '2.3422222.222.222222222.22222.ads0as.dasd0.ddd2222.2.qd3e.',
      'an incorrect version',
      '',
      '   ',
      '1.0-',
      '-1',
      '1._0',
    ];
    expect(invalid.filter((v) => gems.isValid(v))).toEqual([]);
    expect(['5.1', '1.0.0-beta.1', '1-a-b.c-d', '1.A'].filter((v) => !gems.isValid(v))).toEqual([]);
  });
});
