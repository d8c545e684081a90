/**
 * Java packages (Maven) in the image's `.jar`, `.war` and `.ear` files, from the
 * pom.properties entries in them and in the archives nested in them (see java-archive.ts).
 *
 * An archive is read into memory whole, up to `maxArchiveSize` (128 MiB by default, enough
 * for large Spring Boot jars); a larger one is skipped, with a note through the collection's
 * `onSkip`, never failing the inventory. The extractor keeps only the coordinates found (a
 * small JSON document, `{"maven":[{groupId, artifactId, version, path}]}`), so the merged view
 * never holds archives; the cataloger also reads an archive's raw bytes, when it was
 * collected whole instead.
 *
 * Each package is named `groupId:artifactId`, located at the archive in the image (a package
 * found in a nested archive is located at the outer one, the file in the image).
 */
import type { Readable } from 'node:stream';
import type { ContentExtractor, ExtractableEntry } from '../filesystem-view.js';
import { DEFAULT_JAVA_ARCHIVE_LIMITS, isJavaArchiveName, mavenCoordinatesOf, type JavaArchiveLimits, type MavenCoordinates } from './java-archive.js';
import { isRecord, nonEmptyString, parseJson } from './json-values.js';
import type { LanguagePackage } from './package.js';

export const DEFAULT_MAX_JAVA_ARCHIVE_SIZE = 128 * 1024 * 1024;

export interface JavaExtractOptions extends Partial<JavaArchiveLimits> {
  /** Archives in the image larger than this are skipped. */
  maxArchiveSize?: number;
}

export function wantsJavaArchive(path: string): boolean {
  return isJavaArchiveName(path.slice(path.lastIndexOf('/') + 1));
}

/** Reads a stream whole, failing as soon as it passes `limit` bytes. */
async function readAtMost(content: Readable, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of content as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > limit) throw new Error(`${what} is over the ${limit}-byte limit for archives read by the scanner`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, length);
}

export function encodeJavaExtract(found: MavenCoordinates[]): Buffer {
  return Buffer.from(JSON.stringify({ maven: found }), 'utf8');
}

/** The coordinates in an extract; [] for anything else. */
export function decodeJavaExtract(content: Buffer): MavenCoordinates[] {
  const extract = parseJson(content.toString('utf8'));
  if (!isRecord(extract) || !Array.isArray(extract.maven)) return [];
  const found: MavenCoordinates[] = [];
  for (const item of extract.maven) {
    if (!isRecord(item)) continue;
    const groupId = nonEmptyString(item.groupId);
    const artifactId = nonEmptyString(item.artifactId);
    const version = nonEmptyString(item.version);
    const path = nonEmptyString(item.path) ?? '';
    if (groupId && artifactId && version) found.push({ groupId, artifactId, version, path });
  }
  return found;
}

/** Chooses the Java archives among the image's files and extracts their coordinates. */
export function javaArchiveExtractor(options: JavaExtractOptions = {}): (entry: ExtractableEntry) => ContentExtractor | undefined {
  const maxArchiveSize = options.maxArchiveSize ?? DEFAULT_MAX_JAVA_ARCHIVE_SIZE;
  const limits: JavaArchiveLimits = {
    maxDepth: options.maxDepth ?? DEFAULT_JAVA_ARCHIVE_LIMITS.maxDepth,
    maxNestedSize: options.maxNestedSize ?? DEFAULT_JAVA_ARCHIVE_LIMITS.maxNestedSize,
    maxNestedArchives: options.maxNestedArchives ?? DEFAULT_JAVA_ARCHIVE_LIMITS.maxNestedArchives,
  };
  return (entry) => {
    if (!wantsJavaArchive(entry.path)) return undefined;
    if (entry.size > maxArchiveSize) {
      return async () => {
        throw new Error(`Java archive of ${entry.size} bytes is over the ${maxArchiveSize}-byte limit for archives read by the scanner`);
      };
    }
    return async (content) => {
      const zip = await readAtMost(content, maxArchiveSize, 'Java archive');
      const found = mavenCoordinatesOf(zip, limits);
      return found.length > 0 ? encodeJavaExtract(found) : undefined;
    };
  };
}

function isZip(content: Buffer): boolean {
  return content.length >= 4 && content[0] === 0x50 && content[1] === 0x4b;
}

export function catalogJava(files: Map<string, Buffer>): LanguagePackage[] {
  const found: LanguagePackage[] = [];
  for (const [path, content] of files) {
    if (!wantsJavaArchive(path)) continue;
    const coordinates = isZip(content) ? mavenCoordinatesOf(content) : decodeJavaExtract(content);
    for (const c of coordinates) found.push({ ecosystem: 'Maven', name: `${c.groupId}:${c.artifactId}`, version: c.version, location: `/${path}` });
  }
  return found;
}
