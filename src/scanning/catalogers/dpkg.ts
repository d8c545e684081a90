/**
 * Debian packages from `/var/lib/dpkg/status` and the distroless `/var/lib/dpkg/status.d/*`
 * (one file per package; `*.md5sums` files beside them are skipped). A stanza is a block of
 * `Field: value` lines; continuation lines (starting with a space or tab, as in
 * `Description`) belong to the field above and never start a field. Only packages whose
 * Status is `install ok installed` count; status.d stanzas without a Status field count too
 * (distroless writes them without one). Versions are kept as written (`epoch:upstream-revision`).
 */
import type { OsPackage } from './package.js';

export const DPKG_STATUS = 'var/lib/dpkg/status';
export const DPKG_STATUS_D = 'var/lib/dpkg/status.d/';

export function wantsDpkg(path: string): boolean {
  if (path === DPKG_STATUS) return true;
  if (!path.startsWith(DPKG_STATUS_D)) return false;
  const name = path.slice(DPKG_STATUS_D.length);
  return name !== '' && !name.includes('/') && !name.endsWith('.md5sums');
}

/** The stanzas of a deb822 control file: field names as written (case kept), values with continuation lines joined by `\n`. */
export function parseStanzas(text: string): Array<Map<string, string>> {
  const stanzas: Array<Map<string, string>> = [];
  let current = new Map<string, string>();
  let lastField: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      if (current.size > 0) stanzas.push(current);
      current = new Map();
      lastField = undefined;
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (lastField !== undefined) current.set(lastField, `${current.get(lastField)}\n${line.slice(1)}`);
      continue;
    }
    if (line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    lastField = line.slice(0, colon).trim();
    current.set(lastField, line.slice(colon + 1).trim());
  }
  if (current.size > 0) stanzas.push(current);
  return stanzas;
}

function field(stanza: Map<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of stanza) if (key.toLowerCase() === lower) return value;
  return undefined;
}

export function parseDpkgStatus(text: string, location: string, statusRequired = true): OsPackage[] {
  const packages: OsPackage[] = [];
  for (const stanza of parseStanzas(text)) {
    const name = field(stanza, 'Package');
    const version = field(stanza, 'Version');
    if (!name || !version) continue;
    const status = field(stanza, 'Status');
    if (status === undefined ? statusRequired : status.split(/\s+/).join(' ') !== 'install ok installed') continue;
    const pkg: OsPackage = { ecosystem: 'debian', name, version, location };
    const arch = field(stanza, 'Architecture');
    if (arch) pkg.arch = arch;
    const source = field(stanza, 'Source');
    if (source) {
      const m = /^(\S+)(?:\s*\(([^)]+)\))?/.exec(source);
      if (m) {
        pkg.sourceName = m[1]!;
        if (m[2]) pkg.sourceVersion = m[2].trim();
      }
    }
    packages.push(pkg);
  }
  return packages;
}

/** Every installed Debian package among collected files (selected with `wantsDpkg`). */
export function catalogDpkg(files: Map<string, Buffer>): OsPackage[] {
  const packages: OsPackage[] = [];
  for (const [path, content] of files) {
    if (!wantsDpkg(path)) continue;
    packages.push(...parseDpkgStatus(content.toString('utf8'), `/${path}`, path === DPKG_STATUS));
  }
  return packages;
}
