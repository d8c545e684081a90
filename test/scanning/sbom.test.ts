import fc from 'fast-check';
import { PackageURL } from 'packageurl-js';
import { describe, expect, it } from 'vitest';
import type { LanguagePackage, OsPackage } from '../../src/scanning/catalogers/package.js';
import type { Inventory } from '../../src/scanning/inventory.js';
import { toCycloneDx, type CycloneDxBom } from '../../src/scanning/sbom/cyclonedx.js';
import { isSbomFormat, renderSbom, SBOM_MEDIA_TYPES } from '../../src/scanning/sbom/index.js';
import { imagePackageUrl, normalizePypiName, packageUrl, splitRpmEpoch, type OsRelease } from '../../src/scanning/sbom/purl.js';
import { SPDX_ID_PATTERN, toSpdx, type SpdxDocument } from '../../src/scanning/sbom/spdx.js';
import type { SbomSubject } from '../../src/scanning/sbom/subject.js';
import { nameBasedUuid, URL_NAMESPACE } from '../../src/scanning/sbom/uuid.js';

const DPKG_STATUS = '/var/lib/dpkg/status';
const APK_DB = '/lib/apk/db/installed';
const RPM_DB = '/var/lib/rpm/rpmdb.sqlite';

const DEBIAN_12: OsRelease = { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' };
const ALPINE: OsRelease = { id: 'alpine', versionId: '3.19.1' };

const os = (ecosystem: OsPackage['ecosystem'], name: string, version: string, extra: Partial<OsPackage> = {}): OsPackage => ({
  ecosystem,
  name,
  version,
  location: ecosystem === 'debian' ? DPKG_STATUS : ecosystem === 'alpine' ? APK_DB : RPM_DB,
  ...extra,
});
const lang = (ecosystem: LanguagePackage['ecosystem'], name: string, version: string, location = '/app/lockfile'): LanguagePackage => ({
  ecosystem,
  name,
  version,
  location,
});

const SUBJECT: SbomSubject = {
  registry: 'registry.example.com',
  repository: 'team/web-app',
  digest: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  tags: ['v1.2', 'latest'],
};
const CREATED = new Date('2024-05-01T12:34:56.789Z');

/** A Debian image with Node and Go applications, one npm package installed twice. */
function sampleInventory(): Inventory {
  return {
    os: DEBIAN_12,
    osPackages: [
      os('debian', 'openssl', '3.0.9-1', { arch: 'amd64', sourceName: 'openssl' }),
      os('debian', 'libc6', '2.36-9+deb12u4', { arch: 'amd64', sourceName: 'glibc', sourceVersion: '2.36-9+deb12u4' }),
    ],
    languagePackages: [
      lang('npm', 'lodash', '4.17.21', '/app/package-lock.json'),
      lang('npm', 'lodash', '4.17.21', '/srv/admin/package-lock.json'),
      lang('npm', '@babel/core', '7.23.0', '/app/package-lock.json'),
      lang('Go', 'stdlib', '1.21.5', '/usr/local/bin/server'),
      lang('Go', 'golang.org/x/net', 'v0.17.0', '/usr/local/bin/server'),
    ],
  };
}

const packageCount = (inventory: Inventory) => inventory.osPackages.length + inventory.languagePackages.length;
const property = (component: { properties?: { name: string; value: string }[] }, name: string) =>
  component.properties?.filter((p) => p.name === name).map((p) => p.value);

describe('package URLs: the purl specification examples', () => {
  it.each<[string, OsPackage | LanguagePackage, OsRelease | undefined]>([
    ['pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64', os('debian', 'attr', '1:2.4.47-2+b1', { arch: 'amd64' }), { id: 'debian' }],
    ['pkg:deb/ubuntu/dpkg@1.19.0.4?arch=amd64', os('debian', 'dpkg', '1.19.0.4', { arch: 'amd64' }), { id: 'ubuntu' }],
    ['pkg:apk/alpine/curl@7.83.0-r0?arch=x86', os('alpine', 'curl', '7.83.0-r0', { arch: 'x86' }), { id: 'alpine' }],
    ['pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25', os('rpm', 'curl', '7.50.3-1.fc25', { arch: 'i386' }), { id: 'fedora', versionId: '25' }],
    // The example's qualifiers in canonical (key) order; the vendor comes from os-release.
    ['pkg:rpm/fedora/centerim@4.22.10-1.el6?arch=i686&distro=fedora-25&epoch=1', os('rpm', 'centerim', '1:4.22.10-1.el6', { arch: 'i686' }), { id: 'fedora', versionId: '25' }],
    ['pkg:npm/foobar@12.3.1', lang('npm', 'foobar', '12.3.1'), undefined],
    ['pkg:npm/%40angular/animation@12.3.1', lang('npm', '@angular/animation', '12.3.1'), undefined],
    ['pkg:pypi/django@1.11.1', lang('PyPI', 'Django', '1.11.1'), undefined],
    ['pkg:pypi/django-allauth@12.23', lang('PyPI', 'django_allauth', '12.23'), undefined],
    ['pkg:golang/github.com/gorilla/context@234fd47e07d1004f0aed9c', lang('Go', 'github.com/gorilla/context', '234fd47e07d1004f0aed9c'), undefined],
    ['pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1', lang('Maven', 'org.apache.xmlgraphics:batik-anim', '1.9.1'), undefined],
    ['pkg:gem/ruby-advisory-db-check@0.12.4', lang('RubyGems', 'ruby-advisory-db-check', '0.12.4'), undefined],
    ['pkg:cargo/rand@0.7.2', lang('crates.io', 'rand', '0.7.2'), undefined],
    ['pkg:composer/laravel/laravel@5.5.0', lang('Packagist', 'laravel/laravel', '5.5.0'), undefined],
  ])('%s', (expected, pkg, release) => {
    expect(packageUrl(pkg, release)).toBe(expected);
  });

  it('builds the oci examples for the image, tag only when asked for', () => {
    const image: SbomSubject = { registry: 'gcr.io', repository: 'distroless/static', digest: 'sha256:244fd47e07d10', tags: ['latest'] };
    expect(imagePackageUrl(image, 'latest')).toBe('pkg:oci/static@sha256:244fd47e07d10?repository_url=gcr.io%2Fdistroless%2Fstatic&tag=latest');
    expect(imagePackageUrl(image)).toBe('pkg:oci/static@sha256:244fd47e07d10?repository_url=gcr.io%2Fdistroless%2Fstatic');
  });

  it('never percent-encodes a colon, in a qualifier value (a registry port) or a version', () => {
    const image: SbomSubject = { registry: 'localhost:5000', repository: 'App', digest: 'sha256:abc', tags: [] };
    expect(imagePackageUrl(image)).toBe('pkg:oci/app@sha256:abc?repository_url=localhost:5000%2FApp');
  });
});

describe('package URLs: OS packages', () => {
  it('deb: vendor and distro from os-release, epoch kept in the version', () => {
    expect(packageUrl(os('debian', 'openssl', '3.0.9-1', { arch: 'amd64' }), DEBIAN_12)).toBe('pkg:deb/debian/openssl@3.0.9-1?arch=amd64&distro=debian-12');
    expect(packageUrl(os('debian', 'libc6', '1:2.35-0ubuntu3.6', { arch: 'amd64' }), { id: 'ubuntu', versionId: '22.04' })).toBe(
      'pkg:deb/ubuntu/libc6@1:2.35-0ubuntu3.6?arch=amd64&distro=ubuntu-22.04',
    );
  });

  it('deb: lowercased name, `+` in names and versions percent-encoded', () => {
    expect(packageUrl(os('debian', 'libstdc++6', '12.2.0-14+deb12u1', { arch: 'amd64' }), DEBIAN_12)).toBe(
      'pkg:deb/debian/libstdc%2B%2B6@12.2.0-14%2Bdeb12u1?arch=amd64&distro=debian-12',
    );
    expect(packageUrl(os('debian', 'Foo', '1'), DEBIAN_12)).toBe('pkg:deb/debian/foo@1?distro=debian-12');
  });

  it('deb without os-release: vendor debian, no distro; without VERSION_ID: no distro', () => {
    expect(packageUrl(os('debian', 'bash', '5.2.15-2+b2', { arch: 'amd64' }))).toBe('pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64');
    expect(packageUrl(os('debian', 'bash', '5.2.21-2', { arch: 'arm64' }), { id: 'debian' })).toBe('pkg:deb/debian/bash@5.2.21-2?arch=arm64');
  });

  it('apk: vendor from os-release, distro the VERSION_ID alone', () => {
    expect(packageUrl(os('alpine', 'busybox', '1.36.1-r15', { arch: 'x86_64' }), ALPINE)).toBe('pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&distro=3.19.1');
    expect(packageUrl(os('alpine', 'apk-tools', '2.14.0-r5', { arch: 'aarch64' }), { id: 'wolfi', versionId: '20230201' })).toBe(
      'pkg:apk/wolfi/apk-tools@2.14.0-r5?arch=aarch64&distro=20230201',
    );
    expect(packageUrl(os('alpine', 'musl', '1.2.4-r2'))).toBe('pkg:apk/alpine/musl@1.2.4-r2');
  });

  it('rpm: vendor named as purls name it, epoch as a qualifier, name case kept', () => {
    const rhel = { id: 'rhel', versionId: '9.3' };
    expect(packageUrl(os('rpm', 'openssl-libs', '1:3.0.7-25.el9_3', { arch: 'x86_64' }), rhel)).toBe(
      'pkg:rpm/redhat/openssl-libs@3.0.7-25.el9_3?arch=x86_64&distro=rhel-9.3&epoch=1',
    );
    expect(packageUrl(os('rpm', 'glibc', '2.26-63.amzn2', { arch: 'x86_64' }), { id: 'amzn', versionId: '2' })).toBe(
      'pkg:rpm/amzn/glibc@2.26-63.amzn2?arch=x86_64&distro=amzn-2',
    );
    expect(packageUrl(os('rpm', 'NetworkManager', '1.44.0-3.el9', { arch: 'x86_64' }), { id: 'rocky', versionId: '9.3' })).toBe(
      'pkg:rpm/rocky/NetworkManager@1.44.0-3.el9?arch=x86_64&distro=rocky-9.3',
    );
    expect(packageUrl(os('rpm', 'bash', '5.1.8-6.el9', { arch: 'x86_64' }), { id: 'ol', versionId: '9.3' })).toBe(
      'pkg:rpm/oracle/bash@5.1.8-6.el9?arch=x86_64&distro=ol-9.3',
    );
  });

  it('rpm without os-release: no vendor to name, the rest as usual', () => {
    expect(packageUrl(os('rpm', 'centerim', '1:4.22.10-1.el6', { arch: 'i686' }))).toBe('pkg:rpm/centerim@4.22.10-1.el6?arch=i686&epoch=1');
  });

  it('splits an rpm epoch only when one is written', () => {
    expect(splitRpmEpoch('2:1.0-1')).toEqual({ epoch: '2', version: '1.0-1' });
    expect(splitRpmEpoch('0:1.0-1')).toEqual({ epoch: '0', version: '1.0-1' });
    expect(splitRpmEpoch('1.0-1')).toEqual({ version: '1.0-1' });
    expect(splitRpmEpoch('x:1.0-1')).toEqual({ version: 'x:1.0-1' });
  });
});

describe('package URLs: language packages', () => {
  it('npm: scope as namespace, lowercased', () => {
    expect(packageUrl(lang('npm', '@Types/Node', '20.10.0'))).toBe('pkg:npm/%40types/node@20.10.0');
    expect(packageUrl(lang('npm', 'lodash', '4.17.21'))).toBe('pkg:npm/lodash@4.17.21');
  });

  it('pypi: runs of -, _ and . become one -, lowercase', () => {
    expect(packageUrl(lang('PyPI', 'Zope.Interface', '6.1'))).toBe('pkg:pypi/zope-interface@6.1');
    expect(packageUrl(lang('PyPI', 'typing__extensions', '4.9.0'))).toBe('pkg:pypi/typing-extensions@4.9.0');
    expect(normalizePypiName('A-_.b--C')).toBe('a-b-c');
  });

  it('golang: module path split at the last slash, case kept; stdlib a bare name', () => {
    expect(packageUrl(lang('Go', 'stdlib', '1.21.5'))).toBe('pkg:golang/stdlib@1.21.5');
    expect(packageUrl(lang('Go', 'github.com/go-chi/chi/v5', 'v5.0.10'))).toBe('pkg:golang/github.com/go-chi/chi/v5@v5.0.10');
    expect(packageUrl(lang('Go', 'github.com/BurntSushi/toml', 'v1.3.2'))).toBe('pkg:golang/github.com/BurntSushi/toml@v1.3.2');
    expect(packageUrl(lang('Go', 'golang.org/x/text', 'v0.3.8-0.20211004125949-5bd84dd9b33b'))).toBe(
      'pkg:golang/golang.org/x/text@v0.3.8-0.20211004125949-5bd84dd9b33b',
    );
  });

  it('maven: groupId namespace, artifactId name, case kept; none without a group', () => {
    expect(packageUrl(lang('Maven', 'com.fasterxml.jackson.core:jackson-databind', '2.15.3'))).toBe(
      'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.15.3',
    );
    expect(packageUrl(lang('Maven', 'org.Example:MyLib', '1.0'))).toBe('pkg:maven/org.Example/MyLib@1.0');
    expect(packageUrl(lang('Maven', 'no-group', '1.0'))).toBeUndefined();
    expect(packageUrl(lang('Maven', 'org.example:', '1.0'))).toBeUndefined();
  });

  it('gem and cargo: name as written; composer: vendor namespace, lowercased', () => {
    expect(packageUrl(lang('RubyGems', 'ActiveSupport', '7.1.2'))).toBe('pkg:gem/ActiveSupport@7.1.2');
    expect(packageUrl(lang('crates.io', 'serde_json', '1.0.108+local'))).toBe('pkg:cargo/serde_json@1.0.108%2Blocal');
    expect(packageUrl(lang('Packagist', 'Symfony/Console', 'v6.4.1'))).toBe('pkg:composer/symfony/console@v6.4.1');
  });

  it('has no purl for a package without a name', () => {
    expect(packageUrl(lang('npm', '', '1.0.0'))).toBeUndefined();
  });

  /**
   * The components of a purl without namespace or subpath, percent-decoded once. (packageurl-js's
   * parser decodes qualifier values twice, so a value holding `%` does not survive it.)
   */
  const decodePurl = (purl: string) => {
    const m = /^pkg:([a-z]+)\/(?:([^@?#]*)\/)?([^/@?#]+)(?:@([^?#]*))?(?:\?([^#]*))?$/.exec(purl);
    if (!m) throw new Error(`not a purl: ${purl}`);
    const qualifiers = Object.fromEntries((m[5] ?? '').split('&').filter(Boolean).map((pair) => pair.split('=').map(decodeURIComponent)));
    return { type: m[1], name: decodeURIComponent(m[3]!), version: m[4] === undefined ? undefined : decodeURIComponent(m[4]), qualifiers };
  };

  it('emits only the characters a canonical purl may hold, and decodes to what it was built from', () => {
    const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => s.trim() === s && s.length > 0);
    fc.assert(
      fc.property(text, text, text, (name, version, arch) => {
        const apk = packageUrl(os('alpine', 'x', version, { arch }), ALPINE)!;
        expect(apk).toMatch(/^[A-Za-z0-9.\-_~%:/@?=&#]+$/);
        expect(decodePurl(apk)).toEqual({ type: 'apk', name: 'x', version, qualifiers: { arch, distro: '3.19.1' } });
        const cargo = packageUrl(lang('crates.io', name, version))!;
        expect(cargo).toMatch(/^[A-Za-z0-9.\-_~%:/@?=&#]+$/);
        expect(decodePurl(cargo)).toEqual({ type: 'cargo', name, version, qualifiers: {} });
        expect(PackageURL.fromString(cargo).name).toBe(name);
      }),
    );
  });
});

describe('name-based UUIDs', () => {
  it('match RFC 9562 version 5 for known names', () => {
    // uuid5(NAMESPACE_DNS, 'python.org'), as Python's uuid module documents it.
    expect(nameBasedUuid('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
    expect(nameBasedUuid(URL_NAMESPACE, 'https://example.com/')).toBe('dd2c1780-811a-5296-81c5-178a0ef488bc');
  });

  it('rejects a namespace that is not a UUID', () => {
    expect(() => nameBasedUuid('not-a-uuid', 'x')).toThrow(/not a UUID/);
  });
});

describe('CycloneDX', () => {
  const bom = () => toCycloneDx(sampleInventory(), SUBJECT, CREATED);
  const libraries = (doc: CycloneDxBom) => doc.components.filter((c) => c.type === 'library');

  it('has the required top-level fields of a 1.5 BOM', () => {
    const doc = bom();
    expect(doc.$schema).toBe('http://cyclonedx.org/schema/bom-1.5.schema.json');
    expect(doc.bomFormat).toBe('CycloneDX');
    expect(doc.specVersion).toBe('1.5');
    expect(doc.version).toBe(1);
    expect(doc.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(doc.metadata.timestamp).toBe('2024-05-01T12:34:56Z');
    expect(doc.metadata.tools).toEqual({ components: [{ type: 'application', name: 'stowage' }] });
  });

  it('describes the image as a container component with its oci purl and tags', () => {
    expect(bom().metadata.component).toEqual({
      type: 'container',
      'bom-ref': 'pkg:oci/web-app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef?repository_url=registry.example.com%2Fteam%2Fweb-app',
      name: 'team/web-app',
      version: SUBJECT.digest,
      purl: 'pkg:oci/web-app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef?repository_url=registry.example.com%2Fteam%2Fweb-app',
      properties: [
        { name: 'stowage:tag', value: 'latest' },
        { name: 'stowage:tag', value: 'v1.2' },
      ],
    });
  });

  it('derives the serial number from the image: same image same number, another digest or repository another', () => {
    const serial = (subject: SbomSubject, inventory = sampleInventory(), created = CREATED) => toCycloneDx(inventory, subject, created).serialNumber;
    const base = serial(SUBJECT);
    expect(serial({ ...SUBJECT, tags: [] }, { osPackages: [], languagePackages: [] }, new Date(0))).toBe(base);
    expect(base).toBe(`urn:uuid:${nameBasedUuid(URL_NAMESPACE, imagePackageUrl(SUBJECT))}`);
    expect(serial({ ...SUBJECT, digest: SUBJECT.digest.replace('0123', '4567') })).not.toBe(base);
    expect(serial({ ...SUBJECT, repository: 'other/web-app' })).not.toBe(base);
  });

  it('lists the distribution first, as an operating-system component', () => {
    expect(bom().components[0]).toEqual({
      type: 'operating-system',
      'bom-ref': 'os:debian@12',
      name: 'debian',
      version: '12',
      description: 'Debian GNU/Linux 12 (bookworm)',
    });
    const noOs = toCycloneDx({ ...sampleInventory(), os: undefined }, SUBJECT, CREATED);
    expect(noOs.components.some((c) => c.type === 'operating-system')).toBe(false);
  });

  it('gives each package its name, version, purl, location, arch and source package', () => {
    const libc = libraries(bom()).find((c) => c.name === 'libc6');
    expect(libc).toEqual({
      type: 'library',
      'bom-ref': `pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12|${DPKG_STATUS}`,
      name: 'libc6',
      version: '2.36-9+deb12u4',
      purl: 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12',
      properties: [
        { name: 'stowage:location', value: DPKG_STATUS },
        { name: 'stowage:arch', value: 'amd64' },
        { name: 'stowage:source-name', value: 'glibc' },
        { name: 'stowage:source-version', value: '2.36-9+deb12u4' },
      ],
    });
    const core = libraries(bom()).find((c) => c.name === '@babel/core');
    expect(core?.purl).toBe('pkg:npm/%40babel/core@7.23.0');
    expect(core?.properties).toEqual([{ name: 'stowage:location', value: '/app/package-lock.json' }]);
  });

  it('lists a package once per location, with distinct bom-refs', () => {
    const inventory = sampleInventory();
    inventory.languagePackages.push(lang('npm', 'lodash', '4.17.21', '/app/package-lock.json'));
    const lodash = libraries(toCycloneDx(inventory, SUBJECT, CREATED)).filter((c) => c.name === 'lodash');
    expect(lodash.map((c) => property(c, 'stowage:location'))).toEqual([['/app/package-lock.json'], ['/srv/admin/package-lock.json']]);
    expect(new Set(lodash.map((c) => c['bom-ref'])).size).toBe(2);
  });

  it('keeps a package that has no purl, with a bom-ref of its own', () => {
    const inventory: Inventory = { osPackages: [], languagePackages: [lang('Maven', 'orphan', '1.0', '/app/lib/orphan.jar')] };
    expect(toCycloneDx(inventory, SUBJECT, CREATED).components).toEqual([
      { type: 'library', 'bom-ref': 'Maven:orphan@1.0|/app/lib/orphan.jar', name: 'orphan', version: '1.0', properties: [{ name: 'stowage:location', value: '/app/lib/orphan.jar' }] },
    ]);
  });

  it('sorts packages by bom-ref, whatever the inventory order', () => {
    const refs = libraries(bom()).map((c) => c['bom-ref']!);
    expect(refs).toEqual([...refs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(refs[0]!.startsWith('pkg:deb/debian/libc6@')).toBe(true);
    const reversed = sampleInventory();
    reversed.osPackages.reverse();
    reversed.languagePackages.reverse();
    expect(JSON.stringify(toCycloneDx(reversed, SUBJECT, CREATED))).toBe(JSON.stringify(bom()));
  });
});

describe('SPDX', () => {
  const doc = () => toSpdx(sampleInventory(), SUBJECT, CREATED);
  const IMAGE_PURL = imagePackageUrl(SUBJECT);

  it('has the required document fields of SPDX 2.3', () => {
    const d = doc();
    expect(d.spdxVersion).toBe('SPDX-2.3');
    expect(d.dataLicense).toBe('CC0-1.0');
    expect(d.SPDXID).toBe('SPDXRef-DOCUMENT');
    expect(d.name).toBe(`registry.example.com/team/web-app@${SUBJECT.digest}`);
    expect(d.documentNamespace).toBe(`https://stowage.invalid/spdx/registry.example.com/team/web-app/${SUBJECT.digest}`);
    expect(() => new URL(d.documentNamespace)).not.toThrow();
    expect(d.creationInfo).toEqual({ created: '2024-05-01T12:34:56Z', creators: ['Tool: stowage'] });
  });

  it('encodes what a URL cannot hold in the document namespace', () => {
    const d = toSpdx(sampleInventory(), { ...SUBJECT, registry: 'localhost:5000', repository: 'a b/c' }, CREATED);
    expect(d.documentNamespace).toBe(`https://stowage.invalid/spdx/localhost:5000/a%20b/c/${SUBJECT.digest}`);
  });

  it('describes the image as a CONTAINER package with its purls, tagged ones after', () => {
    expect(doc().packages[0]).toEqual({
      SPDXID: 'SPDXRef-Image',
      name: 'team/web-app',
      versionInfo: SUBJECT.digest,
      primaryPackagePurpose: 'CONTAINER',
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      externalRefs: [IMAGE_PURL, `${IMAGE_PURL}&tag=latest`, `${IMAGE_PURL}&tag=v1.2`].map((referenceLocator) => ({
        referenceCategory: 'PACKAGE-MANAGER',
        referenceType: 'purl',
        referenceLocator,
      })),
    });
  });

  it('lists the distribution and each package with the fields SPDX requires', () => {
    const [, distro, ...packages] = doc().packages;
    expect(distro).toMatchObject({ SPDXID: 'SPDXRef-OperatingSystem', name: 'debian', versionInfo: '12', primaryPackagePurpose: 'OPERATING-SYSTEM' });
    expect(packages).toHaveLength(packageCount(sampleInventory()));
    for (const pkg of packages) {
      expect(pkg).toMatchObject({ downloadLocation: 'NOASSERTION', filesAnalyzed: false, licenseConcluded: 'NOASSERTION', licenseDeclared: 'NOASSERTION' });
      expect(pkg.SPDXID).toMatch(/^SPDXRef-Package-\d+$/);
    }
    expect(packages.find((p) => p.name === 'libc6')).toEqual({
      SPDXID: 'SPDXRef-Package-1',
      name: 'libc6',
      versionInfo: '2.36-9+deb12u4',
      primaryPackagePurpose: 'LIBRARY',
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      sourceInfo: `found in ${DPKG_STATUS}; built from source package glibc 2.36-9+deb12u4`,
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12' }],
    });
    expect(packages.filter((p) => p.name === 'lodash').map((p) => p.sourceInfo)).toEqual([
      'found in /app/package-lock.json',
      'found in /srv/admin/package-lock.json',
    ]);
  });

  it('uses valid, unique SPDX identifiers', () => {
    const ids = doc().packages.map((p) => p.SPDXID);
    for (const id of ids) expect(id).toMatch(SPDX_ID_PATTERN);
    expect(new Set(ids).size).toBe(ids.length);
    expect(SPDX_ID_PATTERN.test('SPDXRef-Package_1')).toBe(false);
  });

  it('relates the document to the image and the image to every other package, once each', () => {
    const d = doc();
    const [image, ...contained] = d.packages;
    expect(d.relationships[0]).toEqual({ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: image!.SPDXID });
    expect(d.relationships.slice(1)).toEqual(
      contained.map((p) => ({ spdxElementId: 'SPDXRef-Image', relationshipType: 'CONTAINS', relatedSpdxElement: p.SPDXID })),
    );
  });

  it('has no operating-system package without os-release', () => {
    const d = toSpdx({ ...sampleInventory(), os: undefined }, SUBJECT, CREATED);
    expect(d.packages.map((p) => p.primaryPackagePurpose).filter((p) => p !== 'LIBRARY')).toEqual(['CONTAINER']);
    expect(d.relationships).toHaveLength(1 + packageCount(sampleInventory()));
  });
});

describe('renderSbom', () => {
  it('names the media type of each format', () => {
    expect(SBOM_MEDIA_TYPES).toEqual({ cyclonedx: 'application/vnd.cyclonedx+json', spdx: 'application/spdx+json' });
    expect(isSbomFormat('spdx')).toBe(true);
    expect(isSbomFormat('cyclonedx')).toBe(true);
    expect(isSbomFormat('SPDX')).toBe(false);
  });

  it('renders each format as the JSON of its document', () => {
    expect(JSON.parse(renderSbom('cyclonedx', sampleInventory(), SUBJECT, CREATED))).toEqual(toCycloneDx(sampleInventory(), SUBJECT, CREATED));
    expect(JSON.parse(renderSbom('spdx', sampleInventory(), SUBJECT, CREATED))).toEqual(toSpdx(sampleInventory(), SUBJECT, CREATED));
  });

  it.each(['cyclonedx', 'spdx'] as const)('%s: same input, same bytes; another creation time changes only the timestamps', (format) => {
    const shuffled = sampleInventory();
    shuffled.languagePackages.push(shuffled.languagePackages.shift()!);
    shuffled.osPackages.reverse();
    const first = renderSbom(format, sampleInventory(), SUBJECT, CREATED);
    expect(renderSbom(format, sampleInventory(), SUBJECT, new Date(CREATED))).toBe(first);
    expect(renderSbom(format, shuffled, { ...SUBJECT, tags: [...SUBJECT.tags].reverse() }, CREATED)).toBe(first);
    const later = renderSbom(format, sampleInventory(), SUBJECT, new Date('2025-01-01T00:00:00Z'));
    expect(later).not.toBe(first);
    expect(later.replaceAll('2025-01-01T00:00:00Z', '2024-05-01T12:34:56Z')).toBe(first);
  });
});

describe('documents for generated inventories', () => {
  const token = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
  const version = fc.stringMatching(/^[0-9]{1,3}(\.[0-9]{1,3}){0,2}$/);
  const location = fc.constantFrom(DPKG_STATUS, APK_DB, RPM_DB, '/app/package-lock.json', '/usr/local/bin/app', '/opt/app.jar');
  const osPackage: fc.Arbitrary<OsPackage> = fc.record({
    ecosystem: fc.constantFrom('debian' as const, 'alpine' as const, 'rpm' as const),
    name: token,
    version,
    arch: fc.option(fc.constantFrom('amd64', 'x86_64', 'noarch'), { nil: undefined }),
    sourceName: fc.option(token, { nil: undefined }),
    location,
  });
  const scoped = fc.tuple(token, token).map(([scope, name]) => `@${scope}/${name}`);
  const goModule = fc.tuple(token, token, token).map(([host, owner, repo]) => `${host}.com/${owner}/${repo}`);
  const languagePackage: fc.Arbitrary<LanguagePackage> = fc
    .oneof(
      fc.tuple(fc.constant('npm' as const), fc.oneof(token, scoped)),
      fc.tuple(fc.constant('PyPI' as const), token),
      fc.tuple(fc.constant('Go' as const), fc.oneof(fc.constant('stdlib'), goModule)),
      fc.tuple(fc.constant('Maven' as const), fc.tuple(token, token, token).map(([org, group, artifact]) => `${org}.${group}:${artifact}`)),
      fc.tuple(fc.constant('RubyGems' as const), token),
      fc.tuple(fc.constant('crates.io' as const), token),
      fc.tuple(fc.constant('Packagist' as const), fc.tuple(token, token).map(([vendor, name]) => `${vendor}/${name}`)),
    )
    .chain(([ecosystem, name]) => fc.record({ ecosystem: fc.constant(ecosystem), name: fc.constant(name), version, location }));
  const release: fc.Arbitrary<OsRelease | undefined> = fc.option(
    fc.record({ id: fc.constantFrom('debian', 'ubuntu', 'alpine', 'rhel', 'fedora'), versionId: fc.option(version, { nil: undefined }) }),
    { nil: undefined },
  );
  /** Packages that differ in what a purl or a location says, so that no two are the same entry. */
  const distinctPackages = fc.uniqueArray(fc.oneof(osPackage, languagePackage), {
    maxLength: 25,
    selector: (p) => [p.ecosystem, p.name, p.version, 'arch' in p ? (p.arch ?? '') : '', p.location].join('\u0000'),
  });
  const inventoryOf = (packages: (OsPackage | LanguagePackage)[], os: OsRelease | undefined): Inventory => {
    const inventory: Inventory = {
      osPackages: packages.filter((p): p is OsPackage => p.ecosystem === 'debian' || p.ecosystem === 'alpine' || p.ecosystem === 'rpm'),
      languagePackages: packages.filter((p): p is LanguagePackage => !(p.ecosystem === 'debian' || p.ecosystem === 'alpine' || p.ecosystem === 'rpm')),
    };
    if (os) inventory.os = os;
    return inventory;
  };

  it('one component per package (+1 for the distribution), unique bom-refs and SPDX ids', () => {
    fc.assert(
      fc.property(distinctPackages, release, (packages, os) => {
        const inventory = inventoryOf(packages, os);
        const withOs = os ? 1 : 0;
        const cdx = toCycloneDx(inventory, SUBJECT, CREATED);
        expect(cdx.components).toHaveLength(packages.length + withOs);
        const refs = [cdx.metadata.component['bom-ref'], ...cdx.components.map((c) => c['bom-ref'])];
        expect(new Set(refs).size).toBe(refs.length);
        const spdx = toSpdx(inventory, SUBJECT, CREATED);
        expect(spdx.packages).toHaveLength(1 + packages.length + withOs);
        const ids = spdx.packages.map((p) => p.SPDXID);
        expect(new Set(ids).size).toBe(ids.length);
        for (const id of ids) expect(id).toMatch(SPDX_ID_PATTERN);
        expect(spdx.relationships.filter((r) => r.relationshipType === 'CONTAINS')).toHaveLength(packages.length + withOs);
      }),
    );
  });

  it('any package, however named, is in both documents (by purl, or by name and version without one) and the order of the inventory does not matter', () => {
    const text = fc.string({ maxLength: 10 });
    const anyPackage = fc.oneof(
      fc.record({ ecosystem: fc.constantFrom('debian' as const, 'alpine' as const, 'rpm' as const), name: text, version: text, location: text }),
      fc.record({ ecosystem: fc.constantFrom('npm' as const, 'PyPI' as const, 'Go' as const, 'Maven' as const, 'Packagist' as const), name: text, version: text, location: text }),
    );
    fc.assert(
      fc.property(fc.array(anyPackage, { maxLength: 15 }), release, (packages, os) => {
        const inventory = inventoryOf(packages, os);
        const cdx: CycloneDxBom = toCycloneDx(inventory, SUBJECT, CREATED);
        const spdx: SpdxDocument = toSpdx(inventory, SUBJECT, CREATED);
        for (const p of packages) {
          // Packages whose purls are equal (names differing only in case, …) are one entry per location.
          const purl = packageUrl(p, os);
          const same = (name: string, version: string | undefined, found: string | undefined) =>
            purl === undefined ? found === undefined && name === p.name && (version ?? '') === p.version : found === purl;
          const inCycloneDx = cdx.components.some(
            (c) => c.type === 'library' && same(c.name, c.version, c.purl) && property(c, 'stowage:location')?.[0] === p.location,
          );
          expect(inCycloneDx).toBe(true);
          const inSpdx = spdx.packages.some(
            (s) => s.primaryPackagePurpose === 'LIBRARY' && same(s.name, s.versionInfo, s.externalRefs?.[0]?.referenceLocator) && s.sourceInfo === `found in ${p.location}`,
          );
          expect(inSpdx).toBe(true);
        }
        const refs = cdx.components.map((c) => c['bom-ref']);
        expect(new Set(refs).size).toBe(refs.length);
        for (const s of spdx.packages) expect(s.SPDXID).toMatch(SPDX_ID_PATTERN);
        const reversed = inventoryOf([...packages].reverse(), os);
        expect(JSON.stringify(toCycloneDx(reversed, SUBJECT, CREATED))).toBe(JSON.stringify(cdx));
        expect(JSON.stringify(toSpdx(reversed, SUBJECT, CREATED))).toBe(JSON.stringify(spdx));
      }),
    );
  });
});
