import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { zipSync } from 'fflate';
import { OciClient, sha256 } from '../helpers/oci-client.js';
import { elfFile, goBuildInfoBlob, jar, pythonMetadata } from './language-fixtures.js';
import { tarOf, type TestEntry } from './layers.js';

/**
 * A small OSV database whose matches against the test images below are known exactly:
 * Debian 12 (source packages), Alpine 3.19, npm, plus advisories that must not match (another
 * release, a withdrawn advisory, a package the image deletes through a whiteout, a fixed version).
 */
export const CRITICAL_V3 = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'; // 9.8
export const MEDIUM_V3 = 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N'; // 4.8

export function osvAdvisories(): Record<string, unknown>[] {
  return [
    {
      id: 'DEBIAN-CVE-2023-0001',
      modified: '2024-01-10T00:00:00Z',
      published: '2023-06-01T00:00:00Z',
      upstream: ['CVE-2023-0001'],
      summary: 'openssl: remote code execution in the TLS handshake',
      severity: [{ type: 'CVSS_V3', score: CRITICAL_V3 }],
      affected: [
        {
          package: { ecosystem: 'Debian:12', name: 'openssl' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.11-1~deb12u2' }] }],
        },
      ],
      references: [{ type: 'ADVISORY', url: 'https://security-tracker.debian.org/tracker/CVE-2023-0001' }],
    },
    {
      // Only bookworm's predecessor: must not match a Debian 12 image.
      id: 'DEBIAN-CVE-2023-0002',
      modified: '2024-01-10T00:00:00Z',
      upstream: ['CVE-2023-0002'],
      summary: 'openssl: bullseye only',
      severity: [{ type: 'CVSS_V3', score: CRITICAL_V3 }],
      affected: [{ package: { ecosystem: 'Debian:11', name: 'openssl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] }],
    },
    {
      // curl is deleted by the image's upper layer: must not be reported.
      id: 'DEBIAN-CVE-2023-0003',
      modified: '2024-01-10T00:00:00Z',
      upstream: ['CVE-2023-0003'],
      summary: 'curl: deleted from the image',
      severity: [{ type: 'CVSS_V3', score: CRITICAL_V3 }],
      affected: [{ package: { ecosystem: 'Debian:12', name: 'curl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] }],
    },
    {
      // zlib is installed at the fixed version: not affected.
      id: 'DEBIAN-CVE-2023-0004',
      modified: '2024-01-10T00:00:00Z',
      upstream: ['CVE-2023-0004'],
      summary: 'zlib: fixed already',
      affected: [{ package: { ecosystem: 'Debian:12', name: 'zlib' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1:1.2.13.dfsg-1' }] }] }],
    },
    {
      id: 'DEBIAN-CVE-2023-0005',
      modified: '2024-01-11T00:00:00Z',
      upstream: ['CVE-2023-0005'],
      summary: 'tar: a medium one',
      severity: [{ type: 'CVSS_V3', score: MEDIUM_V3 }],
      affected: [{ package: { ecosystem: 'Debian:12', name: 'tar' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.34+dfsg-1.3' }] }] }],
    },
    {
      id: 'DEBIAN-CVE-2023-0006',
      modified: '2024-01-11T00:00:00Z',
      withdrawn: '2024-01-12T00:00:00Z',
      upstream: ['CVE-2023-0006'],
      summary: 'withdrawn',
      affected: [{ package: { ecosystem: 'Debian:12', name: 'tar' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] }],
    },
    {
      id: 'ALPINE-CVE-2023-0007',
      modified: '2024-01-12T00:00:00Z',
      summary: 'busybox: out-of-bounds write',
      aliases: ['CVE-2023-0007'],
      severity: [{ type: 'CVSS_V3', score: CRITICAL_V3 }],
      affected: [{ package: { ecosystem: 'Alpine:v3.19', name: 'busybox' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.36.1-r16' }] }] }],
    },
    {
      id: 'GHSA-aaaa-bbbb-cccc',
      modified: '2024-01-13T00:00:00Z',
      aliases: ['CVE-2021-23337'],
      summary: 'Command injection in lodash',
      database_specific: { severity: 'HIGH' },
      affected: [{ package: { ecosystem: 'npm', name: 'lodash' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }] }],
    },
  ];
}

/** Advisories about the packages of the polyglot image (Python, Go, Java, Rocky Linux rpm). */
export function polyglotAdvisories(): Record<string, unknown>[] {
  const semver = (name: string, ecosystem: string, fixed: string, type = 'ECOSYSTEM') => [
    { package: { ecosystem, name }, ranges: [{ type, events: [{ introduced: '0' }, { fixed }] }] },
  ];
  return [
    { id: 'PYSEC-2021-66', modified: '2024-01-20T00:00:00Z', aliases: ['CVE-2020-28493'], summary: 'ReDoS in Jinja2', severity: [{ type: 'CVSS_V3', score: MEDIUM_V3 }], affected: semver('jinja2', 'PyPI', '2.11.3') },
    { id: 'GO-2023-2102', modified: '2024-01-20T00:00:00Z', aliases: ['CVE-2023-39325'], summary: 'HTTP/2 rapid reset in golang.org/x/net', database_specific: { severity: 'HIGH' }, affected: semver('golang.org/x/net', 'Go', '0.17.0', 'SEMVER') },
    { id: 'GO-2023-2185', modified: '2024-01-20T00:00:00Z', aliases: ['CVE-2023-45283'], summary: 'Path traversal in the standard library', severity: [{ type: 'CVSS_V3', score: CRITICAL_V3 }], affected: semver('stdlib', 'Go', '1.21.4', 'SEMVER') },
    { id: 'GHSA-jfh8-c2jp-5v3q', modified: '2024-01-20T00:00:00Z', aliases: ['CVE-2021-44228'], summary: 'Log4Shell', severity: [{ type: 'CVSS_V3', score: CRITICAL_V3 }], affected: semver('org.apache.logging.log4j:log4j-core', 'Maven', '2.15.0') },
    { id: 'RLSA-2023:0001', modified: '2024-01-20T00:00:00Z', aliases: ['CVE-2023-0286'], summary: 'openssl: X.400 type confusion', severity: [{ type: 'CVSS_V3', score: CRITICAL_V3 }], affected: semver('openssl-libs', 'Rocky Linux:9', '1:3.0.7-6.el9_2') },
  ];
}

/** A Go binary built with go1.21.0 over golang.org/x/net v0.15.0 (both vulnerable), as a 9 MiB ELF executable. */
function goBinary(): Buffer {
  const modules = ['path\texample.com/api', 'mod\texample.com/api\tv1.0.0\th1:abc=', 'dep\tgolang.org/x/net\tv0.15.0\th1:def=', ''].join('\n');
  return elfFile(9 << 20, [{ offset: 8 << 20, bytes: goBuildInfoBlob('go1.21.0', modules) }]);
}

/**
 * Rocky Linux 9 with an rpm database holding openssl-libs 1:3.0.7-6.el9 (vulnerable), and a
 * Python package, a Go executable and a Java archive in its upper layer.
 */
export function polyglotLayers(rpmdb: Buffer): TestEntry[][] {
  return [
    [
      { name: 'etc/os-release', content: 'NAME="Rocky Linux"\nVERSION_ID="9.2"\nID="rocky"\n' },
      { name: 'var/lib/rpm/rpmdb.sqlite', content: rpmdb },
    ],
    [
      { name: 'usr/lib/python3.11/site-packages/Jinja2-2.11.2.dist-info/METADATA', content: pythonMetadata('Jinja2', '2.11.2') },
      { name: 'usr/local/bin/api', content: goBinary(), mode: 0o755 },
      { name: 'opt/app/lib/log4j-core-2.14.1.jar', content: Buffer.from(jar('org.apache.logging.log4j', 'log4j-core', '2.14.1')) },
    ],
  ];
}

/** An advisory published later: a new vulnerability in a package the Node image holds. */
export function laterAdvisory(): Record<string, unknown> {
  return {
    id: 'GHSA-dddd-eeee-ffff',
    modified: '2024-03-01T00:00:00Z',
    aliases: ['CVE-2024-0001'],
    summary: 'Prototype pollution in minimist',
    database_specific: { severity: 'CRITICAL' },
    affected: [{ package: { ecosystem: 'npm', name: 'minimist' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.2.6' }] }] }],
  };
}

/** Writes advisories as one JSON file each under `dir`. */
export function writeAdvisoryDirectory(dir: string, advisories: Record<string, unknown>[]): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const advisory of advisories) fs.writeFileSync(path.join(dir, `${advisory.id as string}.json`), JSON.stringify(advisory));
  return dir;
}

/** Writes advisories as a zip, as osv.dev publishes them. */
export function writeAdvisoryZip(file: string, advisories: Record<string, unknown>[]): string {
  const entries: Record<string, Uint8Array> = {};
  for (const advisory of advisories) entries[`${advisory.id as string}.json`] = Buffer.from(JSON.stringify(advisory));
  fs.writeFileSync(file, zipSync(entries));
  return file;
}

const DEBIAN_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n';

function dpkgStanza(name: string, version: string, source?: string): string {
  return [`Package: ${name}`, 'Status: install ok installed', 'Architecture: amd64', ...(source ? [`Source: ${source}`] : []), `Version: ${version}`, ''].join('\n');
}

/** Layers of a Debian 12 image: openssl and libssl3 (source openssl) vulnerable, tar medium, zlib fixed, curl deleted by a whiteout. */
export function debianLayers(): TestEntry[][] {
  return [
    [
      { name: 'etc/os-release', content: DEBIAN_RELEASE },
      {
        name: 'var/lib/dpkg/status',
        content: [
          dpkgStanza('openssl', '3.0.9-1~deb12u1'),
          dpkgStanza('libssl3', '3.0.9-1~deb12u1', 'openssl'),
          dpkgStanza('zlib1g', '1:1.2.13.dfsg-1', 'zlib'),
          dpkgStanza('tar', '1.34+dfsg-1.2'),
        ].join('\n'),
      },
      { name: 'var/lib/dpkg/status.d/curl', content: dpkgStanza('curl', '7.88.1-10') },
    ],
    [{ name: 'var/lib/dpkg/status.d/.wh.curl', content: '' }],
  ];
}

export function alpineLayers(): TestEntry[][] {
  return [
    [
      { name: 'etc/os-release', content: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\n' },
      { name: 'lib/apk/db/installed', content: 'P:busybox\nV:1.36.1-r15\nA:x86_64\no:busybox\n\nP:musl\nV:1.2.4_git20230717-r4\nA:x86_64\no:musl\n\n' },
    ],
  ];
}

/** A Node application on Debian 12: lodash (vulnerable), minimist 1.2.5 (vulnerable once the later advisory is imported). */
export function nodeAppLayers(): TestEntry[][] {
  const lock = {
    name: 'app',
    version: '1.0.0',
    lockfileVersion: 3,
    packages: {
      '': { name: 'app', version: '1.0.0' },
      'node_modules/lodash': { version: '4.17.20' },
      'node_modules/minimist': { version: '1.2.5' },
    },
  };
  return [
    [{ name: 'etc/os-release', content: DEBIAN_RELEASE }],
    [{ name: 'app/package-lock.json', content: JSON.stringify(lock) }],
  ];
}

/** Pushes an image of these layers (gzip tars) under `tag`; resolves to its manifest digest. */
export async function pushLayers(oci: OciClient, repository: string, tag: string, layers: TestEntry[][], configMediaType = 'application/vnd.oci.image.config.v1+json'): Promise<string> {
  const blobs = await Promise.all(layers.map(async (entries) => zlib.gzipSync(await tarOf(entries))));
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { Labels: { tag } } });
  await oci.pushBlob(repository, config);
  for (const blob of blobs) await oci.pushBlob(repository, blob);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: configMediaType, digest: sha256(config), size: Buffer.byteLength(config) },
    layers: blobs.map((blob) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(blob), size: blob.length })),
  });
  const response = await oci.pushManifest(repository, tag, manifest, 'application/vnd.oci.image.manifest.v1+json');
  if (response.status !== 201) throw new Error(`PUT manifest: ${response.status} ${await response.text()}`);
  return sha256(manifest);
}
