/**
 * PHP packages (Packagist) from Composer's files, anywhere in the image:
 *
 * - `composer.lock`: the `packages` and `packages-dev` arrays;
 * - `vendor/composer/installed.json`: Composer 2 writes `{ "packages": [...] }`, Composer 1
 *   a bare array of packages; both are read.
 *
 * Each package counts with its `name` (`vendor/name`) and `version` as written (`v6.4.1`,
 * `2.0.3`, `dev-main`). Not covered: `composer.json` constraints and PHP extensions.
 */
import { isRecord, nonEmptyString, parseJson } from './json-values.js';
import type { LanguagePackage } from './package.js';

const COMPOSER_LOCK = 'composer.lock';
const INSTALLED_JSON = 'vendor/composer/installed.json';

function endsWithPath(path: string, tail: string): boolean {
  return path === tail || path.endsWith(`/${tail}`);
}

export function wantsPhp(path: string): boolean {
  return endsWithPath(path, COMPOSER_LOCK) || endsWithPath(path, INSTALLED_JSON);
}

function fromList(list: unknown, location: string): LanguagePackage[] {
  if (!Array.isArray(list)) return [];
  const found: LanguagePackage[] = [];
  for (const entry of list) {
    if (!isRecord(entry)) continue;
    const name = nonEmptyString(entry.name);
    const version = nonEmptyString(entry.version);
    if (name && version) found.push({ ecosystem: 'Packagist', name, version, location });
  }
  return found;
}

export function parseComposerLock(text: string, location: string): LanguagePackage[] {
  const lock = parseJson(text);
  if (!isRecord(lock)) return [];
  return [...fromList(lock.packages, location), ...fromList(lock['packages-dev'], location)];
}

export function parseInstalledJson(text: string, location: string): LanguagePackage[] {
  const installed = parseJson(text);
  if (Array.isArray(installed)) return fromList(installed, location);
  return isRecord(installed) ? fromList(installed.packages, location) : [];
}

export function catalogPhp(files: Map<string, Buffer>): LanguagePackage[] {
  const found: LanguagePackage[] = [];
  for (const [path, content] of files) {
    if (endsWithPath(path, COMPOSER_LOCK)) found.push(...parseComposerLock(content.toString('utf8'), `/${path}`));
    else if (endsWithPath(path, INSTALLED_JSON)) found.push(...parseInstalledJson(content.toString('utf8'), `/${path}`));
  }
  return found;
}
