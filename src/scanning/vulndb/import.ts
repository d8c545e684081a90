/**
 * Imports OSV advisories into the vulnerability database (`stowage vulndb import`). Each
 * advisory is stored with the (ecosystem, package) keys matching looks it up by; one that is
 * stored already with the same or a later `modified` time is left as it is, a newer one
 * replaces it, a withdrawn one (newer than the stored) removes it. Files that are not
 * advisories are counted and named, and the import goes on. Advisories are written in batches, each batch one transaction,
 * so an import can run beside a serving registry and a failed one keeps what it committed.
 * The import reports which packages it changed: images holding them are rescanned where
 * continuous scanning is on.
 */
import type { Database } from '../../storage/meta/database.js';
import { affectedKeysOf, deleteAdvisory, putAdvisory, recordDatabaseState, storedModifiedTimes, type AffectedKey, type VulnDatabaseState } from '../../storage/meta/vulndb.js';
import { lookupName, parseOsvAdvisory, type OsvAdvisory } from './osv.js';
import { countAdvisoryFiles, readAdvisoryFiles } from './sources.js';

const BATCH = 500;
/** Problems reported by name; beyond these only counted. */
const PROBLEMS_REPORTED = 20;

export interface ImportSummary {
  /** Advisory files read. */
  read: number;
  /** Advisories new or newer than the stored ones. */
  imported: number;
  unchanged: number;
  /** Withdrawn advisories removed (or not stored at all). */
  withdrawn: number;
  /** Files that are not OSV advisories. */
  invalid: number;
  problems: string[];
  database: VulnDatabaseState;
}

export interface ImportResult {
  summary: ImportSummary;
  /** The (ecosystem, lookup name) keys whose advisories changed: what to rescan. */
  changed: AffectedKey[];
}

export interface ImportOptions {
  now: () => number;
  progress?: (done: number, total: number) => void;
}

export async function importAdvisories(database: Database, source: string, options: ImportOptions): Promise<ImportResult> {
  const total = options.progress ? await countAdvisoryFiles(source) : 0;
  const summary = { read: 0, imported: 0, unchanged: 0, withdrawn: 0, invalid: 0, problems: [] as string[] };
  const changed = new Map<string, AffectedKey>();
  let newest = 0;
  const noteChanged = (keys: AffectedKey[]) => {
    for (const key of keys) changed.set(`${key.ecosystem}\u0000${key.package}`, { ecosystem: key.ecosystem, package: key.package });
  };
  const problem = (message: string) => {
    summary.invalid++;
    if (summary.problems.length < PROBLEMS_REPORTED) summary.problems.push(message);
  };

  // By id: a directory holding two exports of an advisory keeps the newer one.
  let batch = new Map<string, { advisory: OsvAdvisory; text: string }>();
  const flush = async () => {
    const advisories = [...batch.values()];
    batch = new Map();
    const stored = await storedModifiedTimes(database.db, advisories.map(({ advisory }) => advisory.id));
    const replaced = await affectedKeysOf(database.db, [...stored.keys()]);
    const touched = new Set<string>();
    await database.transaction(async (trx) => {
      for (const { advisory, text } of advisories) {
        const modified = Date.parse(advisory.modified);
        const storedModified = stored.get(advisory.id);
        // The stored one is as new or newer (an older export imported after a newer one): kept.
        if (storedModified !== undefined && storedModified >= modified) {
          summary.unchanged++;
          continue;
        }
        if (advisory.withdrawn !== undefined) {
          if (await deleteAdvisory(trx, advisory.id)) touched.add(advisory.id);
          summary.withdrawn++;
          continue;
        }
        const keys = affectedKeys(advisory);
        await putAdvisory(trx, advisory.id, modified, text, keys);
        if (storedModified !== undefined) touched.add(advisory.id);
        noteChanged(keys);
        summary.imported++;
      }
    });
    // What replaced or withdrawn advisories affected before changes too.
    if (touched.size > 0) noteChanged(replaced.filter((key) => touched.has(key.advisoryId)));
  };

  for await (const file of readAdvisoryFiles(source)) {
    summary.read++;
    options.progress?.(summary.read, Math.max(total, summary.read));
    if (file.problem !== undefined) {
      problem(`${file.name}: ${file.problem}`);
      continue;
    }
    let advisory: OsvAdvisory;
    try {
      advisory = parseOsvAdvisory(JSON.parse(file.text));
    } catch (error) {
      problem(`${file.name}: ${error instanceof SyntaxError ? `not JSON (${error.message})` : (error as Error).message}`);
      continue;
    }
    newest = Math.max(newest, Date.parse(advisory.modified));
    const queued = batch.get(advisory.id);
    if (queued) summary.unchanged++; // of the two copies, one is dropped here
    if (!queued || Date.parse(queued.advisory.modified) < Date.parse(advisory.modified)) batch.set(advisory.id, { advisory, text: file.text });
    if (batch.size >= BATCH) await flush();
  }
  if (batch.size > 0) await flush();
  const state = await database.transaction((trx) => recordDatabaseState(trx, options.now(), newest));
  return { summary: { ...summary, database: state }, changed: [...changed.values()] };
}

/** The (ecosystem, lookup name) keys of the packages an advisory affects. */
export function affectedKeys(advisory: OsvAdvisory): AffectedKey[] {
  const keys = new Map<string, AffectedKey>();
  for (const entry of advisory.affected ?? []) {
    if (!entry.package) continue;
    const key = { ecosystem: entry.package.ecosystem, package: lookupName(entry.package.ecosystem, entry.package.name) };
    keys.set(`${key.ecosystem}\u0000${key.package}`, key);
  }
  return [...keys.values()];
}
