/**
 * npm packages, from two kinds of file:
 *
 * - `package-lock.json` (anywhere): lockfileVersion 2 and 3 list packages under `packages`,
 *   keyed by their install path (`node_modules/a/node_modules/@s/b`); the root `""` entry
 *   (the project itself), `link: true` entries (symlinks to workspace folders) and keys
 *   without a `node_modules/` segment (the workspace folders themselves) are skipped; the
 *   name is the entry's `name` (an alias's real name) or else the path after its last
 *   `node_modules/`. Version 1 (and a version-2 file without `packages`) nests packages
 *   under `dependencies`; a `version` that is an `npm:name@version` alias counts as that
 *   package, one that is a git, file or URL reference is skipped.
 * - installed `node_modules/<name>/package.json` and `node_modules/@scope/name/package.json`
 *   (at any depth, pnpm's `.pnpm` store included): `name` and `version`.
 *
 * Not covered: `npm-shrinkwrap.json`, the hidden `node_modules/.package-lock.json`, yarn and
 * pnpm lockfiles, and bundled packages without a package.json of their own.
 */
import { isRecord, nonEmptyString, parseJson } from './json-values.js';
import type { LanguagePackage } from './package.js';

const LOCKFILE = 'package-lock.json';
const NODE_MODULES = 'node_modules';

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function isPackageLock(path: string): boolean {
  return basename(path) === LOCKFILE;
}

/** `…/node_modules/<name>/package.json` or `…/node_modules/@scope/<name>/package.json`. */
export function isInstalledPackageJson(path: string): boolean {
  const segments = path.split('/');
  if (segments.at(-1) !== 'package.json') return false;
  const at = segments.lastIndexOf(NODE_MODULES);
  if (at < 0) return false;
  const rest = segments.slice(at + 1, -1);
  if (rest.length === 1) return !rest[0]!.startsWith('.') && !rest[0]!.startsWith('@');
  return rest.length === 2 && rest[0]!.startsWith('@') && rest[0]!.length > 1 && !rest[1]!.startsWith('.');
}

export function wantsNpm(path: string): boolean {
  return isPackageLock(path) || isInstalledPackageJson(path);
}

/** The package name an install path ends in: what follows its last `node_modules/`. */
function nameFromInstallPath(key: string): string | undefined {
  const marker = `${NODE_MODULES}/`;
  const at = key.lastIndexOf(marker);
  if (at < 0 || (at > 0 && key[at - 1] !== '/')) return undefined;
  return nonEmptyString(key.slice(at + marker.length));
}

function fromPackages(packages: Record<string, unknown>, location: string): LanguagePackage[] {
  const found: LanguagePackage[] = [];
  for (const [key, entry] of Object.entries(packages)) {
    if (key === '' || !isRecord(entry) || entry.link === true) continue;
    const pathName = nameFromInstallPath(key);
    if (pathName === undefined) continue;
    const name = nonEmptyString(entry.name) ?? pathName;
    const version = nonEmptyString(entry.version);
    if (version) found.push({ ecosystem: 'npm', name, version, location });
  }
  return found;
}

/** A v1 `version`: a registry version, an `npm:` alias, or a reference (git, file, URL) that names no version. */
function v1Version(name: string, version: string): { name: string; version: string } | undefined {
  if (version.startsWith('npm:')) {
    const spec = version.slice(4);
    const at = spec.lastIndexOf('@');
    if (at <= 0) return undefined;
    const real = spec.slice(0, at);
    const realVersion = spec.slice(at + 1);
    return real && realVersion ? { name: real, version: realVersion } : undefined;
  }
  if (version.includes(':') || version.includes('/')) return undefined;
  return { name, version };
}

function fromDependencies(dependencies: Record<string, unknown>, location: string, depth = 0): LanguagePackage[] {
  const found: LanguagePackage[] = [];
  if (depth > 256) return found; // nesting beyond any real tree: stop rather than overflow
  for (const [name, entry] of Object.entries(dependencies)) {
    if (!isRecord(entry)) continue;
    const version = nonEmptyString(entry.version);
    const resolved = version !== undefined ? v1Version(name, version) : undefined;
    if (resolved) found.push({ ecosystem: 'npm', ...resolved, location });
    if (isRecord(entry.dependencies)) found.push(...fromDependencies(entry.dependencies, location, depth + 1));
  }
  return found;
}

/** The packages of a package-lock.json (any lockfileVersion); [] when it cannot be read. */
export function parsePackageLock(text: string, location: string): LanguagePackage[] {
  const lock = parseJson(text);
  if (!isRecord(lock)) return [];
  if (isRecord(lock.packages)) return fromPackages(lock.packages, location);
  if (isRecord(lock.dependencies)) return fromDependencies(lock.dependencies, location);
  return [];
}

/** The package an installed package.json describes, if it names both. */
export function parseInstalledPackageJson(text: string, location: string): LanguagePackage | undefined {
  const manifest = parseJson(text);
  if (!isRecord(manifest)) return undefined;
  const name = nonEmptyString(manifest.name);
  const version = nonEmptyString(manifest.version);
  return name && version ? { ecosystem: 'npm', name, version, location } : undefined;
}

export function catalogNpm(files: Map<string, Buffer>): LanguagePackage[] {
  const found: LanguagePackage[] = [];
  for (const [path, content] of files) {
    if (isPackageLock(path)) found.push(...parsePackageLock(content.toString('utf8'), `/${path}`));
    else if (isInstalledPackageJson(path)) {
      const pkg = parseInstalledPackageJson(content.toString('utf8'), `/${path}`);
      if (pkg) found.push(pkg);
    }
  }
  return found;
}
