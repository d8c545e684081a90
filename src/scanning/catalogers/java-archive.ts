/**
 * The Maven coordinates a Java archive (jar, war, ear) records about itself and the archives
 * nested in it, from `META-INF/maven/<groupId>/<artifactId>/pom.properties` entries (Maven
 * writes one per artifact it builds; shaded jars keep those of what they absorbed).
 *
 * The archive is unzipped in memory with fflate, reading only the entries needed: first the
 * central directory (nothing decompressed), then the pom.properties entries, then the
 * nested archives (`BOOT-INF/lib/*.jar`, `WEB-INF/lib/*.jar`, an ear's modules: any entry
 * named `*.jar`, `*.war` or `*.ear`) a batch at a time, each searched the same way down to
 * `maxDepth` levels of nesting. An entry that cannot be read (unknown compression, corrupt
 * data) is skipped; so is an archive that is not a zip.
 *
 * Not covered: archives without pom.properties (coordinates guessed from MANIFEST.MF or the
 * file name), `pom.xml` alone, and classes shaded without their Maven metadata.
 */
import { unzipSync, type UnzipFileInfo } from 'fflate';

export interface MavenCoordinates {
  groupId: string;
  artifactId: string;
  version: string;
  /** The pom.properties entry, nested archives joined with `!/` (`BOOT-INF/lib/a.jar!/META-INF/maven/g/a/pom.properties`). */
  path: string;
}

export interface JavaArchiveLimits {
  /** Nesting levels searched below the archive itself (a jar in a war is one). */
  maxDepth: number;
  /** Nested archives larger than this (uncompressed) are not opened. */
  maxNestedSize: number;
  /** Nested archives opened in all, over all levels, per outer archive. */
  maxNestedArchives: number;
}

export const DEFAULT_JAVA_ARCHIVE_LIMITS: JavaArchiveLimits = {
  maxDepth: 3,
  maxNestedSize: 64 * 1024 * 1024,
  maxNestedArchives: 2000,
};

/** pom.properties files are a few hundred bytes; anything far larger is not one. */
const MAX_POM_PROPERTIES_SIZE = 64 * 1024;
/** Nested archives are decompressed together up to this many bytes at a time. */
const NESTED_BATCH_BYTES = 32 * 1024 * 1024;

const ARCHIVE_EXTENSIONS = ['.jar', '.war', '.ear'];

export function isJavaArchiveName(name: string): boolean {
  const lower = name.toLowerCase();
  return ARCHIVE_EXTENSIONS.some((ext) => lower.endsWith(ext) && lower.length > ext.length && !lower.endsWith(`/${ext}`));
}

/** `META-INF/maven/<groupId>/<artifactId>/pom.properties`: the group and artifact its path names. */
function pomPropertiesPath(name: string): { groupId: string; artifactId: string } | undefined {
  const segments = name.split('/');
  if (segments.length !== 5 || segments[0] !== 'META-INF' || segments[1] !== 'maven' || segments[4] !== 'pom.properties') return undefined;
  const [, , groupId, artifactId] = segments as [string, string, string, string, string];
  return groupId && artifactId ? { groupId, artifactId } : undefined;
}

function unescapeProperty(value: string): string {
  return value.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, esc: string) => {
    if (esc.length === 5) return String.fromCharCode(parseInt(esc.slice(1), 16));
    return ({ t: '\t', n: '\n', r: '\r', f: '\f' } as Record<string, string>)[esc] ?? esc;
  });
}

/**
 * A Java properties file: `key=value`, `key: value` or `key value`; `#` and `!` comments;
 * a line ending in an odd number of backslashes continues on the next; escapes undone.
 */
export function parseProperties(text: string): Map<string, string> {
  const properties = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (/(?:^|[^\\])(?:\\\\)*\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, '');
    }
    const m = /^((?:\\.|[^\\=: \t\f])*)[ \t\f]*[=:]?[ \t\f]*(.*)$/.exec(line);
    if (!m) continue;
    const key = unescapeProperty(m[1]!);
    if (key !== '' && !properties.has(key)) properties.set(key, unescapeProperty(m[2]!).trim());
  }
  return properties;
}

/** The coordinates a pom.properties entry states, its path filling in a missing group or artifact. */
export function parsePomProperties(text: string, entryName: string, path = entryName): MavenCoordinates | undefined {
  const fromPath = pomPropertiesPath(entryName);
  const properties = parseProperties(text);
  const groupId = properties.get('groupId') || fromPath?.groupId;
  const artifactId = properties.get('artifactId') || fromPath?.artifactId;
  const version = properties.get('version');
  return groupId && artifactId && version ? { groupId, artifactId, version, path } : undefined;
}

/** The named entries of a zip (decompressed), skipping those that cannot be read; never throws. */
function readEntries(zip: Uint8Array, names: Set<string>): Map<string, Uint8Array> {
  const read = (wanted: Set<string>): Map<string, Uint8Array> =>
    new Map(Object.entries(unzipSync(zip, { filter: (file) => wanted.has(file.name) })));
  try {
    return read(names);
  } catch {
    // One bad entry spoils a batch: take them one by one.
    const entries = new Map<string, Uint8Array>();
    for (const name of names) {
      try {
        for (const [key, value] of read(new Set([name]))) entries.set(key, value);
      } catch {
        // unreadable entry: skipped
      }
    }
    return entries;
  }
}

/** The entries of a zip's central directory, nothing decompressed; [] when it is not a zip. */
function listEntries(zip: Uint8Array): UnzipFileInfo[] {
  const files: UnzipFileInfo[] = [];
  try {
    unzipSync(zip, {
      filter: (file) => {
        files.push({ ...file });
        return false;
      },
    });
  } catch {
    return [];
  }
  return files;
}

function batches(entries: UnzipFileInfo[], budget: number): Array<Set<string>> {
  const out: Array<Set<string>> = [];
  let current = new Set<string>();
  let bytes = 0;
  for (const entry of entries) {
    if (current.size > 0 && bytes + entry.originalSize > budget) {
      out.push(current);
      current = new Set();
      bytes = 0;
    }
    current.add(entry.name);
    bytes += entry.originalSize;
  }
  if (current.size > 0) out.push(current);
  return out;
}

function search(zip: Uint8Array, prefix: string, depth: number, limits: JavaArchiveLimits, state: { opened: number }, out: MavenCoordinates[]): void {
  const entries = listEntries(zip);
  const poms = entries.filter((e) => pomPropertiesPath(e.name) !== undefined && e.originalSize <= MAX_POM_PROPERTIES_SIZE);
  const pomContents = readEntries(zip, new Set(poms.map((e) => e.name)));
  for (const name of [...pomContents.keys()].sort()) {
    const text = Buffer.from(pomContents.get(name)!).toString('utf8');
    const coordinates = parsePomProperties(text, name, `${prefix}${name}`);
    if (coordinates) out.push(coordinates);
  }
  if (depth >= limits.maxDepth) return;
  const seen = new Set<string>();
  const nested = entries.filter((e) => {
    if (!isJavaArchiveName(e.name) || e.originalSize > limits.maxNestedSize || seen.has(e.name)) return false;
    seen.add(e.name);
    return true;
  });
  for (const batch of batches(nested, NESTED_BATCH_BYTES)) {
    const allowed = new Set([...batch].slice(0, Math.max(0, limits.maxNestedArchives - state.opened)));
    if (allowed.size === 0) return;
    state.opened += allowed.size;
    const contents = readEntries(zip, allowed);
    for (const name of [...allowed].sort()) {
      const inner = contents.get(name);
      if (inner) search(inner, `${prefix}${name}!/`, depth + 1, limits, state, out);
    }
  }
}

/** Every pom.properties coordinate in a Java archive and the archives nested in it; [] for what is not a zip. */
export function mavenCoordinatesOf(zip: Uint8Array, limits: JavaArchiveLimits = DEFAULT_JAVA_ARCHIVE_LIMITS): MavenCoordinates[] {
  const out: MavenCoordinates[] = [];
  search(zip, '', 0, limits, { opened: 0 }, out);
  return out;
}
