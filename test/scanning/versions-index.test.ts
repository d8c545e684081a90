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
  VERSION_SCHEMES,
  versionSchemeFor,
  type VersionScheme,
} from '../../src/scanning/versions/index.js';

/** A valid version of each scheme, and text each scheme rejects. */
const SAMPLES: ReadonlyMap<VersionScheme, { valid: string; invalid: readonly string[] }> = new Map([
  [apkVersionScheme, { valid: '1.2.3-r0', invalid: ['', 'junk', '1.0bc'] }],
  [cargoVersionScheme, { valid: '1.2.3', invalid: ['', 'junk', 'v1.2.3'] }],
  [dpkgVersionScheme, { valid: '1:1.2-3', invalid: ['', 'junk', '1.0-'] }],
  [goVersionScheme, { valid: 'v1.2.3', invalid: ['', 'junk', 'v1.2-pre'] }],
  [mavenVersionScheme, { valid: '1.2.3', invalid: ['', ' ', 'a b'] }],
  [npmVersionScheme, { valid: '1.2.3', invalid: ['', 'junk', '1.2'] }],
  [packagistVersionScheme, { valid: 'v1.2.3', invalid: ['', 'junk', 'dev-main'] }],
  [pep440VersionScheme, { valid: '1.2.3', invalid: ['', 'junk', '1.0-foo'] }],
  [rpmVersionScheme, { valid: '1:1.2-3.el9', invalid: ['', ' 1', '1.0-'] }],
  [rubygemsVersionScheme, { valid: '1.2.3', invalid: ['', 'junk', '1..2'] }],
]);

describe('versionSchemeFor', () => {
  it.each([
    ['Debian', 'dpkg'],
    ['Debian:12', 'dpkg'],
    ['Ubuntu', 'dpkg'],
    ['Ubuntu:22.04:LTS', 'dpkg'],
    ['Ubuntu:Pro:20.04:LTS', 'dpkg'],
    ['Alpine', 'apk'],
    ['Alpine:v3.19', 'apk'],
    ['Wolfi', 'apk'],
    ['Chainguard', 'apk'],
    ['Red Hat', 'rpm'],
    ['Red Hat:enterprise_linux:9::appstream', 'rpm'],
    ['Rocky Linux:9', 'rpm'],
    ['AlmaLinux:9', 'rpm'],
    ['Fedora:39', 'rpm'],
    ['openSUSE', 'rpm'],
    ['openSUSE:Leap 15.5', 'rpm'],
    ['SUSE', 'rpm'],
    ['SUSE:Linux Enterprise Server 15 SP5', 'rpm'],
    ['Mageia:9', 'rpm'],
    ['openEuler:22.03-LTS', 'rpm'],
    ['npm', 'semver-npm'],
    ['crates.io', 'semver-cargo'],
    ['Go', 'semver-go'],
    ['PyPI', 'pep440'],
    ['Maven', 'maven'],
    ['Maven:https://repo.maven.apache.org/maven2/', 'maven'],
    ['RubyGems', 'rubygems'],
    ['Packagist', 'packagist'],
  ])('maps %s to %s', (ecosystem, name) => {
    expect(versionSchemeFor(ecosystem)?.name).toBe(name);
  });

  it.each(['', ':12', 'NuGet', 'Hex', 'Linux', 'debian', 'PYPI', 'Debian 12', ' Debian'])('knows nothing of %j', (ecosystem) => {
    expect(versionSchemeFor(ecosystem)).toBeUndefined();
  });

  it('returns working orderings', () => {
    expect(versionSchemeFor('Debian:12')!.compare('1.0~rc1', '1.0')).toBeLessThan(0);
    expect(versionSchemeFor('Alpine:v3.19')!.compare('1.2_rc1', '1.2')).toBeLessThan(0);
    expect(versionSchemeFor('Red Hat:enterprise_linux:9::appstream')!.compare('1.0^git1', '1.0')).toBeGreaterThan(0);
    expect(versionSchemeFor('PyPI')!.compare('1.0.dev1', '1.0a1')).toBeLessThan(0);
  });
});

describe('ordering of invalid versions', () => {
  for (const scheme of VERSION_SCHEMES) {
    const { valid, invalid } = SAMPLES.get(scheme)!;

    it(`${scheme.name}: puts every invalid version before every valid one`, () => {
      expect(scheme.isValid(valid)).toBe(true);
      for (const bad of invalid) {
        expect(scheme.isValid(bad), bad).toBe(false);
        expect(scheme.compare(bad, valid), bad).toBeLessThan(0);
        expect(scheme.compare(valid, bad), bad).toBeGreaterThan(0);
      }
    });

    it(`${scheme.name}: orders invalid versions by code units, equal only when identical`, () => {
      const [a, b, c] = invalid;
      const sorted = [...invalid].sort();
      expect([...invalid].sort((x, y) => scheme.compare(x, y))).toEqual(sorted);
      expect(scheme.compare(a!, a!)).toBe(0);
      expect(scheme.compare(b!, c!)).not.toBe(0);
    });

    it(`${scheme.name}: never throws, whatever it is given`, () => {
      const odd: unknown[] = [
        '\uD800',
        '\u0000',
        'x'.repeat(100_000),
        '9'.repeat(5_000),
        '1.'.repeat(5_000),
        // long near-misses, which would stall a backtracking pattern
        `${'1'.repeat(5_000)}!`,
        `${'1a'.repeat(2_000)}!`,
        `${'1.'.repeat(2_000)}!`,
        `${'1-'.repeat(2_000)}!`,
        `1.0.0-${'a1.'.repeat(2_000)}!`,
        undefined,
        null,
        42,
        {},
      ];
      for (const a of odd) {
        for (const b of [...odd, valid]) {
          expect(() => scheme.compare(a as string, b as string)).not.toThrow();
          expect(Number.isNaN(scheme.compare(a as string, b as string))).toBe(false);
        }
        expect(() => scheme.isValid(a as string)).not.toThrow();
      }
    });
  }
});
