import { describe, expect, it } from 'vitest';
import { pep440VersionScheme as pep440 } from '../../src/scanning/versions/index.js';
import { type Relation, mismatches, ascendingPairs } from './version-cases.js';

describe('PEP 440 version ordering', () => {
  it('orders the example list of "Summary of permitted suffixes and relative ordering"', () => {
    const ascending = [
      '1.dev0',
      '1.0.dev456',
      '1.0a1',
      '1.0a2.dev456',
      '1.0a12.dev456',
      '1.0a12',
      '1.0b1.dev456',
      '1.0b2',
      '1.0b2.post345.dev456',
      '1.0b2.post345',
      '1.0rc1.dev456',
      '1.0rc1',
      '1.0',
      '1.0+abc.5',
      '1.0+abc.7',
      '1.0+5',
      '1.0.post456.dev34',
      '1.0.post456',
      '1.0.15',
      '1.1.dev1',
    ];
    expect(mismatches(pep440, ascendingPairs(ascending))).toEqual([]);
  });

  it('orders epochs before everything else ("Version epochs")', () => {
    expect(mismatches(pep440, ascendingPairs(['1.0', '1.1', '2.0', '2013.10', '2014.04', '1!1.0', '1!1.1', '1!2.0']))).toEqual([]);
  });

  it('treats the spellings "Normalization" lists as the versions they normalise to', () => {
    const rows: Array<[string, Relation, string]> = [
      ['1.1RC1', '=', '1.1rc1'], // case sensitivity
      ['00', '=', '0'], // integer normalisation
      ['09000', '=', '9000'],
      ['1.0', '=', '1.0.0'], // zero padding of the release segment
      ['1.1.a1', '=', '1.1a1'], // pre-release separators
      ['1.1-a1', '=', '1.1a1'],
      ['1.0a.1', '=', '1.0a1'],
      ['1.1alpha1', '=', '1.1a1'], // pre-release spelling
      ['1.1beta2', '=', '1.1b2'],
      ['1.1c3', '=', '1.1rc3'],
      ['1.0-pre1', '=', '1.0rc1'],
      ['1.0preview1', '=', '1.0rc1'],
      ['1.2a', '=', '1.2a0'], // implicit pre-release number
      ['1.2.post2', '=', '1.2.post2'],
      ['1.2-post2', '=', '1.2.post2'], // post release separators
      ['1.2post2', '=', '1.2.post2'],
      ['1.2.post-2', '=', '1.2.post2'],
      ['1.0-r4', '=', '1.0.post4'], // post release spelling
      ['1.0-rev4', '=', '1.0.post4'],
      ['1.2.post', '=', '1.2.post0'], // implicit post release number
      ['1.0-1', '=', '1.0.post1'], // implicit post releases
      ['1.2-dev2', '=', '1.2.dev2'], // development release separators
      ['1.2dev2', '=', '1.2.dev2'],
      ['1.2.dev', '=', '1.2.dev0'], // implicit development release number
      ['1.0+ubuntu-1', '=', '1.0+ubuntu.1'], // local version segments
      ['1.0+ubuntu_1', '=', '1.0+ubuntu.1'],
      ['v1.0', '=', '1.0'], // preceding v character
      [' 1.0 ', '=', '1.0'], // leading and trailing whitespace
      ['1.0\n', '=', '1.0'],
    ];
    expect(mismatches(pep440, rows)).toEqual([]);
  });

  it('orders local version labels as "Local version identifiers" describes', () => {
    const rows: Array<[string, Relation, string]> = [
      ['1.0', '<', '1.0+local'],
      ['1.0+abc', '<', '1.0+1'], // numeric segments above alphanumeric ones
      ['1.0+2', '<', '1.0+10'], // numeric segments by value
      ['1.0+abc', '<', '1.0+abd'],
      ['1.0+ABC', '=', '1.0+abc'], // case-insensitive
      ['1.0+abc', '<', '1.0+abc.1'], // a longer label extending a shorter one is greater
      ['1.0+1e3', '<', '1.0+2'], // "1e3" is alphanumeric, not the number 1000
      ['1.0+0x1', '<', '1.0+0'],
      ['1.0+01', '=', '1.0+1'],
      ['1.0+99999999999999999999', '>', '1.0+99999999999999999998'],
      ['1.0+zzz', '<', '1.0.post1'], // local labels only break ties between equal public versions
      ['1.2+123abc', '<', '1.2+123abc456'], // from packaging's test list
      ['1.2+123abc456', '<', '1.2+abc'],
      ['1.2+abc', '<', '1.2+abc123'],
      ['1.2+abc123', '<', '1.2+abc123def'],
      ['1.2+abc123def', '<', '1.2+1234.abc'],
      ['1.2+1234.abc', '<', '1.2+123456'],
    ];
    expect(mismatches(pep440, rows)).toEqual([]);
  });

  it('rejects strings PEP 440 does not describe', () => {
    const invalid = ['', 'junk', '1.0-', '1..0', '1.0+', '1.0+abc..1', 'french toast', '1.0 .1', '1!', '!1.0', '1.0-foo'];
    expect(invalid.filter((v) => pep440.isValid(v))).toEqual([]);
  });
});
