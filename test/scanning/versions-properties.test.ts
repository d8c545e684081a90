import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  apkVersionScheme,
  cargoVersionScheme,
  dpkgVersionScheme,
  goVersionScheme,
  mavenVersionScheme,
  npmVersionScheme,
  packagistVersionScheme,
  pep440VersionScheme,
  rpmVersionScheme,
  rubygemsVersionScheme,
  type VersionScheme,
} from '../../src/scanning/versions/index.js';

/*
 * Order laws for every scheme, over generated versions of that ecosystem's shape. The generators
 * draw from small alphabets so that equal, nearly equal and edge-case versions (tildes, carets,
 * zeros, release qualifiers, pre-release suffixes) meet often; arbitrary strings are mixed in so
 * the laws are also checked across the valid/invalid boundary.
 */

const pick = <T>(...values: T[]): fc.Arbitrary<T> => fc.constantFrom(...values);
const joined = (parts: fc.Arbitrary<string>, min: number, max: number): fc.Arbitrary<string> =>
  fc.array(parts, { minLength: min, maxLength: max }).map((xs) => xs.join(''));
const optional = (arb: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.option(arb, { nil: undefined }).map((x) => x ?? '');

const dpkgVersions = fc
  .record({
    epoch: optional(pick('0', '1', '2', '10')),
    upstream: joined(pick('0', '1', '2', '9', '10', '01', 'a', 'b', 'Z', '.', '+', '~', '~~'), 0, 6),
    lead: pick('0', '1', '2', '10'),
    revision: optional(joined(pick('0', '1', '2', 'a', 'ubuntu', 'deb', '.', '+', '~'), 1, 4)),
    hyphenated: fc.boolean(),
    colon: fc.boolean(),
  })
  .map(({ epoch, upstream, lead, revision, hyphenated, colon }) => {
    let up = lead + upstream;
    if (revision && hyphenated) up += '-1';
    if (epoch && colon) up += ':2';
    return `${epoch ? `${epoch}:` : ''}${up}${revision ? `-${revision}` : ''}`;
  });

const apkVersions = fc
  .record({
    first: pick('0', '1', '2', '01', '10'),
    numbers: fc.array(pick('.0', '.1', '.2', '.01', '.10', '.001'), { maxLength: 3 }),
    letter: optional(pick('a', 'b', 'z')),
    suffixes: fc.array(
      fc.tuple(pick('_alpha', '_beta', '_pre', '_rc', '_cvs', '_svn', '_git', '_hg', '_p'), optional(pick('0', '1', '2', '10'))),
      { maxLength: 2 },
    ),
    hash: optional(pick('~0', '~ab', '~abc1', '~1234')),
    revision: optional(pick('-r0', '-r1', '-r2', '-r10')),
  })
  .map(({ first, numbers, letter, suffixes, hash, revision }) =>
    [first, ...numbers, letter, ...suffixes.map(([s, n]) => s + n), hash, revision].join(''),
  );

const rpmPart = fc
  .tuple(pick('0', '1', '2', '01', '10', 'a', 'rc'), joined(pick('0', '1', '2', '01', '10', 'a', 'b', 'A', 'rc', 'el', '.', '_', '+', '~', '^'), 0, 6))
  .map(([head, tail]) => head + tail);
const rpmVersions = fc
  .record({ epoch: optional(pick('0', '1', '2', '10')), version: rpmPart, release: optional(rpmPart) })
  .map(({ epoch, version, release }) => `${epoch ? `${epoch}:` : ''}${version}${release ? `-${release}` : ''}`);

const mavenVersions = fc
  .tuple(
    pick('0', '1', '2', '10'),
    joined(
      pick('0', '1', '2', '10', '01', 'a', 'b', 'm', 'alpha', 'beta', 'milestone', 'rc', 'cr', 'SNAPSHOT', 'ga', 'final', 'RELEASE', 'sp', 'foo', 'X', '.', '-'),
      0,
      7,
    ),
  )
  .map(([head, tail]) => head + tail);

const gemToken = pick('0', '1', '2', '10', '01', 'a', 'b', 'A', 'pre', 'rc1', 'beta2');
const rubygemsVersions = fc
  .record({
    first: pick('0', '1', '2', '10'),
    dotted: fc.array(gemToken, { maxLength: 4 }),
    hyphenated: fc.option(fc.array(pick('1', 'alpha', 'beta', 'rc', '0', 'x-y'), { minLength: 1, maxLength: 3 }), { nil: undefined }),
  })
  .map(({ first, dotted, hyphenated }) =>
    [first, ...dotted].join('.') + (hyphenated ? `-${hyphenated.join('.')}` : ''),
  );

const packagistVersions = fc
  .record({
    v: optional(pick('v', 'V')),
    first: pick('0', '1', '2', '10'),
    rest: fc.array(
      fc.tuple(pick('.', '-', '_', '+'), pick('0', '1', '2', '10', 'dev', 'alpha', 'a', 'beta', 'b', 'RC', 'rc', 'pl', 'p', 'patch', 'foo', 'x')),
      { maxLength: 4 },
    ),
  })
  .map(({ v, first, rest }) => v + first + rest.map(([sep, token]) => sep + token).join(''));

const semverCore = fc.tuple(pick('0', '1', '2', '10'), pick('0', '1', '2', '10'), pick('0', '1', '2', '10')).map((xs) => xs.join('.'));
const semverVersions = fc
  .record({
    core: semverCore,
    pre: fc.option(fc.array(pick('0', '1', '2', '10', 'alpha', 'beta', 'rc', 'x-y', 'a1', '-'), { minLength: 1, maxLength: 3 }), { nil: undefined }),
    build: fc.option(fc.array(pick('0', '01', 'build', 'sha-1'), { minLength: 1, maxLength: 2 }), { nil: undefined }),
  })
  .map(({ core, pre, build }) => core + (pre ? `-${pre.join('.')}` : '') + (build ? `+${build.join('.')}` : ''));
const goVersions = fc.oneof(
  fc.tuple(optional(pick('v')), semverVersions).map(([v, version]) => v + version),
  fc
    .tuple(semverCore, pick('20191109021931', '20230101120000', '20230101120001'), pick('abcdef123456', '000000000000'))
    .map(([core, time, hash]) => `v${core}-0.${time}-${hash}`),
  pick('v1', 'v1.2', 'v0', '1', '2.0', 'v2.0.0+incompatible'),
);

const pep440Versions = fc
  .record({
    epoch: optional(pick('1!', '2!')),
    release: fc.array(pick('0', '1', '2', '10', '01'), { minLength: 1, maxLength: 3 }),
    pre: optional(pick('a', 'b', 'rc', 'a1', 'b2', 'rc1', '.alpha1', '-c1', 'pre')),
    post: optional(pick('.post0', '.post1', '-1', 'post2', '.rev1')),
    dev: optional(pick('.dev0', '.dev1', 'dev')),
    local: optional(pick('+abc', '+1', '+abc.1', '+1.abc', '+ABC', '+01', '+1e3')),
  })
  .map(({ epoch, release, pre, post, dev, local }) => epoch + release.join('.') + pre + post + dev + local);

const CASES: ReadonlyArray<[VersionScheme, fc.Arbitrary<string>]> = [
  [dpkgVersionScheme, dpkgVersions],
  [apkVersionScheme, apkVersions],
  [rpmVersionScheme, rpmVersions],
  [mavenVersionScheme, mavenVersions],
  [rubygemsVersionScheme, rubygemsVersions],
  [packagistVersionScheme, packagistVersions],
  [npmVersionScheme, semverVersions],
  [cargoVersionScheme, semverVersions],
  [goVersionScheme, goVersions],
  [pep440VersionScheme, pep440Versions],
];

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

for (const [scheme, shaped] of CASES) {
  const versions = fc.oneof({ arbitrary: shaped, weight: 6 }, { arbitrary: fc.string({ maxLength: 8 }), weight: 1 });

  describe(`${scheme.name} order laws`, () => {
    it('accepts every generated version of the ecosystem shape', () => {
      fc.assert(fc.property(shaped, (v) => scheme.isValid(v)));
    });

    it('is reflexive: compare(a, a) === 0', () => {
      fc.assert(fc.property(versions, (a) => scheme.compare(a, a) === 0));
    });

    it('is antisymmetric: sign(compare(a, b)) === -sign(compare(b, a))', () => {
      fc.assert(fc.property(versions, versions, (a, b) => sign(scheme.compare(a, b)) === -sign(scheme.compare(b, a))));
    });

    it('is transitive over every triple of a generated set', () => {
      fc.assert(
        fc.property(fc.array(versions, { minLength: 3, maxLength: 9 }), (list) => {
          for (const a of list) {
            for (const b of list) {
              const ab = scheme.compare(a, b);
              for (const c of list) {
                const bc = scheme.compare(b, c);
                const ac = scheme.compare(a, c);
                if (ab <= 0 && bc <= 0 && ac > 0) return false;
                if (ab === 0 && bc === 0 && ac !== 0) return false;
              }
            }
          }
          return true;
        }),
        { numRuns: 150 },
      );
    });

    it('sorts into an order every pair agrees with', () => {
      fc.assert(
        fc.property(fc.array(versions, { maxLength: 40 }), (list) => {
          const sorted = [...list].sort((a, b) => scheme.compare(a, b));
          return sorted.every((a, i) => sorted.slice(i + 1).every((b) => scheme.compare(a, b) <= 0));
        }),
        { numRuns: 150 },
      );
    });
  });
}

describe('order-law checks can fail', () => {
  it('reject a comparison that is not transitive (rock-paper-scissors)', () => {
    const beats: Record<string, string> = { rock: 'scissors', scissors: 'paper', paper: 'rock' };
    const cyclic: VersionScheme = {
      name: 'cyclic',
      isValid: () => true,
      compare: (a, b) => (a === b ? 0 : beats[a] === b ? 1 : -1),
    };
    const list = ['rock', 'paper', 'scissors'];
    const transitive = list.every((a) =>
      list.every((b) => list.every((c) => !(cyclic.compare(a, b) <= 0 && cyclic.compare(b, c) <= 0 && cyclic.compare(a, c) > 0))),
    );
    expect(transitive).toBe(false);
  });
});
