/**
 * Whether a version of a package falls in an OSV `affected` entry, as the OSV schema's
 * evaluation rules say: the version is affected when it is listed in `versions`, or when a
 * range of type ECOSYSTEM or SEMVER covers it. A range's events, sorted by version
 * (`introduced: "0"` lowest), are walked in order: an `introduced` at or below the version
 * makes it affected, a `fixed` at or below it, or a `last_affected` below it, makes it
 * unaffected again; `limit` events, where present, bound the range from above (exclusive;
 * `*` is no bound). GIT ranges (commit hashes) do not apply to installed packages.
 *
 * A version the ecosystem's ordering cannot read is affected only where it is listed; a range
 * with an event version it cannot read is not used at all (dropping the event could open the
 * range up).
 */
import { versionSchemeFor, type VersionScheme } from '../versions/index.js';
import type { OsvAffected, OsvEvent, OsvRange } from './osv.js';

export interface AffectedVerdict {
  /** The lowest `fixed` version above the installed one in the range that covers it, if any. */
  fixedIn?: string;
}

/** Undefined when `version` is not affected by `entry`. */
export function affectedVerdict(entry: OsvAffected, version: string): AffectedVerdict | undefined {
  const ecosystem = entry.package?.ecosystem;
  for (const range of entry.ranges ?? []) {
    const scheme = range.type === 'SEMVER' ? versionSchemeFor('npm') : range.type === 'ECOSYSTEM' && ecosystem ? versionSchemeFor(ecosystem) : undefined;
    if (!scheme || !scheme.isValid(normalize(range, version))) continue;
    const verdict = inRange(range, normalize(range, version), scheme);
    if (verdict) return verdict;
  }
  if (!entry.versions?.includes(version)) return undefined;
  // Listed (osv.dev lists what its ranges cover): the fix is still the ranges' next one, if readable.
  return { fixedIn: nextFix(entry, version) };
}

/** The lowest `fixed` above `version` in the entry's readable ranges. */
function nextFix(entry: OsvAffected, version: string): string | undefined {
  const fixes: { at: string; scheme: VersionScheme }[] = [];
  for (const range of entry.ranges ?? []) {
    const scheme = range.type === 'SEMVER' ? versionSchemeFor('npm') : range.type === 'ECOSYSTEM' && entry.package ? versionSchemeFor(entry.package.ecosystem) : undefined;
    if (!scheme || !scheme.isValid(normalize(range, version))) continue;
    for (const event of range.events) {
      if ('fixed' in event && scheme.isValid(normalize(range, event.fixed)) && scheme.compare(normalize(range, event.fixed), normalize(range, version)) > 0) {
        fixes.push({ at: event.fixed, scheme });
      }
    }
  }
  fixes.sort((a, b) => a.scheme.compare(a.at, b.at));
  return fixes[0]?.at;
}

/** SEMVER ranges carry no `v` prefix; Go versions do. */
function normalize(range: OsvRange, version: string): string {
  return range.type === 'SEMVER' && /^v\d/.test(version) ? version.slice(1) : version;
}

function eventVersion(event: OsvEvent): string {
  if ('introduced' in event) return event.introduced;
  if ('fixed' in event) return event.fixed;
  if ('last_affected' in event) return event.last_affected;
  return event.limit;
}

function inRange(range: OsvRange, version: string, scheme: VersionScheme): AffectedVerdict | undefined {
  const compare = (a: string, b: string) => {
    if (a === b) return 0;
    if (a === '0') return -1;
    if (b === '0') return 1;
    return scheme.compare(a, b);
  };
  const limits = range.events.filter((event): event is { limit: string } => 'limit' in event);
  if (limits.length > 0 && !limits.some((event) => event.limit === '*' || compare(version, event.limit) < 0)) return undefined;
  const events = range.events.filter((event) => !('limit' in event)).map((event) => ({ event, version: normalize(range, eventVersion(event)) }));
  if (events.some(({ version: v }) => v !== '0' && !scheme.isValid(v))) return undefined;
  events.sort((a, b) => compare(a.version, b.version));
  let affected = false;
  for (const { event, version: at } of events) {
    if ('introduced' in event && compare(version, at) >= 0) affected = true;
    else if ('fixed' in event && compare(version, at) >= 0) affected = false;
    else if ('last_affected' in event && compare(version, at) > 0) affected = false;
  }
  if (!affected) return undefined;
  const fixes = events.filter(({ event, version: at }) => 'fixed' in event && compare(at, version) > 0).map(({ version: at }) => at);
  fixes.sort(compare);
  return { fixedIn: fixes[0] };
}
