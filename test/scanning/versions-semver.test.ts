import { describe, expect, it } from 'vitest';
import {
  cargoVersionScheme as cargo,
  goVersionScheme as go,
  npmVersionScheme as npm,
} from '../../src/scanning/versions/index.js';
import { type Relation, mismatches, ascendingPairs } from './version-cases.js';

const SEMVER_SCHEMES = [npm, cargo, go] as const;

/** SemVer 2.0.0 §11 precedence examples. */
const SPEC_PRECEDENCE: Array<[string, Relation, string]> = [
  ...ascendingPairs(['1.0.0', '2.0.0', '2.1.0', '2.1.1']),
  ['1.0.0-alpha', '<', '1.0.0'],
  ...ascendingPairs([
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0-rc.1',
    '1.0.0',
  ]),
  // §10: build metadata does not figure in precedence (examples from §10).
  ['1.0.0-alpha+001', '=', '1.0.0-alpha'],
  ['1.0.0+20130313144700', '=', '1.0.0'],
  ['1.0.0-beta+exp.sha.5114f85', '=', '1.0.0-beta'],
  ['1.0.0+21AF26D3----117B344092BD', '=', '1.0.0+0'],
];

/** From the test strings linked by the semver.org FAQ "Is there a suggested regular expression?". */
const SPEC_VALID = [
  '0.0.4',
  '1.2.3',
  '10.20.30',
  '1.1.2-prerelease+meta',
  '1.1.2+meta',
  '1.1.2+meta-valid',
  '1.0.0-alpha',
  '1.0.0-beta',
  '1.0.0-alpha.beta',
  '1.0.0-alpha.beta.1',
  '1.0.0-alpha.1',
  '1.0.0-alpha0.valid',
  '1.0.0-alpha.0valid',
  '1.0.0-alpha-a.b-c-somethinglong+build.1-aef.1-its-okay',
  '1.0.0-rc.1+build.1',
  '2.0.0-rc.1+build.123',
  '1.2.3-beta',
  '10.2.3-DEV-SNAPSHOT',
  '1.2.3-SNAPSHOT-123',
  '1.0.0',
  '2.0.0',
  '1.1.7',
  '2.0.0+build.1848',
  '2.0.1-alpha.1227',
  '1.0.0-alpha+beta',
  '1.2.3----RC-SNAPSHOT.12.9.1--.12+788',
  '1.2.3----R-S.12.9.1--.12+meta',
  '1.2.3----RC-SNAPSHOT.12.9.1--.12',
  '1.0.0+0.build.1-rc.10000aaa-kk-0.1',
  '1.0.0-0A.is.legal',
];
const SPEC_INVALID = [
  '1',
  '1.2',
  '1.2.3-0123',
  '1.2.3-0123.0123',
  '1.1.2+.123',
  '+invalid',
  '-invalid',
  '-invalid+invalid',
  '-invalid.01',
  'alpha',
  'alpha.beta',
  'alpha.beta.1',
  'alpha.1',
  'alpha+beta',
  'alpha_beta',
  'alpha.',
  'alpha..',
  'beta',
  '1.0.0-alpha_beta',
  '-alpha.',
  '1.0.0-alpha..',
  '1.0.0-alpha..1',
  '1.0.0-alpha...1',
  '01.1.1',
  '1.01.1',
  '1.1.01',
  '1.2.3.DEV',
  '1.2-SNAPSHOT',
  '1.2.31.2.3----RC-SNAPSHOT.12.09.1--..12+788',
  '1.2-RC-SNAPSHOT',
  '-1.0.3-gamma+b7718',
  '+justmeta',
  '9.8.7+meta+meta',
  '9.8.7-whatever+meta+meta',
];

describe('semver precedence (npm, crates.io, Go)', () => {
  for (const scheme of SEMVER_SCHEMES) {
    it(`${scheme.name}: follows the SemVer 2.0.0 precedence examples`, () => {
      expect(mismatches(scheme, SPEC_PRECEDENCE)).toEqual([]);
    });

    it(`${scheme.name}: accepts and rejects the semver.org FAQ regular-expression test strings`, () => {
      expect(SPEC_VALID.filter((v) => !scheme.isValid(v))).toEqual([]);
      // Go also accepts its own shorthands "1" and "1.2" (checked below).
      const invalid = scheme === go ? SPEC_INVALID.filter((v) => v !== '1' && v !== '1.2') : SPEC_INVALID;
      expect(invalid.filter((v) => scheme.isValid(v))).toEqual([]);
    });
  }
});

describe('npm and crates.io spellings', () => {
  it('npm accepts what node-semver accepts in strict mode: one leading v and surrounding whitespace', () => {
    expect(mismatches(npm, [['v1.2.3', '=', '1.2.3'], [' 1.2.3 ', '=', '1.2.3']])).toEqual([]);
    expect(['=1.2.3', 'vv1.2.3', '1.2', '99999999999999999999.0.0'].filter((v) => npm.isValid(v))).toEqual([]);
  });

  it('crates.io accepts strict SemVer only', () => {
    expect(['v1.2.3', ' 1.2.3', '1.2.3 ', '1.2'].filter((v) => cargo.isValid(v))).toEqual([]);
    expect(mismatches(cargo, [['0.4.0-rc.1', '<', '0.4.0'], ['1.0.0+build.5', '=', '1.0.0']])).toEqual([]);
  });
});

describe('Go module versions', () => {
  it("orders the x/mod/semver test table (golang.org/x/mod/semver/semver_test.go)", () => {
    // [input, canonical form or "" when invalid], ascending; equal canonical forms compare equal.
    const table: Array<[string, string]> = [
      ['bad', ''],
      ['v1-alpha.beta.gamma', ''],
      ['v1-pre', ''],
      ['v1+meta', ''],
      ['v1-pre+meta', ''],
      ['v1.2-pre', ''],
      ['v1.2+meta', ''],
      ['v1.2-pre+meta', ''],
      ['v1.0.0-alpha', 'v1.0.0-alpha'],
      ['v1.0.0-alpha.1', 'v1.0.0-alpha.1'],
      ['v1.0.0-alpha.beta', 'v1.0.0-alpha.beta'],
      ['v1.0.0-beta', 'v1.0.0-beta'],
      ['v1.0.0-beta.2', 'v1.0.0-beta.2'],
      ['v1.0.0-beta.11', 'v1.0.0-beta.11'],
      ['v1.0.0-rc.1', 'v1.0.0-rc.1'],
      ['v1', 'v1.0.0'],
      ['v1.0', 'v1.0.0'],
      ['v1.0.0', 'v1.0.0'],
      ['v1.2', 'v1.2.0'],
      ['v1.2.0', 'v1.2.0'],
      ['v1.2.3-456', 'v1.2.3-456'],
      ['v1.2.3-456.789', 'v1.2.3-456.789'],
      ['v1.2.3-456-789', 'v1.2.3-456-789'],
      ['v1.2.3-456a', 'v1.2.3-456a'],
      ['v1.2.3-pre', 'v1.2.3-pre'],
      ['v1.2.3-pre+meta', 'v1.2.3-pre'],
      ['v1.2.3-pre.1', 'v1.2.3-pre.1'],
      ['v1.2.3-zzz', 'v1.2.3-zzz'],
      ['v1.2.3', 'v1.2.3'],
      ['v1.2.3+meta', 'v1.2.3'],
      ['v1.2.3+meta-pre', 'v1.2.3'],
      ['v1.2.3+meta-pre.sha.256a', 'v1.2.3'],
    ];
    expect(table.filter(([v, canonical]) => go.isValid(v) !== (canonical !== '')).map(([v]) => v)).toEqual([]);
    const valid = table.filter(([, canonical]) => canonical !== '');
    const rows = valid.flatMap(([a, ca], i) =>
      valid.slice(i + 1).map(([b, cb]): [string, Relation, string] => [a, ca === cb ? '=' : '<', b]),
    );
    expect(mismatches(go, rows)).toEqual([]);
    // x/mod/semver also sorts every invalid version before every valid one.
    const invalid = table.filter(([, canonical]) => canonical === '').map(([v]) => v);
    const misplaced = invalid.flatMap((bad) => valid.filter(([good]) => !(go.compare(bad, good) < 0 && go.compare(good, bad) > 0)));
    expect(misplaced).toEqual([]);
  });

  it('reads OSV versions without the v the same as module versions with it', () => {
    const rows: Array<[string, Relation, string]> = [
      ['1.2.3', '=', 'v1.2.3'],
      ['0.0.0-20230101120000-abcdef123456', '=', 'v0.0.0-20230101120000-abcdef123456'],
      ['2.0.0+incompatible', '=', 'v2.0.0'],
      ['1', '=', 'v1.0.0'],
      ['1.2', '=', 'v1.2.0'],
    ];
    expect(mismatches(go, rows)).toEqual([]);
  });

  it('orders pseudo-versions (go.dev/ref/mod#pseudo-versions) by base version and timestamp', () => {
    const ascending = [
      'v0.0.0-20191109021931-daa7c04131f5',
      'v0.0.0-20230101120000-abcdef123456',
      'v0.0.0-20230102000000-000000000000',
      'v0.1.0',
      'v1.2.3',
      'v1.2.4-0.20230101120000-abcdef123456', // vX.Y.(Z+1)-0.yyyymmddhhmmss-abcdefabcdef: after v1.2.3
      'v1.2.4-pre.0.20230101120000-abcdef123456', // vX.Y.Z-pre.0.yyyymmddhhmmss-abcdefabcdef
      'v1.2.4',
    ];
    expect(mismatches(go, ascendingPairs(ascending))).toEqual([]);
    expect(['v01.2.3', 'v1.2.3.4', 'V1.2.3', 'v1.2.3-01'].filter((v) => go.isValid(v))).toEqual([]);
  });
});
