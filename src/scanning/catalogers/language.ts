/**
 * The language package catalogers together: which files they need from an image's merged
 * filesystem and the packages those files list.
 *
 * Two kinds of input, both taken in the same pass as any other files (see `collectFiles`):
 *
 * - manifests and lockfiles read whole (`wantsLanguageFile`): npm, Python, Ruby, Rust and
 *   PHP files; one over the collection's `maxFileSize` is skipped with a note rather than
 *   failing the inventory (`skipOversized`);
 * - extracts of big files (`languageExtractor`): Java archives (read whole up to
 *   `maxArchiveSize`, 128 MiB by default, keeping their Maven coordinates) and executables
 *   (streamed, keeping a Go binary's build info).
 *
 * `languageCollectOptions()` gives both as collection options:
 *
 *   const files = await collectFiles(layers, (p) => wantsOsFile(p) || wantsLanguageFile(p), {
 *     ...languageCollectOptions(),
 *     onSkip,
 *   });
 *   const packages = catalogLanguagePackages(files);
 */
import type { CollectOptions, Extractor, LayerSource } from '../filesystem-view.js';
import { collectFiles } from '../filesystem-view.js';
import { catalogGo, goExecutableExtractor } from './go.js';
import { catalogJava, javaArchiveExtractor, type JavaExtractOptions } from './java.js';
import { catalogNpm, wantsNpm } from './npm.js';
import type { LanguagePackage } from './package.js';
import { catalogPhp, wantsPhp } from './php.js';
import { catalogPython, wantsPython } from './python.js';
import { catalogRuby, wantsRuby } from './ruby.js';
import { catalogRust, wantsRust } from './rust.js';

/** The manifests and lockfiles the language catalogers read whole. */
export function wantsLanguageFile(path: string): boolean {
  return wantsNpm(path) || wantsPython(path) || wantsRuby(path) || wantsRust(path) || wantsPhp(path);
}

/** The big files the language catalogers extract from: Java archives first, then executables. */
export function languageExtractor(options: JavaExtractOptions = {}): Extractor {
  const java = javaArchiveExtractor(options);
  return (entry) => java(entry) ?? goExecutableExtractor(entry);
}

/** Collection options for the language catalogers: their extractor, and skipping (not failing on) oversized manifests. */
export function languageCollectOptions(options: JavaExtractOptions = {}): Pick<CollectOptions, 'extract' | 'skipOversized'> {
  return { extract: languageExtractor(options), skipOversized: wantsLanguageFile };
}

/** Collects just what the language catalogers need from the layers (lowest first). */
export function collectLanguageFiles(
  layers: AsyncIterable<LayerSource> | Iterable<LayerSource>,
  options: Omit<CollectOptions, 'extract' | 'skipOversized'> & JavaExtractOptions = {},
): Promise<Map<string, Buffer>> {
  const { maxArchiveSize, maxDepth, maxNestedSize, maxNestedArchives, ...collect } = options;
  const java: JavaExtractOptions = {
    ...(maxArchiveSize !== undefined ? { maxArchiveSize } : {}),
    ...(maxDepth !== undefined ? { maxDepth } : {}),
    ...(maxNestedSize !== undefined ? { maxNestedSize } : {}),
    ...(maxNestedArchives !== undefined ? { maxNestedArchives } : {}),
  };
  return collectFiles(layers, wantsLanguageFile, { ...collect, ...languageCollectOptions(java) });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Every language package the collected files list, each (ecosystem, name, version,
 * location) once, sorted by ecosystem, name, version and location.
 */
export function catalogLanguagePackages(files: Map<string, Buffer>): LanguagePackage[] {
  const all = [...catalogNpm(files), ...catalogPython(files), ...catalogRuby(files), ...catalogRust(files), ...catalogPhp(files), ...catalogJava(files), ...catalogGo(files)];
  const unique = new Map<string, LanguagePackage>();
  for (const pkg of all) {
    const key = JSON.stringify([pkg.ecosystem, pkg.name, pkg.version, pkg.location]);
    if (!unique.has(key)) unique.set(key, { ecosystem: pkg.ecosystem, name: pkg.name, version: pkg.version, location: pkg.location });
  }
  return [...unique.values()].sort(
    (a, b) => compare(a.ecosystem, b.ecosystem) || compare(a.name, b.name) || compare(a.version, b.version) || compare(a.location, b.location),
  );
}
