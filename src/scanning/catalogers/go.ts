/**
 * Go modules compiled into the image's executables, from the build information Go 1.18 and
 * later embed (see go-buildinfo.ts): every regular file with an execute bit is streamed, and
 * an ELF file's build info is kept as its extract.
 *
 * The module information is the text `debug.BuildInfo` writes, one tab-separated line each:
 * `path <package>`, `mod <path> <version> [<sum>]` (the main module), `dep <path> <version>
 * [<sum>]`, `=> <path> [<version> [<sum>]]` (a replacement of the line above) and `build
 * <key>=<value>`. Reported: the main module unless its version is `(devel)` (a build from a
 * work tree), each dependency (a replaced one as its replacement's path and version; one
 * replaced by a local directory, which has no version, is left out), and `stdlib` at the Go
 * version without its `go` prefix (`go1.21.5` → `1.21.5`; a development toolchain, `devel
 * …`, gives none).
 *
 * Not covered: pre-1.18 binaries (their build info is not inline: told to the collection's
 * `onSkip`, not read), binaries whose build info was removed (nothing is reported), Mach-O
 * and PE executables, go.mod and go.sum files.
 */
import type { ContentExtractor, ExtractableEntry } from '../filesystem-view.js';
import { decodeGoBuildInfo, extractGoBuildInfo, isGoBuildInfo } from './go-buildinfo.js';
import type { LanguagePackage } from './package.js';

const EXECUTE_BITS = 0o111;
/** An ELF header alone is 52 bytes (32-bit); nothing smaller holds a Go program. */
const MIN_EXECUTABLE_SIZE = 52;

export interface GoModule {
  path: string;
  version: string;
  replace?: { path: string; version: string };
}

export interface GoModInfo {
  /** The main package's import path (`path` line). */
  mainPackage?: string;
  main?: GoModule;
  deps: GoModule[];
}

/** Chooses executables to stream for build info. */
export function goExecutableExtractor(entry: ExtractableEntry): ContentExtractor | undefined {
  if ((entry.mode & EXECUTE_BITS) === 0 || entry.size < MIN_EXECUTABLE_SIZE) return undefined;
  return (content) => extractGoBuildInfo(content);
}

/** The module lines of `debug.BuildInfo`'s text; lines it does not know are ignored. */
export function parseModInfo(text: string): GoModInfo {
  const info: GoModInfo = { deps: [] };
  let last: GoModule | undefined;
  for (const line of text.split('\n')) {
    const fields = line.replace(/\r$/, '').split('\t');
    const [word, path = '', version = ''] = fields as [string, string | undefined, string | undefined];
    switch (word) {
      case 'path':
        if (path) info.mainPackage = path;
        last = undefined;
        break;
      case 'mod':
      case 'dep': {
        if (!path) {
          last = undefined;
          break;
        }
        const mod: GoModule = { path, version };
        if (word === 'mod') info.main = mod;
        else info.deps.push(mod);
        last = mod;
        break;
      }
      case '=>':
        if (last && path) last.replace = { path, version };
        last = undefined;
        break;
      default:
        last = undefined;
    }
  }
  return info;
}

/** `go1.21.5` → `1.21.5` (experiments after a space dropped); undefined for a development toolchain. */
export function stdlibVersion(goVersion: string): string | undefined {
  const m = /^go(\d+(?:\.\d+)*(?:[a-z]+\d*)?)/.exec(goVersion.trim());
  return m?.[1];
}

function effective(mod: GoModule): { path: string; version: string } | undefined {
  const target = mod.replace ?? mod;
  return target.path && target.version ? target : undefined;
}

export function goPackagesOf(goVersion: string, modInfo: string, location: string): LanguagePackage[] {
  const found: LanguagePackage[] = [];
  const info = parseModInfo(modInfo);
  const main = info.main && effective(info.main);
  if (main && main.version !== '(devel)') found.push({ ecosystem: 'Go', name: main.path, version: main.version, location });
  for (const dep of info.deps) {
    const target = effective(dep);
    if (target) found.push({ ecosystem: 'Go', name: target.path, version: target.version, location });
  }
  const stdlib = stdlibVersion(goVersion);
  if (stdlib) found.push({ ecosystem: 'Go', name: 'stdlib', version: stdlib, location });
  return found;
}

/** The Go packages of every extracted build info among the files (recognized by its magic, whatever the path). */
export function catalogGo(files: Map<string, Buffer>): LanguagePackage[] {
  const found: LanguagePackage[] = [];
  for (const [path, content] of files) {
    if (!isGoBuildInfo(content)) continue;
    const info = decodeGoBuildInfo(content);
    if (info) found.push(...goPackagesOf(info.goVersion, info.modInfo, `/${path}`));
  }
  return found;
}
