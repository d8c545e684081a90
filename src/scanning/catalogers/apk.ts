/**
 * Alpine packages from `/lib/apk/db/installed`: stanzas separated by blank lines, one
 * `X:value` line per field (`P` name, `V` version, `A` architecture, `o` origin, the source
 * package). Other fields (file lists `F:`/`R:`, descriptions `T:`) are ignored.
 */
import type { OsPackage } from './package.js';

export const APK_INSTALLED = 'lib/apk/db/installed';

export function wantsApk(path: string): boolean {
  return path === APK_INSTALLED;
}

export function parseApkInstalled(text: string, location = `/${APK_INSTALLED}`): OsPackage[] {
  const packages: OsPackage[] = [];
  let fields = new Map<string, string>();
  const flush = () => {
    const name = fields.get('P');
    const version = fields.get('V');
    if (name && version) {
      const pkg: OsPackage = { ecosystem: 'alpine', name, version, location };
      const arch = fields.get('A');
      if (arch) pkg.arch = arch;
      const origin = fields.get('o');
      if (origin) pkg.sourceName = origin;
      packages.push(pkg);
    }
    fields = new Map();
  };
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      flush();
      continue;
    }
    // Only the first of a repeated key counts (F:/R: repeat; P, V, A, o do not).
    if (line.length >= 2 && line[1] === ':' && !fields.has(line[0]!)) fields.set(line[0]!, line.slice(2));
  }
  flush();
  return packages;
}

export function catalogApk(files: Map<string, Buffer>): OsPackage[] {
  const content = files.get(APK_INSTALLED);
  return content ? parseApkInstalled(content.toString('utf8')) : [];
}
