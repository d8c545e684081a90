/**
 * Red Hat family packages (Fedora, RHEL and its rebuilds, CentOS, Amazon Linux) from rpm's
 * package database, in the forms images carry:
 * - SQLite `rpmdb.sqlite` (rpm 4.16 and later) in `/usr/lib/sysimage/rpm/` or
 *   `/var/lib/rpm/`, with the `rpmdb.sqlite-wal` file beside it when there is one
 *   (see rpm-sqlite.ts);
 * - Berkeley DB hash `Packages` in `/var/lib/rpm/` (rpm before 4.16; see rpm-bdb.ts).
 * Not covered: SUSE's ndb `Packages.db` (openSUSE, SLES 15), Berkeley DB files with page
 * checksums or encryption, and the rpm index databases (only package headers are read).
 *
 * Each header blob gives one package (rpm-header.ts); blobs that do not parse are skipped.
 * `gpg-pubkey` entries are skipped: rpm records imported signing keys as pseudo-packages.
 * The version is `epoch:version-release`, the epoch given only when the header has an
 * EPOCH entry (an explicit 0 included). The source comes from SOURCERPM,
 * `name-version-release.src.rpm` (or `.nosrc.rpm`): the name is what precedes the last two
 * `-`-separated fields, the version is `version-release` prefixed with the package's own
 * epoch when it has one (the file name carries no epoch; a spec's epoch applies to the
 * packages built from it). A SOURCERPM of another shape gives no source.
 *
 * Fedora makes `/var/lib/rpm` a link to `/usr/lib/sysimage/rpm`, so the same database may
 * be collected at both paths: a database whose files are identical to one already read is
 * not read again. Packages keep their database's order; `location` is the database file.
 */
import type { OsPackage } from './package.js';
import { parseRpmHeaderBlob, type RpmHeaderFields } from './rpm-header.js';
import { visitRpmdbSqliteBlobs } from './rpm-sqlite.js';
import { visitBerkeleyDbHashValues } from './rpm-bdb.js';

export const RPMDB_SQLITE_PATHS = ['usr/lib/sysimage/rpm/rpmdb.sqlite', 'var/lib/rpm/rpmdb.sqlite'] as const;
export const RPMDB_BERKELEY_PATH = 'var/lib/rpm/Packages';

const WAL_SUFFIX = '-wal';
const GPG_PUBKEY = 'gpg-pubkey';
const SOURCE_SUFFIXES = ['.src.rpm', '.nosrc.rpm'] as const;

export function wantsRpm(path: string): boolean {
  if (path === RPMDB_BERKELEY_PATH) return true;
  return RPMDB_SQLITE_PATHS.some((db) => path === db || path === `${db}${WAL_SUFFIX}`);
}

/** Name, version and release of a source rpm file name, or undefined for another shape. */
export function parseSourceRpm(fileName: string): { name: string; version: string; release: string } | undefined {
  const suffix = SOURCE_SUFFIXES.find((s) => fileName.endsWith(s));
  if (suffix === undefined) return undefined;
  const stem = fileName.slice(0, -suffix.length);
  const releaseDash = stem.lastIndexOf('-');
  const versionDash = releaseDash < 0 ? -1 : stem.lastIndexOf('-', releaseDash - 1);
  if (versionDash <= 0 || releaseDash - versionDash < 2 || releaseDash === stem.length - 1) return undefined;
  return { name: stem.slice(0, versionDash), version: stem.slice(versionDash + 1, releaseDash), release: stem.slice(releaseDash + 1) };
}

/** The package a header describes; undefined for gpg-pubkey pseudo-packages. */
export function packageFromHeader(header: RpmHeaderFields, location: string): OsPackage | undefined {
  if (header.name === GPG_PUBKEY) return undefined;
  const epoch = header.epoch === undefined ? '' : `${header.epoch}:`;
  const pkg: OsPackage = { ecosystem: 'rpm', name: header.name, version: `${epoch}${header.version}-${header.release}`, location };
  if (header.arch) pkg.arch = header.arch;
  const source = header.sourceRpm === undefined ? undefined : parseSourceRpm(header.sourceRpm);
  if (source) {
    pkg.sourceName = source.name;
    pkg.sourceVersion = `${epoch}${source.version}-${source.release}`;
  }
  return pkg;
}

function collect(location: string, into: OsPackage[]): (blob: Buffer) => void {
  return (blob) => {
    const header = parseRpmHeaderBlob(blob);
    const pkg = header && packageFromHeader(header, location);
    if (pkg) into.push(pkg);
  };
}

function sameFiles(a: ReadonlyArray<Buffer | undefined>, b: ReadonlyArray<Buffer | undefined>): boolean {
  return a.length === b.length && a.every((x, i) => (x === undefined ? b[i] === undefined : b[i] !== undefined && x.equals(b[i]!)));
}

/** Every installed rpm package among collected files (selected with `wantsRpm`). */
export function catalogRpm(files: Map<string, Buffer>): OsPackage[] {
  const packages: OsPackage[] = [];
  const read: Array<Array<Buffer | undefined>> = [];
  for (const path of RPMDB_SQLITE_PATHS) {
    const database = files.get(path);
    if (!database) continue;
    const wal = files.get(`${path}${WAL_SUFFIX}`);
    if (read.some((seen) => sameFiles(seen, [database, wal]))) continue;
    read.push([database, wal]);
    visitRpmdbSqliteBlobs(database, wal, collect(`/${path}`, packages));
  }
  const berkeley = files.get(RPMDB_BERKELEY_PATH);
  if (berkeley) visitBerkeleyDbHashValues(berkeley, collect(`/${RPMDB_BERKELEY_PATH}`, packages));
  return packages;
}
