import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../src/scanning/inventory.js';
import { candidatesOf, distributionEcosystems, matchInventory } from '../../src/scanning/match.js';
import { importAdvisories } from '../../src/scanning/vulndb/import.js';
import { openDatabase, type Database } from '../../src/storage/meta/database.js';
import { writeAdvisoryDirectory } from './osv-fixture.js';

describe('the OSV ecosystems of a distribution release', () => {
  it('names each covered distribution as OSV does, and nothing for the others', () => {
    expect(distributionEcosystems({ id: 'debian', versionId: '12' })).toEqual({ exact: ['Debian:12'], prefixes: [] });
    expect(distributionEcosystems({ id: 'ubuntu', versionId: '22.04' })).toEqual({ exact: ['Ubuntu:22.04', 'Ubuntu:22.04:LTS'], prefixes: [] });
    expect(distributionEcosystems({ id: 'alpine', versionId: '3.19.1' })).toEqual({ exact: ['Alpine:v3.19'], prefixes: [] });
    expect(distributionEcosystems({ id: 'rocky', versionId: '9.2' })).toEqual({ exact: ['Rocky Linux:9'], prefixes: [] });
    expect(distributionEcosystems({ id: 'almalinux', versionId: '8.9' })).toEqual({ exact: ['AlmaLinux:8'], prefixes: [] });
    expect(distributionEcosystems({ id: 'rhel', versionId: '9.3' })).toEqual({ exact: [], prefixes: ['Red Hat:enterprise_linux:9::'] });
    expect(distributionEcosystems({ id: 'debian' })).toBeUndefined(); // sid and testing carry no VERSION_ID
    expect(distributionEcosystems({ id: 'arch', versionId: '1' })).toBeUndefined();
    expect(distributionEcosystems(undefined)).toBeUndefined();
  });

  it('looks binary packages up by their source package where the distribution names advisories so', () => {
    const inventory: Inventory = {
      os: { id: 'ubuntu', versionId: '22.04' },
      osPackages: [{ ecosystem: 'debian', name: 'libssl3', version: '3.0.2-0ubuntu1.10', sourceName: 'openssl', location: '/var/lib/dpkg/status' }],
      languagePackages: [{ ecosystem: 'PyPI', name: 'Jinja2', version: '2.11.2', location: '/x/METADATA' }],
    };
    expect(candidatesOf(inventory, { languages: false }).map((c) => `${c.lookup} ${c.version}`)).toEqual(['openssl 3.0.2-0ubuntu1.10']);
    expect(candidatesOf(inventory, { languages: true }).map((c) => `${c.lookup} ${c.version}`)).toEqual(['openssl 3.0.2-0ubuntu1.10', 'jinja2 2.11.2']);
  });
});

describe('matching Ubuntu and Red Hat images', () => {
  let dir: string;
  let database: Database;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-match-'));
    database = await openDatabase({ url: `sqlite:${path.join(dir, 'metadata.sqlite')}` });
    const advisory = (id: string, ecosystem: string, name: string, fixed: string) => ({
      id,
      modified: '2024-01-01T00:00:00Z',
      affected: [{ package: { ecosystem, name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] }],
    });
    writeAdvisoryDirectory(dir, [
      advisory('UBUNTU-CVE-2023-1', 'Ubuntu:22.04:LTS', 'openssl', '3.0.2-0ubuntu1.12'),
      advisory('UBUNTU-CVE-2023-2', 'Ubuntu:Pro:22.04:LTS', 'openssl', '3.0.2-0ubuntu1.99'),
      advisory('UBUNTU-CVE-2023-3', 'Ubuntu:20.04:LTS', 'openssl', '9'),
      advisory('RHSA-2023:1', 'Red Hat:enterprise_linux:9::baseos', 'openssl-libs', '1:3.0.7-18.el9'),
      advisory('RHSA-2023:2', 'Red Hat:enterprise_linux:8::baseos', 'openssl-libs', '1:9-1.el8'),
    ]);
    await importAdvisories(database, dir, { now: () => 1 });
  });
  afterAll(async () => {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('matches the release only (not Pro, not another release), with the fix named', async () => {
    const ubuntu: Inventory = {
      os: { id: 'ubuntu', versionId: '22.04' },
      osPackages: [{ ecosystem: 'debian', name: 'libssl3', version: '3.0.2-0ubuntu1.10', sourceName: 'openssl', location: '/var/lib/dpkg/status' }],
      languagePackages: [],
    };
    const matches = await matchInventory(database.db, ubuntu, { languages: false });
    expect(matches.map((m) => `${m.advisory.id} ${m.package.name} ${m.fixedIn}`)).toEqual(['UBUNTU-CVE-2023-1 libssl3 3.0.2-0ubuntu1.12']);

    const rhel: Inventory = {
      os: { id: 'rhel', versionId: '9.3' },
      osPackages: [{ ecosystem: 'rpm', name: 'openssl-libs', version: '1:3.0.7-16.el9', location: '/var/lib/rpm/rpmdb.sqlite' }],
      languagePackages: [],
    };
    const rhelMatches = await matchInventory(database.db, rhel, { languages: false });
    expect(rhelMatches.map((m) => `${m.advisory.id} ${m.ecosystem} ${m.fixedIn}`)).toEqual(['RHSA-2023:1 Red Hat:enterprise_linux:9::baseos 1:3.0.7-18.el9']);
  });
});

describe('repository filters of scanning rules', () => {
  it('match as ECR says: wildcards the whole name, a plain filter any part of it', async () => {
    const { filterMatches, effectiveScanning } = await import('../../src/scanning/configuration.js');
    expect(filterMatches('prod', 'team/prod-api')).toBe(true);
    expect(filterMatches('prod', 'team/api')).toBe(false);
    expect(filterMatches('team/*', 'team/api')).toBe(true);
    expect(filterMatches('team/*', 'other/team/api')).toBe(false);
    expect(filterMatches('*-api', 'team/x-api')).toBe(true);
    expect(filterMatches('a.b', 'axb')).toBe(false);
    const rules = { scanType: 'BASIC' as const, rules: [{ scanFrequency: 'SCAN_ON_PUSH' as const, repositoryFilters: [{ filter: 'prod', filterType: 'WILDCARD' as const }] }] };
    expect(effectiveScanning(rules, 'team/prod-api', false)).toMatchObject({ scanFrequency: 'SCAN_ON_PUSH', scanOnPush: true });
    // Registry rules supersede a repository's own scanOnPush.
    expect(effectiveScanning(rules, 'team/dev', true)).toMatchObject({ scanFrequency: 'MANUAL', scanOnPush: false });
    expect(effectiveScanning({ scanType: 'BASIC', rules: [] }, 'team/dev', true)).toMatchObject({ scanFrequency: 'SCAN_ON_PUSH', scanOnPush: true });
  });
});

describe('findings of matches', () => {
  it('are one per vulnerability and package, aliases merged at their most severe, rated by the entry that matched', async () => {
    const { findingsOf } = await import('../../src/scanning/findings.js');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-findings-'));
    const database = await openDatabase({ url: `sqlite:${path.join(dir, 'metadata.sqlite')}` });
    try {
      const critical = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
      const medium = 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N';
      const affected = (ecosystem: string, name: string, extra: object = {}) => ({ package: { ecosystem, name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }], ...extra });
      writeAdvisoryDirectory(dir, [
        { id: 'DSA-5000-1', modified: '2024-01-01T00:00:00Z', aliases: ['CVE-2024-1000'], database_specific: { severity: 'low' }, affected: [affected('Debian:12', 'openssl')] },
        { id: 'DEBIAN-CVE-2024-1000', modified: '2024-01-01T00:00:00Z', upstream: ['CVE-2024-1000'], severity: [{ type: 'CVSS_V3', score: critical }], affected: [affected('Debian:12', 'openssl')] },
        {
          id: 'GHSA-two-pkgs',
          modified: '2024-01-01T00:00:00Z',
          affected: [affected('npm', 'a', { severity: [{ type: 'CVSS_V3', score: medium }] }), affected('npm', 'b', { severity: [{ type: 'CVSS_V3', score: critical }] })],
        },
      ]);
      await importAdvisories(database, dir, { now: () => 1 });
      const inventory: Inventory = {
        os: { id: 'debian', versionId: '12' },
        osPackages: [{ ecosystem: 'debian', name: 'openssl', version: '3.0.9-1', location: '/var/lib/dpkg/status' }],
        languagePackages: [{ ecosystem: 'npm', name: 'b', version: '1.0.0', location: '/app/package-lock.json' }],
      };
      const findings = findingsOf(await matchInventory(database.db, inventory, { languages: true }));
      expect(findings.map((f) => `${f.finding.name} ${f.finding.package.name} ${f.severity} ${f.finding.advisoryId} [${f.finding.relatedVulnerabilities.join(' ')}]`).sort()).toEqual([
        'CVE-2024-1000 openssl CRITICAL DEBIAN-CVE-2024-1000 [CVE-2024-1000 DSA-5000-1]',
        'GHSA-two-pkgs b CRITICAL GHSA-two-pkgs []',
      ]);
    } finally {
      await database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
