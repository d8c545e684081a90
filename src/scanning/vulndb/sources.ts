/**
 * Where OSV advisories are read from: a `.zip` archive (as osv.dev publishes one per
 * ecosystem, `<Ecosystem>/all.zip`), a `.json` file, or a directory holding any of those at
 * any depth. Every `.json` file is one advisory. Archives are read entry by entry (random
 * access into the zip file), so memory stays flat however large the archive is. A source
 * that cannot be read at all fails; a file or entry that cannot is reported and skipped.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';

/** An advisory document larger than this is refused (real ones are a few kilobytes). */
export const MAX_ADVISORY_BYTES = 8 * 1024 * 1024;

/** An advisory file read, or one that could not be (too large, a damaged archive entry): a problem of the import, not its end. */
export type AdvisoryFile = { name: string; text: string; problem?: undefined } | { name: string; problem: string; text?: undefined };

export class SourceError extends Error {
  override name = 'SourceError';
}

/** The number of advisory files under `source`, for progress. */
export async function countAdvisoryFiles(source: string): Promise<number> {
  let count = 0;
  for (const file of await sourceFiles(source)) {
    if (isZip(file)) count += await withZip(file, async (zip) => zipJsonEntries(zip));
    else count++;
  }
  return count;
}

/** The advisory files under `source`, one at a time. */
export async function* readAdvisoryFiles(source: string): AsyncGenerator<AdvisoryFile> {
  for (const file of await sourceFiles(source)) {
    if (isZip(file)) yield* readZip(file);
    else yield await readCapped(file);
  }
}

async function sourceFiles(source: string): Promise<string[]> {
  let stats;
  try {
    stats = await fs.stat(source);
  } catch {
    throw new SourceError(`${source}: no such file or directory`);
  }
  if (stats.isFile()) {
    if (!isZip(source) && !source.endsWith('.json')) throw new SourceError(`${source}: expected a .zip archive, a .json advisory or a directory`);
    return [source];
  }
  const files: string[] = [];
  const walk = async (dir: string) => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && (isZip(full) || full.endsWith('.json'))) files.push(full);
    }
  };
  await walk(source);
  return files;
}

function isZip(file: string): boolean {
  return file.endsWith('.zip');
}

async function readCapped(file: string): Promise<AdvisoryFile> {
  const stats = await fs.stat(file);
  if (stats.size > MAX_ADVISORY_BYTES) return { name: file, problem: `${stats.size} bytes, over the ${MAX_ADVISORY_BYTES}-byte limit for an advisory` };
  return { name: file, text: await fs.readFile(file, 'utf8') };
}

function isJsonEntry(entry: yauzl.Entry): boolean {
  return !entry.fileName.endsWith('/') && entry.fileName.endsWith('.json');
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false, strictFileNames: false }, (error, zip) =>
      error ? reject(new SourceError(`${file}: not a readable zip archive (${error.message})`)) : resolve(zip),
    ),
  );
}

async function withZip<T>(file: string, use: (zip: yauzl.ZipFile) => Promise<T>): Promise<T> {
  const zip = await openZip(file);
  try {
    return await use(zip);
  } finally {
    zip.close();
  }
}

/** The entries of an archive, one at a time (the next is read only when asked for). */
async function* zipEntries(zip: yauzl.ZipFile): AsyncGenerator<yauzl.Entry> {
  for (;;) {
    const entry = await new Promise<yauzl.Entry | undefined>((resolve, reject) => {
      const onEntry = (e: yauzl.Entry) => done(e);
      const onEnd = () => done(undefined);
      const onError = (error: Error) => {
        cleanup();
        reject(error);
      };
      const cleanup = () => {
        zip.off('entry', onEntry);
        zip.off('end', onEnd);
        zip.off('error', onError);
      };
      const done = (e: yauzl.Entry | undefined) => {
        cleanup();
        resolve(e);
      };
      zip.on('entry', onEntry);
      zip.on('end', onEnd);
      zip.on('error', onError);
      zip.readEntry();
    });
    if (!entry) return;
    yield entry;
  }
}

async function zipJsonEntries(zip: yauzl.ZipFile): Promise<number> {
  let count = 0;
  for await (const entry of zipEntries(zip)) if (isJsonEntry(entry)) count++;
  return count;
}

async function* readZip(file: string): AsyncGenerator<AdvisoryFile> {
  const zip = await openZip(file);
  try {
    for await (const entry of zipEntries(zip)) {
      if (!isJsonEntry(entry)) continue;
      const name = `${file}!${entry.fileName}`;
      if (entry.uncompressedSize > MAX_ADVISORY_BYTES) {
        yield { name, problem: `${entry.uncompressedSize} bytes, over the ${MAX_ADVISORY_BYTES}-byte limit for an advisory` };
        continue;
      }
      let text: string;
      try {
        const stream = await new Promise<Readable>((resolve, reject) => zip.openReadStream(entry, (error, s) => (error ? reject(error) : resolve(s))));
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        text = Buffer.concat(chunks).toString('utf8');
      } catch (error) {
        yield { name, problem: `unreadable entry (${(error as Error).message})` };
        continue;
      }
      yield { name, text };
    }
  } catch (error) {
    if (error instanceof SourceError) throw error;
    throw new SourceError(`${file}: ${(error as Error).message}`);
  } finally {
    zip.close();
  }
}
