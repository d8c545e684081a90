/**
 * Installed Python distributions (PyPI), from their core metadata file, wherever it lies
 * (site-packages, dist-packages, a virtualenv, a source tree installed in development mode):
 *
 * - `<name>-<version>.dist-info/METADATA` (wheels, pip installs),
 * - `<name>.egg-info/PKG-INFO` (setuptools), or a single-file `<name>-<version>.egg-info`
 *   holding the same text (distutils and Debian's python3 packages),
 * - `<name>.egg/EGG-INFO/PKG-INFO` (unzipped eggs).
 *
 * The metadata is RFC 822 style: `Field: value` headers up to the first blank line, folded
 * lines starting with whitespace; only `Name` and `Version` are read, field names matched
 * without regard to case; the body (the long description) is never read. The name is kept as
 * written. Not covered: zipped `.egg` files, `requirements.txt`, Pipfile.lock and poetry.lock.
 */
import type { LanguagePackage } from './package.js';

function segmentsOf(path: string): string[] {
  return path.split('/');
}

export function wantsPython(path: string): boolean {
  const segments = segmentsOf(path);
  const name = segments.at(-1)!;
  const parent = segments.at(-2) ?? '';
  if (name === 'METADATA') return parent.endsWith('.dist-info') && parent.length > '.dist-info'.length;
  if (name === 'PKG-INFO') {
    if (parent.endsWith('.egg-info') && parent.length > '.egg-info'.length) return true;
    const grandparent = segments.at(-3) ?? '';
    return parent === 'EGG-INFO' && grandparent.endsWith('.egg') && grandparent.length > '.egg'.length;
  }
  return name.endsWith('.egg-info') && name.length > '.egg-info'.length;
}

/** The header fields of a core metadata file (names lower-cased, first occurrence kept, folded lines joined). */
export function parseMetadataHeaders(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    if (line.trim() === '') break; // the body starts here
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (last !== undefined && fields.has(last)) fields.set(last, `${fields.get(last)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      last = undefined;
      continue;
    }
    const key = line.slice(0, colon).trim().toLowerCase();
    last = fields.has(key) ? undefined : key; // a repeated field does not fold into the first
    if (last !== undefined) fields.set(key, line.slice(colon + 1).trim());
  }
  return fields;
}

export function parsePythonMetadata(text: string, location: string): LanguagePackage | undefined {
  const fields = parseMetadataHeaders(text);
  const name = fields.get('name');
  const version = fields.get('version');
  return name && version ? { ecosystem: 'PyPI', name, version, location } : undefined;
}

export function catalogPython(files: Map<string, Buffer>): LanguagePackage[] {
  const found: LanguagePackage[] = [];
  for (const [path, content] of files) {
    if (!wantsPython(path)) continue;
    const pkg = parsePythonMetadata(content.toString('utf8'), `/${path}`);
    if (pkg) found.push(pkg);
  }
  return found;
}
