import { describe, expect, it } from 'vitest';
import { parseOsRelease } from '../../src/scanning/os-release.js';
import { catalogDpkg, parseDpkgStatus, parseStanzas, wantsDpkg } from '../../src/scanning/catalogers/dpkg.js';
import { parseApkInstalled } from '../../src/scanning/catalogers/apk.js';

describe('parseOsRelease', () => {
  it('reads shell-style quoting', () => {
    const r = parseOsRelease(
      [
        '# a comment',
        'ID=ubuntu',
        'VERSION_ID="22.04"',
        "VERSION_CODENAME='jammy'",
        'PRETTY_NAME="Ubuntu \\"Jammy\\" \\$HOME \\\\ `x`"',
        'NAME=Ubuntu\\ Linux',
        'MIXED="a"\'b\'c',
        'HASH="x#y" # trailing comment',
        '',
        'BROKEN="unterminated',
        'not a line',
      ].join('\n'),
    );
    expect(r).toMatchObject({ id: 'ubuntu', versionId: '22.04', versionCodename: 'jammy', prettyName: 'Ubuntu "Jammy" $HOME \\ `x`' });
    expect(r.fields).toEqual({
      ID: 'ubuntu',
      VERSION_ID: '22.04',
      VERSION_CODENAME: 'jammy',
      PRETTY_NAME: 'Ubuntu "Jammy" $HOME \\ `x`',
      NAME: 'Ubuntu Linux',
      MIXED: 'abc',
      HASH: 'x#y',
    });
  });

  it('keeps single-quoted backslashes literal and leaves missing keys out', () => {
    const r = parseOsRelease("ID='a\\b'\r\n");
    expect(r.id).toBe('a\\b');
    expect(r.versionId).toBeUndefined();
  });
});

describe('dpkg', () => {
  const status = `Package: libssl3
Status: install ok installed
Priority: optional
Architecture: amd64
Multi-Arch: same
Source: openssl (3.0.11-1~deb12u2)
Version: 3.0.11-1~deb12u2
Description: Secure Sockets Layer toolkit - shared libraries
 This package is part of the OpenSSL project.
 Package: fake
 Version: 0
 .
 Status: install ok installed

Package: removed-one
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1

Package: perl-base
Status: install ok installed
Architecture: amd64
Version: 1:5.36.0-7+deb12u1
Description: minimal Perl system

Package: half
Status: install ok half-configured
Version: 2
`;

  it('parses stanzas with continuation lines that never start fields', () => {
    const stanzas = parseStanzas(status);
    expect(stanzas).toHaveLength(4);
    expect(stanzas[0]!.get('Description')).toBe(
      'Secure Sockets Layer toolkit - shared libraries\nThis package is part of the OpenSSL project.\nPackage: fake\nVersion: 0\n.\nStatus: install ok installed',
    );
  });

  it('keeps installed packages, versions as written, and sources with their versions', () => {
    expect(parseDpkgStatus(status, '/var/lib/dpkg/status')).toEqual([
      {
        ecosystem: 'debian',
        name: 'libssl3',
        version: '3.0.11-1~deb12u2',
        arch: 'amd64',
        sourceName: 'openssl',
        sourceVersion: '3.0.11-1~deb12u2',
        location: '/var/lib/dpkg/status',
      },
      { ecosystem: 'debian', name: 'perl-base', version: '1:5.36.0-7+deb12u1', arch: 'amd64', location: '/var/lib/dpkg/status' },
    ]);
  });

  it('reads distroless status.d files (no Status field) and skips md5sums', () => {
    expect(wantsDpkg('var/lib/dpkg/status.d/base')).toBe(true);
    expect(wantsDpkg('var/lib/dpkg/status.d/base.md5sums')).toBe(false);
    expect(wantsDpkg('var/lib/dpkg/status-old')).toBe(false);
    const files = new Map([
      ['var/lib/dpkg/status.d/base-files', Buffer.from('Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\nSource: base-files\n')],
      ['var/lib/dpkg/status.d/tzdata', Buffer.from('Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n')],
      ['var/lib/dpkg/status', Buffer.from('Package: nostatus\nVersion: 1\n')],
    ]);
    expect(catalogDpkg(files)).toEqual([
      { ecosystem: 'debian', name: 'base-files', version: '12.4+deb12u5', arch: 'amd64', sourceName: 'base-files', location: '/var/lib/dpkg/status.d/base-files' },
      { ecosystem: 'debian', name: 'tzdata', version: '2024a-0+deb12u1', arch: 'all', location: '/var/lib/dpkg/status.d/tzdata' },
    ]);
  });
});

describe('apk', () => {
  it('parses stanzas, ignoring other fields and lines', () => {
    const text = 'C:Q1x=\nP:zlib\nV:1.3.1-r0\nA:aarch64\nT:A compression library: P:not-a-name\no:zlib\nF:lib\nR:libz.so.1\nR:libz.so.1.3.1\n\n\nP:libcrypto3\nV:3.1.4-r5\no:openssl\n\nV:no-name\n';
    expect(parseApkInstalled(text)).toEqual([
      { ecosystem: 'alpine', name: 'zlib', version: '1.3.1-r0', arch: 'aarch64', sourceName: 'zlib', location: '/lib/apk/db/installed' },
      { ecosystem: 'alpine', name: 'libcrypto3', version: '3.1.4-r5', sourceName: 'openssl', location: '/lib/apk/db/installed' },
    ]);
  });
});
