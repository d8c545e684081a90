import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { affectedVerdict } from '../../src/scanning/vulndb/affected.js';
import { importAdvisories } from '../../src/scanning/vulndb/import.js';
import { MAX_ADVISORY_BYTES } from '../../src/scanning/vulndb/sources.js';
import { lookupName, parseOsvAdvisory, type OsvAffected } from '../../src/scanning/vulndb/osv.js';
import { openDatabase, type Database } from '../../src/storage/meta/database.js';
import { advisoryDocuments, affectedRowsFor, databaseState } from '../../src/storage/meta/vulndb.js';
import { freshDatabaseUrl, testDialects } from '../helpers/databases.js';
import { osvAdvisories, writeAdvisoryDirectory, writeAdvisoryZip } from './osv-fixture.js';

function entry(ecosystem: string, name: string, ranges: OsvAffected['ranges'], versions?: string[]): OsvAffected {
  return { package: { ecosystem, name }, ranges, versions };
}

describe('affected ranges, as the OSV schema evaluates them', () => {
  const events = (...list: Record<string, string>[]) => [{ type: 'ECOSYSTEM', events: list as never }];

  it('introduced/fixed, with the lowest fix above the version', () => {
    const debian = entry('Debian:12', 'openssl', [
      { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.11-1' }, { introduced: '3.1.0-1' }, { fixed: '3.1.4-1' }] },
    ]);
    expect(affectedVerdict(debian, '3.0.9-1')).toEqual({ fixedIn: '3.0.11-1' });
    expect(affectedVerdict(debian, '3.0.11-1')).toBeUndefined();
    expect(affectedVerdict(debian, '3.0.11-1~deb12u1')).toEqual({ fixedIn: '3.0.11-1' }); // ~ sorts before
    expect(affectedVerdict(debian, '3.1.2-1')).toEqual({ fixedIn: '3.1.4-1' });
    expect(affectedVerdict(debian, '3.2.0-1')).toBeUndefined();
    expect(affectedVerdict(debian, '1:0.1-1')).toBeUndefined(); // an epoch outranks every upstream version
  });

  it('last_affected is inclusive, limit exclusive, listed versions always match', () => {
    expect(affectedVerdict(entry('PyPI', 'django', events({ introduced: '4.0' }, { last_affected: '4.2.1' })), '4.2.1')).toEqual({ fixedIn: undefined });
    expect(affectedVerdict(entry('PyPI', 'django', events({ introduced: '4.0' }, { last_affected: '4.2.1' })), '4.2.2')).toBeUndefined();
    expect(affectedVerdict(entry('PyPI', 'django', events({ introduced: '4.0' }, { last_affected: '4.2.1' })), '3.2')).toBeUndefined();
    const limited = entry('npm', 'x', events({ introduced: '0' }, { limit: '2.0.0' }));
    expect(affectedVerdict(limited, '1.9.9')).toBeDefined();
    expect(affectedVerdict(limited, '2.0.0')).toBeUndefined();
    expect(affectedVerdict(entry('npm', 'x', [], ['1.0.0-custom']), '1.0.0-custom')).toEqual({ fixedIn: undefined });
  });

  it('reads SEMVER ranges with Go versions (leading v), and never matches a version it cannot read', () => {
    const go = entry('Go', 'golang.org/x/net', [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '0.17.0' }] }]);
    expect(affectedVerdict(go, 'v0.15.0')).toEqual({ fixedIn: '0.17.0' });
    expect(affectedVerdict(go, 'v0.17.0')).toBeUndefined();
    expect(affectedVerdict(go, 'v0.0.0-20230101120000-abcdef123456')).toEqual({ fixedIn: '0.17.0' });
    expect(affectedVerdict(entry('npm', 'x', events({ introduced: '0' })), 'not a version')).toBeUndefined();
    expect(affectedVerdict(entry('Unknown', 'x', events({ introduced: '0' })), '1.0')).toBeUndefined();
    expect(affectedVerdict(entry('npm', 'x', [{ type: 'GIT', events: [{ introduced: 'abc' }] }]), '1.0.0')).toBeUndefined();
  });

  it('names the fix of a listed version from the ranges, and never uses a range it cannot fully read', () => {
    const listed = entry('PyPI', 'jinja2', [{ type: 'ECOSYSTEM', events: [{ introduced: '2.0' }, { fixed: '2.11.3' }, { introduced: '3.0.0' }, { fixed: '3.1.3' }] }], ['2.11.2', 'custom-build']);
    expect(affectedVerdict(listed, '2.11.2')).toEqual({ fixedIn: '2.11.3' });
    expect(affectedVerdict(listed, 'custom-build')).toEqual({ fixedIn: undefined });
    // `1.2` is no SemVer version: dropping the fix would leave every later version affected.
    const unreadable = entry('npm', 'x', [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.2' }] }]);
    expect(affectedVerdict(unreadable, '5.0.0')).toBeUndefined();
    expect(affectedVerdict(unreadable, '1.0.0')).toBeUndefined();
  });

  it('orders by each ecosystem: PEP 440 pre-releases, Maven qualifiers, apk suffixes', () => {
    expect(affectedVerdict(entry('PyPI', 'p', events({ introduced: '0' }, { fixed: '2.0' })), '2.0rc1')).toEqual({ fixedIn: '2.0' });
    expect(affectedVerdict(entry('Maven', 'g:a', events({ introduced: '0' }, { fixed: '2.0' })), '2.0-beta-1')).toEqual({ fixedIn: '2.0' });
    expect(affectedVerdict(entry('Alpine:v3.19', 'b', events({ introduced: '0' }, { fixed: '1.2.3-r1' })), '1.2.3_rc1-r0')).toEqual({ fixedIn: '1.2.3-r1' });
  });

  it('normalizes names as each registry does', () => {
    expect(lookupName('PyPI', 'Django_REST.framework')).toBe('django-rest-framework');
    expect(lookupName('crates.io', 'Serde')).toBe('serde');
    expect(lookupName('npm', 'Lodash')).toBe('Lodash');
  });

  it('refuses documents that are not advisories, naming the field', () => {
    expect(() => parseOsvAdvisory({ id: 'X' })).toThrow(/modified/);
    expect(() => parseOsvAdvisory({ id: 'X', modified: 'yesterday' })).toThrow(/modified/);
    expect(parseOsvAdvisory({ id: 'X', modified: '2024-01-01T00:00:00Z', affected: [{ ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { bogus: 1 }] }] }] }).affected![0]!.ranges![0]!.events).toEqual([
      { introduced: '0' },
    ]);
  });
});

describe.each(testDialects())('vulnerability database import on %s', (dialect) => {
  const opened: { database: Database; dir: string }[] = [];
  afterEach(async () => {
    for (const { database, dir } of opened.splice(0)) {
      await database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  async function fresh() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-vulndb-'));
    const database = await openDatabase({ url: await freshDatabaseUrl(dialect, dir) });
    opened.push({ database, dir });
    return { database, dir };
  }

  it('imports a directory of zips and files, skipping invalid ones, and reports what changed', async () => {
    const { database, dir } = await fresh();
    const [first, ...rest] = osvAdvisories();
    const source = path.join(dir, 'osv');
    writeAdvisoryDirectory(path.join(source, 'Debian'), [first!]);
    writeAdvisoryZip(path.join(source, 'all.zip'), rest);
    fs.writeFileSync(path.join(source, 'Debian', 'broken.json'), '{ not json');
    fs.writeFileSync(path.join(source, 'Debian', 'other.json'), JSON.stringify({ id: 'NO-MODIFIED' }));
    const progress: number[] = [];
    const result = await importAdvisories(database, source, { now: () => 5, progress: (done) => progress.push(done) });
    expect(result.summary).toMatchObject({ read: 10, imported: 7, unchanged: 0, withdrawn: 1, invalid: 2 });
    expect(result.summary.problems).toHaveLength(2);
    expect(result.summary.problems.join('\n')).toMatch(/broken\.json: not JSON/);
    expect(result.summary.problems.join('\n')).toMatch(/other\.json: not an OSV advisory: modified/);
    expect(progress.at(-1)).toBe(10);
    expect(result.summary.database).toEqual({ updatedAt: Date.parse('2024-01-13T00:00:00Z'), importedAt: 5, advisories: 7 });
    expect(await databaseState(database.db)).toEqual(result.summary.database);
    expect(result.changed.map((key) => `${key.ecosystem} ${key.package}`).sort()).toEqual(
      ['Alpine:v3.19 busybox', 'Debian:11 openssl', 'Debian:12 curl', 'Debian:12 openssl', 'Debian:12 tar', 'Debian:12 zlib', 'npm lodash'].sort(),
    );
    const rows = await affectedRowsFor(database.db, ['openssl']);
    expect(rows.map((row) => `${row.advisoryId} ${row.ecosystem}`).sort()).toEqual(['DEBIAN-CVE-2023-0001 Debian:12', 'DEBIAN-CVE-2023-0002 Debian:11']);
  });

  it('leaves unchanged advisories alone, replaces newer ones and removes withdrawn ones', async () => {
    const { database, dir } = await fresh();
    const advisories = osvAdvisories();
    await importAdvisories(database, writeAdvisoryZip(path.join(dir, 'a.zip'), advisories), { now: () => 1 });
    const again = await importAdvisories(database, writeAdvisoryZip(path.join(dir, 'b.zip'), advisories), { now: () => 2 });
    expect(again.summary).toMatchObject({ imported: 0, unchanged: 7, withdrawn: 1 });
    expect(again.changed).toEqual([]);

    const tar = advisories.find((a) => a.id === 'DEBIAN-CVE-2023-0005')!;
    const busybox = advisories.find((a) => a.id === 'ALPINE-CVE-2023-0007')!;
    const moved = { ...tar, modified: '2024-02-01T00:00:00Z', affected: [{ package: { ecosystem: 'Debian:12', name: 'cpio' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] }] };
    const gone = { ...busybox, modified: '2024-02-02T00:00:00Z', withdrawn: '2024-02-02T00:00:00Z' };
    const update = await importAdvisories(database, writeAdvisoryDirectory(path.join(dir, 'update'), [moved, gone]), { now: () => 3 });
    expect(update.summary).toMatchObject({ imported: 1, withdrawn: 1 });
    // Both what the advisory affected before and what it affects now changed.
    expect(update.changed.map((key) => `${key.ecosystem} ${key.package}`).sort()).toEqual(['Alpine:v3.19 busybox', 'Debian:12 cpio', 'Debian:12 tar']);
    expect(await affectedRowsFor(database.db, ['tar', 'busybox'])).toEqual([]);
    expect((await advisoryDocuments(database.db, ['DEBIAN-CVE-2023-0005'])).get('DEBIAN-CVE-2023-0005')).toContain('cpio');
    // Fresh as the newest advisory seen, the withdrawn one included.
    expect(update.summary.database).toMatchObject({ updatedAt: Date.parse('2024-02-02T00:00:00Z'), advisories: 6 });
  });

  it('keeps a newer advisory when an older export comes later, and skips an entry too large to be one', async () => {
    const { database, dir } = await fresh();
    const tar = osvAdvisories().find((a) => a.id === 'DEBIAN-CVE-2023-0005')!;
    await importAdvisories(database, writeAdvisoryDirectory(path.join(dir, 'new'), [{ ...tar, modified: '2024-05-01T00:00:00Z', summary: 'newer' }]), { now: () => 1 });
    const older = await importAdvisories(
      database,
      writeAdvisoryZip(path.join(dir, 'old.zip'), [tar, { ...tar, id: 'HUGE-1', details: 'x'.repeat(MAX_ADVISORY_BYTES) }, { ...tar, id: 'DEBIAN-CVE-2023-0099' }]),
      { now: () => 2 },
    );
    expect(older.summary).toMatchObject({ read: 3, imported: 1, unchanged: 1, invalid: 1 });
    expect(older.summary.problems).toEqual([expect.stringMatching(/old\.zip!HUGE-1\.json: \d+ bytes, over the \d+-byte limit/)]);
    expect((await advisoryDocuments(database.db, ['DEBIAN-CVE-2023-0005'])).get('DEBIAN-CVE-2023-0005')).toContain('newer');
    // An older withdrawal does not remove the newer advisory either.
    const withdrawn = await importAdvisories(database, writeAdvisoryDirectory(path.join(dir, 'withdrawn'), [{ ...tar, withdrawn: '2024-01-12T00:00:00Z' }]), { now: () => 3 });
    expect(withdrawn.summary).toMatchObject({ unchanged: 1, withdrawn: 0 });
    expect(await affectedRowsFor(database.db, ['tar'])).toHaveLength(2);
  });

  it('refuses a source that is not there or not an archive, with a clear message', async () => {
    const { database, dir } = await fresh();
    await expect(importAdvisories(database, path.join(dir, 'absent'), { now: () => 1 })).rejects.toThrow(/no such file or directory/);
    fs.writeFileSync(path.join(dir, 'fake.zip'), 'not a zip');
    await expect(importAdvisories(database, path.join(dir, 'fake.zip'), { now: () => 1 })).rejects.toThrow(/not a readable zip archive/);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'x');
    await expect(importAdvisories(database, path.join(dir, 'notes.txt'), { now: () => 1 })).rejects.toThrow(/expected a \.zip archive/);
  });
});
