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
