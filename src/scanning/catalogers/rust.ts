/**
 * Rust crates (crates.io) from `Cargo.lock` files (any version of the format, anywhere in the
 * image): each `[[package]]` whose `source` is a registry (`registry+…` or `sparse+…`) counts
 * with its `name` and `version`; workspace members (no `source`) and git dependencies
 * (`git+…`) do not. A crate from another registry is reported too: the lockfile names the
 * registry only by URL. Not covered: compiled Rust binaries (cargo-auditable's embedded
 * dependency list is not read).
 */
import { parse } from 'smol-toml';
import { isRecord, nonEmptyString } from './json-values.js';
import type { LanguagePackage } from './package.js';

const CARGO_LOCK = 'Cargo.lock';

export function wantsRust(path: string): boolean {
  return path === CARGO_LOCK || path.endsWith(`/${CARGO_LOCK}`);
}

function isRegistrySource(source: string): boolean {
  return source.startsWith('registry+') || source.startsWith('sparse+');
}

export function parseCargoLock(text: string, location: string): LanguagePackage[] {
  let lock: unknown;
  try {
    lock = parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return [];
  }
  if (!isRecord(lock) || !Array.isArray(lock.package)) return [];
  const found: LanguagePackage[] = [];
  for (const entry of lock.package) {
    if (!isRecord(entry)) continue;
    const name = nonEmptyString(entry.name);
    const version = nonEmptyString(entry.version);
    const source = nonEmptyString(entry.source);
    if (name && version && source && isRegistrySource(source)) found.push({ ecosystem: 'crates.io', name, version, location });
  }
  return found;
}

export function catalogRust(files: Map<string, Buffer>): LanguagePackage[] {
  const found: LanguagePackage[] = [];
  for (const [path, content] of files) {
    if (wantsRust(path)) found.push(...parseCargoLock(content.toString('utf8'), `/${path}`));
  }
  return found;
}
