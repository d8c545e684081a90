import fc from 'fast-check';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { catalogLanguagePackages, collectLanguageFiles, wantsLanguageFile } from '../../src/scanning/catalogers/language.js';
import { isInstalledPackageJson, parseInstalledPackageJson, parsePackageLock, wantsNpm } from '../../src/scanning/catalogers/npm.js';
import { parsePythonMetadata, wantsPython } from '../../src/scanning/catalogers/python.js';
import { parseGemFileName, parseGemspec, wantsRuby } from '../../src/scanning/catalogers/ruby.js';
import { parseCargoLock, wantsRust } from '../../src/scanning/catalogers/rust.js';
import { parseComposerLock, parseInstalledJson, wantsPhp } from '../../src/scanning/catalogers/php.js';
import { mavenCoordinatesOf, parseProperties } from '../../src/scanning/catalogers/java-archive.js';
import { catalogJava, decodeJavaExtract, wantsJavaArchive } from '../../src/scanning/catalogers/java.js';
import { catalogGo } from '../../src/scanning/catalogers/go.js';
import type { LanguagePackage } from '../../src/scanning/catalogers/package.js';
import { DEFAULT_MAX_FILE_SIZE } from '../../src/scanning/layer-reader.js';
import {
  CARGO_LOCK,
  COMPOSER_LOCK,
  INSTALLED_JSON_V1,
  INSTALLED_JSON_V2,
  PACKAGE_LOCK_V1,
  PACKAGE_LOCK_V2,
  PACKAGE_LOCK_V3,
  SERVER_MODINFO,
  elfFile,
  gemspec,
  goBuildInfoBlob,
  jar,
  pomProperties,
  pythonMetadata,
  springBootJar,
} from './language-fixtures.js';
import { gzLayer, type TestEntry } from './layers.js';

/** A Go binary over the default file size cap: only the stream path can read it. */
const DEFAULT_BIG = DEFAULT_MAX_FILE_SIZE + 512 * 1024;

const npm = (name: string, version: string, location: string): LanguagePackage => ({ ecosystem: 'npm', name, version, location });

describe('npm', () => {
  it('reads lockfileVersion 3 packages by install path, skipping the root, links and workspace folders', () => {
    expect(parsePackageLock(PACKAGE_LOCK_V3, '/app/package-lock.json')).toEqual([
      npm('express', '4.18.2', '/app/package-lock.json'),
      npm('debug', '2.6.9', '/app/package-lock.json'),
      npm('@babel/core', '7.23.2', '/app/package-lock.json'),
      npm('string-width', '4.2.3', '/app/package-lock.json'), // an alias, by its real name
    ]);
    const linkWithVersion = { lockfileVersion: 3, packages: { 'node_modules/ui': { version: '0.1.0', resolved: '../ui', link: true } } };
    expect(parsePackageLock(JSON.stringify(linkWithVersion), '/l')).toEqual([]);
  });

  it('reads lockfileVersion 2 from packages only, not again from its v1 tree', () => {
    expect(parsePackageLock(PACKAGE_LOCK_V2, '/l')).toEqual([npm('lodash', '4.17.20', '/l'), npm('minimist', '1.2.5', '/l')]);
  });

  it('reads lockfileVersion 1 nested dependencies, resolving npm: aliases and skipping git and file references', () => {
    expect(parsePackageLock(PACKAGE_LOCK_V1, '/l')).toEqual([
      npm('body-parser', '1.19.0', '/l'),
      npm('qs', '6.7.0', '/l'),
      npm('@types/node', '14.0.1', '/l'),
      npm('qs', '6.5.2', '/l'),
      npm('lodash', '4.17.21', '/l'),
    ]);
  });

  it('finds installed package.json files only at package roots', () => {
    expect(isInstalledPackageJson('usr/lib/node_modules/npm/package.json')).toBe(true);
    expect(isInstalledPackageJson('app/node_modules/@types/node/package.json')).toBe(true);
    expect(isInstalledPackageJson('app/node_modules/.pnpm/ms@2.1.3/node_modules/ms/package.json')).toBe(true);
    expect(isInstalledPackageJson('app/node_modules/ms/lib/package.json')).toBe(false);
    expect(isInstalledPackageJson('app/node_modules/@types/package.json')).toBe(false);
    expect(isInstalledPackageJson('app/node_modules/.bin/package.json')).toBe(false);
    expect(isInstalledPackageJson('app/package.json')).toBe(false);
    expect(wantsNpm('srv/package-lock.json')).toBe(true);
    expect(wantsNpm('srv/package-lock.json.bak')).toBe(false);
    expect(parseInstalledPackageJson('{"name":"ms","version":"2.1.3","main":"index.js"}', '/p')).toEqual(npm('ms', '2.1.3', '/p'));
    expect(parseInstalledPackageJson('{"name":"no-version"}', '/p')).toBeUndefined();
  });
});

describe('Python', () => {
  it('selects dist-info METADATA and egg-info PKG-INFO, directory or single file', () => {
    expect(wantsPython('usr/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA')).toBe(true);
    expect(wantsPython('usr/lib/python3.11/site-packages/requests-2.31.0.dist-info/RECORD')).toBe(false);
    expect(wantsPython('usr/lib/python3/dist-packages/six-1.16.0.egg-info')).toBe(true);
    expect(wantsPython('src/app.egg-info/PKG-INFO')).toBe(true);
    expect(wantsPython('site-packages/x-1.0-py3.8.egg/EGG-INFO/PKG-INFO')).toBe(true);
    expect(wantsPython('site-packages/PKG-INFO')).toBe(false);
    expect(wantsPython('.dist-info/METADATA')).toBe(false);
  });

  it('reads Name and Version from the headers only', () => {
    expect(parsePythonMetadata(pythonMetadata('requests', '2.31.0'), '/m')).toEqual({ ecosystem: 'PyPI', name: 'requests', version: '2.31.0', location: '/m' });
    expect(parsePythonMetadata('Metadata-Version: 1.0\r\nname: Six\r\nversion: 1.16.0\r\n', '/m')).toEqual({ ecosystem: 'PyPI', name: 'Six', version: '1.16.0', location: '/m' });
    // Headers stop at the first blank line: a Version in the body does not count.
    expect(parsePythonMetadata('Name: x\n\nVersion: 1.0\n', '/m')).toBeUndefined();
  });
});

describe('Ruby', () => {
  it('selects gemspecs in specifications and specifications/default', () => {
    expect(wantsRuby('usr/local/bundle/specifications/rack-3.0.8.gemspec')).toBe(true);
    expect(wantsRuby('usr/lib/ruby/gems/3.2.0/specifications/default/json-2.6.3.gemspec')).toBe(true);
    expect(wantsRuby('usr/local/bundle/gems/rack-3.0.8/rack.gemspec')).toBe(false);
  });

  it('reads the name and version from the spec, its stub line, or its file name', () => {
    expect(parseGemspec(gemspec('net-http', '0.4.1'), 'whatever.gemspec', '/g')).toEqual({ ecosystem: 'RubyGems', name: 'net-http', version: '0.4.1', location: '/g' });
    expect(parseGemspec('# stub: rake 13.0.6 ruby lib\n', 'x.gemspec', '/g')).toMatchObject({ name: 'rake', version: '13.0.6' });
    expect(parseGemspec('Gem::Specification.new do |s|\n  s.name = %q{old}\n  s.version = "0.9"\nend\n', 'x.gemspec', '/g')).toMatchObject({ name: 'old', version: '0.9' });
    expect(parseGemspec('garbage', 'nokogiri-1.15.4-x86_64-linux.gemspec', '/g')).toMatchObject({ name: 'nokogiri', version: '1.15.4' });
    expect(parseGemFileName('foo-2fa-1.0.gemspec')).toEqual({ name: 'foo-2fa', version: '1.0' });
    expect(parseGemFileName('noversion.gemspec')).toBeUndefined();
  });
});

describe('Rust', () => {
  it('reads Cargo.lock packages from registries only', () => {
    expect(wantsRust('src/app/Cargo.lock')).toBe(true);
    expect(wantsRust('Cargo.lock')).toBe(true);
    expect(wantsRust('src/app/NotCargo.lock')).toBe(false);
    expect(parseCargoLock(CARGO_LOCK, '/c')).toEqual([
      { ecosystem: 'crates.io', name: 'serde', version: '1.0.188', location: '/c' },
      { ecosystem: 'crates.io', name: 'tokio', version: '1.32.0', location: '/c' },
    ]);
    expect(parseCargoLock('[[package]\nname = ', '/c')).toEqual([]);
  });
});

describe('PHP', () => {
  it('reads composer.lock packages and packages-dev, and both installed.json formats', () => {
    expect(wantsPhp('var/www/composer.lock')).toBe(true);
    expect(wantsPhp('var/www/vendor/composer/installed.json')).toBe(true);
    expect(wantsPhp('var/www/installed.json')).toBe(false);
    const php = (name: string, version: string) => ({ ecosystem: 'Packagist', name, version, location: '/p' });
    expect(parseComposerLock(COMPOSER_LOCK, '/p')).toEqual([php('guzzlehttp/guzzle', '7.8.0'), php('symfony/http-foundation', 'v6.3.4'), php('phpunit/phpunit', '10.3.5')]);
    expect(parseInstalledJson(INSTALLED_JSON_V2, '/p')).toEqual([php('monolog/monolog', '3.4.0'), php('psr/log', '3.0.0')]);
    expect(parseInstalledJson(INSTALLED_JSON_V1, '/p')).toEqual([php('twig/twig', 'v2.12.5')]);
  });
});

describe('Java archives', () => {
  it('reads pom.properties in the archive and in nested archives', () => {
    expect(mavenCoordinatesOf(springBootJar())).toEqual([
      { groupId: 'com.example', artifactId: 'shop', version: '1.4.2', path: 'META-INF/maven/com.example/shop/pom.properties' },
      {
        groupId: 'com.fasterxml.jackson.core',
        artifactId: 'jackson-databind',
        version: '2.15.2',
        path: 'BOOT-INF/lib/jackson-databind-2.15.2.jar!/META-INF/maven/com.fasterxml.jackson.core/jackson-databind/pom.properties',
      },
      {
        groupId: 'org.springframework',
        artifactId: 'spring-core',
        version: '6.0.11',
        path: 'BOOT-INF/lib/spring-core-6.0.11.jar!/META-INF/maven/org.springframework/spring-core/pom.properties',
      },
    ]);
  });

  it('goes through an ear, its war and the war\'s WEB-INF/lib, down to the depth limit', () => {
    const war = jar('com.example', 'web', '2.0.0', { 'WEB-INF/lib/commons-text-1.10.0.jar': jar('org.apache.commons', 'commons-text', '1.10.0') });
    const ear = zipSync({ 'web.war': war, 'META-INF/application.xml': strToU8('<application/>') });
    const names = (zip: Uint8Array, maxDepth = 3) => mavenCoordinatesOf(zip, { maxDepth, maxNestedSize: 1 << 20, maxNestedArchives: 100 }).map((c) => c.artifactId);
    expect(names(ear)).toEqual(['web', 'commons-text']);
    expect(names(ear, 1)).toEqual(['web']);
    expect(names(ear, 0)).toEqual([]);
    // Four levels down: the default limit (3) stops before the last.
    let nested = jar('g', 'level4', '4');
    for (const level of [3, 2, 1, 0]) nested = jar('g', `level${level}`, String(level), { [`lib/level${level + 1}.jar`]: nested });
    expect(mavenCoordinatesOf(nested).map((c) => c.artifactId)).toEqual(['level0', 'level1', 'level2', 'level3']);
  });

  it('skips nested archives over the size limit and what is not a zip', () => {
    const big = jar('g', 'big', '1', { 'pad.bin': [new Uint8Array(4096).map((_, i) => (i * 7919) & 0xff), { level: 0 }] });
    const outer = jar('g', 'outer', '1', { 'lib/big.jar': big, 'lib/broken.jar': strToU8('not a zip at all') });
    expect(mavenCoordinatesOf(outer, { maxDepth: 3, maxNestedSize: 1024, maxNestedArchives: 10 }).map((c) => c.artifactId)).toEqual(['outer']);
    expect(mavenCoordinatesOf(outer).map((c) => c.artifactId)).toEqual(['outer', 'big']);
    expect(mavenCoordinatesOf(strToU8('PK\x03\x04 truncated'))).toEqual([]);
  });

  it('reads Java properties syntax and fills a missing group or artifact from the path', () => {
    expect(Object.fromEntries(parseProperties('# c\n! c\n a = 1 \nb:2\nc 3\nlong=x\\\n   y\nesc=a\\=b\\u0041\n'))).toEqual({ a: '1', b: '2', c: '3', long: 'xy', esc: 'a=bA' });
    const onlyVersion = zipSync({ 'META-INF/maven/org.slf4j/slf4j-api/pom.properties': strToU8('version=2.0.9\n') });
    expect(mavenCoordinatesOf(onlyVersion)).toEqual([{ groupId: 'org.slf4j', artifactId: 'slf4j-api', version: '2.0.9', path: 'META-INF/maven/org.slf4j/slf4j-api/pom.properties' }]);
    const wrongDepth = zipSync({ 'META-INF/maven/pom.properties': pomProperties('a', 'b', '1') });
    expect(mavenCoordinatesOf(wrongDepth)).toEqual([]);
  });

  it('catalogs raw archives and extracts alike, named groupId:artifactId at the outer archive', () => {
    expect(wantsJavaArchive('opt/app/app.JAR')).toBe(true);
    expect(wantsJavaArchive('opt/app/app.jar.sha1')).toBe(false);
    const files = new Map([['opt/app/app.jar', Buffer.from(springBootJar())]]);
    const expected = [
      { ecosystem: 'Maven', name: 'com.example:shop', version: '1.4.2', location: '/opt/app/app.jar' },
      { ecosystem: 'Maven', name: 'com.fasterxml.jackson.core:jackson-databind', version: '2.15.2', location: '/opt/app/app.jar' },
      { ecosystem: 'Maven', name: 'org.springframework:spring-core', version: '6.0.11', location: '/opt/app/app.jar' },
    ];
    expect(catalogJava(files)).toEqual(expected);
    expect(decodeJavaExtract(Buffer.from('{"maven":[{"groupId":"g"}, 3, null]}'))).toEqual([]);
  });
});

describe('malformed input', () => {
  it('never throws from any parser, whatever the bytes', () => {
    const paths = [
      'app/package-lock.json',
      'app/node_modules/x/package.json',
      'lib/a-1.dist-info/METADATA',
      'lib/a.egg-info',
      'bundle/specifications/a-1.gemspec',
      'app/Cargo.lock',
      'app/composer.lock',
      'app/vendor/composer/installed.json',
      'app/app.jar',
      'bin/go',
    ];
    const text = fc.oneof(
      fc.string(),
      fc.json(),
      fc.constantFrom(PACKAGE_LOCK_V1, PACKAGE_LOCK_V3, CARGO_LOCK, COMPOSER_LOCK).map((s) => s.slice(0, s.length >> 1)),
      fc.constant('{"packages":{"node_modules/a":null,"node_modules/b":{"version":7}},"dependencies":[1]}'),
      fc.constant('{"lockfileVersion":1,"dependencies":{"a":{"version":"npm:@"}}}'),
    );
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.oneof(text.map((s) => Buffer.from(s)), fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b))), (path, content) => {
        expect(Array.isArray(catalogLanguagePackages(new Map([[path, content]])))).toBe(true);
      }),
      { numRuns: 500 },
    );
    // Zip-shaped garbage: a real jar with bytes flipped.
    const real = springBootJar();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(real.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), (flips) => {
        const copy = Buffer.from(real);
        for (const [at, value] of flips) copy[at] = value;
        expect(Array.isArray(catalogJava(new Map([['a.jar', copy]])))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('language packages in an image', () => {
  const lockV3 = PACKAGE_LOCK_V3;
  const pkgJson = (name: string, version: string) => JSON.stringify({ name, version, description: 'x', main: 'index.js' });
  const goTool = elfFile(8192, [{ offset: 4096, bytes: goBuildInfoBlob('go1.20.1', 'mod\texample.com/tool\tv0.9.0\th1:t=\n') }]);
  const goServer = elfFile(DEFAULT_BIG, [{ offset: DEFAULT_BIG - 64 * 1024, bytes: goBuildInfoBlob('go1.21.5', SERVER_MODINFO) }]);

  const base: TestEntry[] = [
    { name: 'usr/local/lib/node_modules/npm/package.json', content: pkgJson('npm', '10.2.4') },
    { name: 'usr/local/lib/node_modules/npm/node_modules/semver/package.json', content: pkgJson('semver', '7.5.4') },
    { name: 'usr/local/lib/node_modules/npm/node_modules/semver/classes/package.json', content: pkgJson('decoy', '0.0.0') },
    { name: 'usr/local/lib/node_modules/npm/node_modules/@npmcli/arborist/package.json', content: pkgJson('@npmcli/arborist', '7.2.1') },
    { name: 'app/package-lock.json', content: lockV3 },
    { name: 'app/package.json', content: pkgJson('shop-web', '1.0.0') },
    { name: 'usr/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA', content: pythonMetadata('requests', '2.31.0') },
    { name: 'usr/lib/python3.11/site-packages/requests-2.31.0.dist-info/RECORD', content: 'requests/__init__.py,,\n' },
    { name: 'usr/lib/python3.11/site-packages/urllib3-2.0.7.dist-info/METADATA', content: pythonMetadata('urllib3', '2.0.7') },
    { name: 'usr/lib/python3/dist-packages/six-1.16.0.egg-info', content: 'Metadata-Version: 1.1\nName: six\nVersion: 1.16.0\n' },
    { name: 'srv/api.egg-info/PKG-INFO', content: 'Metadata-Version: 2.1\nName: api\nVersion: 0.3.0\n' },
    { name: 'usr/local/bundle/specifications/rack-3.0.8.gemspec', content: gemspec('rack', '3.0.8') },
    { name: 'usr/local/lib/ruby/gems/3.2.0/specifications/default/json-2.6.3.gemspec', content: gemspec('json', '2.6.3') },
    { name: 'src/rust-app/Cargo.lock', content: CARGO_LOCK },
    { name: 'var/www/composer.lock', content: COMPOSER_LOCK },
    { name: 'var/www/vendor/composer/installed.json', content: INSTALLED_JSON_V2 },
    { name: 'opt/app/app.jar', content: Buffer.from(springBootJar()) },
    { name: 'opt/app/lib/old.jar', content: Buffer.from(jar('log4j', 'log4j', '1.2.17')) },
    { name: 'usr/local/bin/api', content: goServer, mode: 0o755 },
    { name: 'usr/local/bin/tool', content: goTool, mode: 0o755 },
  ];
  const upper: TestEntry[] = [
    { name: 'usr/lib/python3.11/site-packages/.wh.urllib3-2.0.7.dist-info', content: '' },
    { name: 'usr/local/lib/node_modules/npm/node_modules/.wh.semver', content: '' },
    { name: 'opt/app/lib/.wh.old.jar', content: '' },
    { name: 'usr/local/bin/.wh.tool', content: '' },
    { name: 'usr/local/bundle/specifications/rack-3.0.9.gemspec', content: gemspec('rack', '3.0.9') },
    { name: 'usr/local/bundle/specifications/.wh..wh..opq', content: '' },
    { name: 'var/www/.wh.composer.lock', content: '' },
  ];

  const expected: LanguagePackage[] = [
    { ecosystem: 'Go', name: 'example.com/shop', version: 'v1.4.2', location: '/usr/local/bin/api' },
    { ecosystem: 'Go', name: 'github.com/google/uuid', version: 'v1.6.0', location: '/usr/local/bin/api' },
    { ecosystem: 'Go', name: 'golang.org/x/net', version: 'v0.23.0', location: '/usr/local/bin/api' },
    { ecosystem: 'Go', name: 'stdlib', version: '1.21.5', location: '/usr/local/bin/api' },
    { ecosystem: 'Maven', name: 'com.example:shop', version: '1.4.2', location: '/opt/app/app.jar' },
    { ecosystem: 'Maven', name: 'com.fasterxml.jackson.core:jackson-databind', version: '2.15.2', location: '/opt/app/app.jar' },
    { ecosystem: 'Maven', name: 'org.springframework:spring-core', version: '6.0.11', location: '/opt/app/app.jar' },
    { ecosystem: 'Packagist', name: 'monolog/monolog', version: '3.4.0', location: '/var/www/vendor/composer/installed.json' },
    { ecosystem: 'Packagist', name: 'psr/log', version: '3.0.0', location: '/var/www/vendor/composer/installed.json' },
    { ecosystem: 'PyPI', name: 'api', version: '0.3.0', location: '/srv/api.egg-info/PKG-INFO' },
    { ecosystem: 'PyPI', name: 'requests', version: '2.31.0', location: '/usr/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA' },
    { ecosystem: 'PyPI', name: 'six', version: '1.16.0', location: '/usr/lib/python3/dist-packages/six-1.16.0.egg-info' },
    { ecosystem: 'RubyGems', name: 'json', version: '2.6.3', location: '/usr/local/lib/ruby/gems/3.2.0/specifications/default/json-2.6.3.gemspec' },
    { ecosystem: 'RubyGems', name: 'rack', version: '3.0.9', location: '/usr/local/bundle/specifications/rack-3.0.9.gemspec' },
    { ecosystem: 'crates.io', name: 'serde', version: '1.0.188', location: '/src/rust-app/Cargo.lock' },
    { ecosystem: 'crates.io', name: 'tokio', version: '1.32.0', location: '/src/rust-app/Cargo.lock' },
    npm('@babel/core', '7.23.2', '/app/package-lock.json'),
    npm('@npmcli/arborist', '7.2.1', '/usr/local/lib/node_modules/npm/node_modules/@npmcli/arborist/package.json'),
    npm('debug', '2.6.9', '/app/package-lock.json'),
    npm('express', '4.18.2', '/app/package-lock.json'),
    npm('npm', '10.2.4', '/usr/local/lib/node_modules/npm/package.json'),
    npm('string-width', '4.2.3', '/app/package-lock.json'),
  ];

  it('reports exactly what the merged filesystem holds, whiteouts and opaque directories applied', async () => {
    const layers = [await gzLayer(base), await gzLayer(upper)];
    const skipped: string[] = [];
    const files = await collectLanguageFiles(layers, { onSkip: (path, reason) => skipped.push(`${path}: ${reason}`) });
    expect(catalogLanguagePackages(files)).toEqual(expected);
    expect(skipped).toEqual([]);
    // The view holds only small extracts for the archive and the executable.
    expect(files.get('usr/local/bin/api')!.length).toBeLessThan(1024);
    expect(files.get('opt/app/app.jar')!.length).toBeLessThan(1024);
    // Before the upper layer, the deleted packages are there.
    const lower = catalogLanguagePackages(await collectLanguageFiles([await gzLayer(base)]));
    expect(lower.filter((p) => !expected.some((e) => JSON.stringify(e) === JSON.stringify(p))).map((p) => `${p.name}@${p.version}`).sort()).toEqual(
      ['example.com/tool@v0.9.0', 'guzzlehttp/guzzle@7.8.0', 'log4j:log4j@1.2.17', 'phpunit/phpunit@10.3.5', 'rack@3.0.8', 'semver@7.5.4', 'stdlib@1.20.1', 'symfony/http-foundation@v6.3.4', 'urllib3@2.0.7'],
    );
  });

  it('is deterministic and reports each package once per location', () => {
    const blob = goBuildInfoBlob('go1.21.5', 'mod\ta.com/m\tv1.0.0\th1:x=\ndep\tb.com/d\tv1.0.0\th1:y=\ndep\tb.com/d\tv1.0.0\th1:y=\n');
    const lock = JSON.stringify({ lockfileVersion: 1, dependencies: { a: { version: '1.0.0', dependencies: { a: { version: '1.0.0' } } } } });
    const files = new Map([
      ['z/package-lock.json', Buffer.from(lock)],
      ['a/package-lock.json', Buffer.from(lock)],
      ['bin/x', blob],
    ]);
    const forward = catalogLanguagePackages(files);
    expect(catalogLanguagePackages(new Map([...files].reverse()))).toEqual(forward);
    expect(forward).toEqual([
      { ecosystem: 'Go', name: 'a.com/m', version: 'v1.0.0', location: '/bin/x' },
      { ecosystem: 'Go', name: 'b.com/d', version: 'v1.0.0', location: '/bin/x' },
      { ecosystem: 'Go', name: 'stdlib', version: '1.21.5', location: '/bin/x' },
      npm('a', '1.0.0', '/a/package-lock.json'),
      npm('a', '1.0.0', '/z/package-lock.json'),
    ]);
    expect(catalogGo(files)).toHaveLength(4); // the duplicate is the cataloger's, removed by the entry point
  });

  it('skips oversized manifests and archives with a note instead of failing', async () => {
    const bigLock = JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/a': { version: '1.0.0' } }, pad: 'x'.repeat(4096) });
    const layers = [
      await gzLayer([
        { name: 'app/package-lock.json', content: bigLock },
        { name: 'opt/app/app.jar', content: Buffer.from(springBootJar()) },
        { name: 'opt/app/small.jar', content: Buffer.from(jar('g', 'small', '1.0')) },
        { name: 'lib/x-1.dist-info/METADATA', content: pythonMetadata('x', '1') },
      ]),
    ];
    const skipped: string[] = [];
    const files = await collectLanguageFiles(layers, { maxFileSize: 2048, maxArchiveSize: 2048, onSkip: (path, reason) => skipped.push(`${path}: ${reason}`) });
    expect(catalogLanguagePackages(files).map((p) => `${p.name}@${p.version}`)).toEqual(['g:small@1.0', 'x@1']);
    expect(skipped).toHaveLength(2);
    expect(skipped[0]).toMatch(/^app\/package-lock\.json: layer file app\/package-lock\.json is \d+ bytes, over the 2048-byte limit/);
    expect(skipped[1]).toMatch(/^opt\/app\/app\.jar: not extracted: Java archive of \d+ bytes is over the 2048-byte limit/);
  });

  it('wants the files each cataloger reads, and no others', () => {
    for (const path of base.map((e) => e.name)) {
      const expectedWanted = !/\/(api|tool)$|\.jar$|RECORD$|^app\/package\.json$|classes\/package\.json$/.test(path);
      expect([path, wantsLanguageFile(path)]).toEqual([path, expectedWanted]);
    }
  });
});
