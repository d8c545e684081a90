/**
 * The merged filesystem of an image's layers, as a container runtime would see it, computed
 * by streaming the layers lowest first and keeping only what the caller asks for.
 *
 * OCI whiteouts apply to lower layers only: `.wh.<name>` deletes `<name>` (file or whole
 * directory), `.wh..wh..opq` hides everything lower in its directory; the layer's own
 * entries survive both, whatever their order in the archive. A later entry at a path replaces
 * a lower one; a non-directory also hides everything lower beneath its path.
 *
 * State kept: the content of the wanted regular files, and the path and target of every
 * symlink and hard link (so links among the wanted paths can be resolved); nothing for other
 * files. Links are resolved at the end against the final view: a symlink's target is
 * resolved relative to its directory (absolute targets from the image root), every component
 * through the image's own symlinks, and `..` never climbs above the root (as in a chroot),
 * so a link never reads outside the image; a hard link reads its target path as the final
 * view has it. When a wanted link leads to a file that was not itself wanted, the layers are
 * opened a second time to read just those targets. Dangling links, loops (over 40 hops) and
 * links to anything but a regular file are left out of the result.
 *
 * Big files a caller needs only a small part of (executables, archives) are not read whole:
 * an `extract` option is offered each regular file that is not wanted, and may take its
 * content as a stream and keep a small extract, which then stands in the view for the file's
 * content (whiteouts and replacements apply to it as to any file). A hard link to an
 * extracted file shows the same extract under its own path; symlinks are not followed for
 * extracts (the file they lead to is extracted at its own path).
 */
import type { Readable } from 'node:stream';
import { FileTooLargeError, readLayer, type LayerEntry, type ReadLayerOptions } from './layer-reader.js';

export interface WantedFile {
  path: string;
  content: Buffer;
}

export interface LayerSource {
  mediaType: string;
  open(): Promise<Readable>;
}

/** What an extractor is told about a regular file before deciding whether to read it. */
export interface ExtractableEntry {
  /** Normalized like the result's keys: no leading `/`. */
  path: string;
  size: number;
  mode: number;
}

/**
 * Reads a file's content as a stream (it may stop early) and returns the part to keep, or
 * undefined to keep nothing. A rejection leaves the file out and is told to `onSkip` with its
 * message; it never fails the collection.
 */
export type ContentExtractor = (content: Readable) => Promise<Buffer | undefined>;

/** Chooses the files to extract: a `ContentExtractor` for those, undefined for the rest. */
export type Extractor = (entry: ExtractableEntry) => ContentExtractor | undefined;

/**
 * Besides what `readLayer` reports, `onSkip` is told about each wanted file left out by
 * `skipOversized` (with the size error's message) and each failed extract (`not extracted: …`).
 */
export interface CollectOptions extends ReadLayerOptions {
  /** Offered every regular file (and nothing else) that `wants` does not select. */
  extract?: Extractor;
  /**
   * Wanted files for which this is true are left out when over `maxFileSize` (told to
   * `onSkip`) instead of failing the whole collection.
   */
  skipOversized?: (path: string) => boolean;
  /** A smaller size limit than `maxFileSize` for some wanted files (undefined: `maxFileSize`). */
  fileSizeLimit?: (path: string) => number | undefined;
  /**
   * The most bytes of content and extracts kept at once; beyond it the collection fails with
   * `RetainedTooLargeError`. A layer's own files count before the lower ones it replaces go.
   */
  maxRetainedBytes?: number;
}

export class RetainedTooLargeError extends Error {
  override name = 'RetainedTooLargeError';
  constructor(readonly limit: number) {
    super(`the files to read from the image hold more than ${limit} bytes`);
  }
}

function fileBytes(node: Node | undefined): number {
  return node?.kind === 'file' ? node.content.length : 0;
}

type Node =
  | { kind: 'file'; content: Buffer; extracted: boolean }
  | { kind: 'symlink'; target: string }
  | { kind: 'hardlink'; target: string };

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';
const MAX_HOPS = 40;

function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function join(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

function deleteTree(nodes: Map<string, Node>, path: string, self: boolean): void {
  if (self) nodes.delete(path);
  const prefix = path === '' ? '' : `${path}/`;
  for (const key of nodes.keys()) if (key.startsWith(prefix)) nodes.delete(key);
}

function ancestors(nodes: Map<string, Node>): Set<string> {
  const dirs = new Set<string>();
  for (const key of nodes.keys()) {
    for (let d = dirname(key); d !== '' && !dirs.has(d); d = dirname(d)) dirs.add(d);
  }
  return dirs;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A wanted file's content, or undefined when it is over the size limit and may be skipped. */
async function readWanted(entry: LayerEntry, options: CollectOptions): Promise<Buffer | undefined> {
  try {
    const limit = options.fileSizeLimit?.(entry.path);
    if (limit !== undefined && entry.size > limit) throw new FileTooLargeError(entry.path, entry.size, limit);
    return await entry.read();
  } catch (err) {
    if (!(err instanceof FileTooLargeError) || !options.skipOversized?.(entry.path)) throw err;
    options.onSkip?.(entry.path, err.message);
    return undefined;
  }
}

/** Runs an extractor on an entry's content; a failure is told to `onSkip` and keeps nothing. */
async function runExtractor(entry: LayerEntry, extractor: ContentExtractor, options: CollectOptions): Promise<Buffer | undefined> {
  const content = entry.stream();
  try {
    return await extractor(content);
  } catch (err) {
    options.onSkip?.(entry.path, `not extracted: ${errorMessage(err)}`);
    return undefined;
  } finally {
    if (!content.destroyed) content.destroy();
  }
}

/**
 * One pass over the layers: the wanted regular files, the extracts of the others (when
 * `options.extract` chooses them) and, if `keepLinks`, every link, merged.
 */
async function merge(
  layers: Iterable<LayerSource> | AsyncIterable<LayerSource>,
  wants: (path: string) => boolean,
  keepLinks: boolean,
  options: CollectOptions,
): Promise<Map<string, Node>> {
  const nodes = new Map<string, Node>();
  const limit = options.maxRetainedBytes ?? Infinity;
  for await (const layer of layers) {
    const lowerDirs = ancestors(nodes);
    const added = new Map<string, Node>();
    let kept = 0; // bytes of the lower layers' nodes
    for (const node of nodes.values()) kept += fileBytes(node);
    let adding = 0; // bytes of this layer's
    const add = (path: string, node: Node) => {
      adding += fileBytes(node) - fileBytes(added.get(path));
      added.set(path, node);
      if (kept + adding > limit) throw new RetainedTooLargeError(limit);
    };
    const deletedTrees: string[] = []; // whiteouts and non-directories over lower directories
    const deletedPaths: string[] = []; // any entry over a lower node at its path
    const opaqueDirs: string[] = [];
    for await (const entry of readLayer(await layer.open(), layer.mediaType, options)) {
      const name = basename(entry.path);
      const dir = dirname(entry.path);
      if (name === OPAQUE) {
        opaqueDirs.push(dir);
        continue;
      }
      if (name.startsWith(WHITEOUT)) {
        const victim = join(dir, name.slice(WHITEOUT.length));
        deletedTrees.push(victim); // lower layers only: a same-layer entry at `victim` stays
        continue;
      }
      if (nodes.has(entry.path)) deletedPaths.push(entry.path);
      // An entry beneath a lower non-directory makes that path a directory.
      for (let d = dirname(entry.path); d !== ''; d = dirname(d)) if (nodes.has(d)) deletedPaths.push(d);
      if (entry.type !== 'directory' && lowerDirs.has(entry.path)) deletedTrees.push(entry.path);
      adding -= fileBytes(added.get(entry.path));
      added.delete(entry.path);
      if (entry.type === 'file') {
        if (wants(entry.path)) {
          const content = await readWanted(entry, options);
          if (content !== undefined) add(entry.path, { kind: 'file', content, extracted: false });
        } else {
          const extractor = options.extract?.({ path: entry.path, size: entry.size, mode: entry.mode });
          const content = extractor ? await runExtractor(entry, extractor, options) : undefined;
          if (content !== undefined) add(entry.path, { kind: 'file', content, extracted: true });
        }
      } else if (entry.type === 'symlink' && keepLinks) {
        add(entry.path, { kind: 'symlink', target: entry.linkname ?? '' });
      } else if (entry.type === 'hardlink') {
        const target = entry.linkname ?? '';
        const same = added.get(target);
        const wanted = wants(entry.path);
        // A hard link to a file already read (or extracted) in this layer takes its content now:
        // the raw content for a wanted link, the extract for any other.
        if (same?.kind === 'file' && (wanted ? !same.extracted : same.extracted)) add(entry.path, same);
        else if (keepLinks) add(entry.path, { kind: 'hardlink', target });
      }
    }
    for (const path of deletedPaths) nodes.delete(path);
    for (const path of deletedTrees) deleteTree(nodes, path, true);
    for (const dir of opaqueDirs) deleteTree(nodes, dir, false);
    for (const [path, node] of added) nodes.set(path, node);
  }
  return nodes;
}

/**
 * Resolves a path through the image's links to the path of a regular file (or of nothing
 * known), confined to the image root. Returns null for loops and over-long chains.
 */
function resolve(nodes: Map<string, Node>, path: string): string | null {
  let hops = 0;
  // `pending` are the components still to walk; `done` the resolved prefix.
  let pending = path.split('/').filter((s) => s !== '' && s !== '.');
  let done: string[] = [];
  while (pending.length > 0) {
    const seg = pending.shift()!;
    if (seg === '..') {
      done.pop();
      continue;
    }
    const candidate = [...done, seg].join('/');
    const node = nodes.get(candidate);
    const last = pending.length === 0;
    if (node?.kind === 'symlink') {
      if (++hops > MAX_HOPS) return null;
      const target = node.target;
      const parts = target.split('/').filter((s) => s !== '' && s !== '.');
      if (target.startsWith('/')) done = [];
      pending = [...parts, ...pending];
      continue;
    }
    if (node?.kind === 'hardlink' && last) {
      if (++hops > MAX_HOPS) return null;
      done = [];
      pending = node.target.split('/');
      continue;
    }
    done.push(seg);
  }
  return done.join('/');
}

/**
 * Streams the layers (lowest first) and returns the final content of the files `wants(path)`
 * selects, as the merged filesystem has them, keyed by their normalized path (no leading
 * `/`). A wanted path that is a link holds the content of the file it leads to. A wanted file
 * over `maxFileSize` (8 MiB by default) is refused: the call fails with `FileTooLargeError`,
 * unless `skipOversized` says to leave it out. Files chosen by `extract` hold their extract
 * instead (see above). Entries whose paths escape the root are ignored (see `onSkip`).
 */
export async function collectFiles(
  layers: AsyncIterable<LayerSource> | Iterable<LayerSource>,
  wants: (path: string) => boolean,
  options: CollectOptions = {},
): Promise<Map<string, Buffer>> {
  const sources: LayerSource[] = [];
  for await (const layer of layers) sources.push(layer);
  const nodes = await merge(sources, wants, true, options);
  const result = new Map<string, Buffer>();
  const viaLinks = new Map<string, string>(); // wanted link path -> resolved target
  for (const [path, node] of nodes) {
    if (node.kind === 'file') {
      result.set(path, node.content); // only wanted files and extracts are kept
      continue;
    }
    const wanted = wants(path);
    if (!wanted && (node.kind !== 'hardlink' || !options.extract)) continue; // symlinks are not followed for extracts
    const target = resolve(nodes, path);
    if (target === null || target === '') continue;
    const resolved = nodes.get(target);
    if (!wanted) {
      if (resolved?.kind === 'file' && resolved.extracted) result.set(path, resolved.content);
      continue;
    }
    if (resolved?.kind === 'file' && !resolved.extracted) result.set(path, resolved.content);
    else if (resolved === undefined || resolved.kind === 'file') viaLinks.set(path, target); // not read whole yet
  }
  if (viaLinks.size > 0) {
    const targets = new Set(viaLinks.values());
    const skippable = new Set([...viaLinks].filter(([path]) => options.skipOversized?.(path)).map(([, target]) => target));
    const second = await merge(sources, (p) => targets.has(p), false, {
      ...options,
      extract: undefined,
      skipOversized: (p) => skippable.has(p),
    });
    for (const [path, target] of viaLinks) {
      const node = second.get(target);
      if (node?.kind === 'file') result.set(path, node.content);
    }
  }
  return new Map([...result].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
