/**
 * The OSV advisory format (https://ossf.github.io/osv-schema/), as far as scanning reads it:
 * what an advisory is about (`affected`: package, version ranges and listed versions), how
 * bad it is (`severity`, vendor ratings in `database_specific` / `ecosystem_specific`), and
 * what to tell the user (summary, details, aliases, references). Unknown fields are kept
 * (the document is stored as imported) and ignored here.
 */
import { z } from 'zod';

const event = z.union([
  z.object({ introduced: z.string() }),
  z.object({ fixed: z.string() }),
  z.object({ last_affected: z.string() }),
  z.object({ limit: z.string() }),
]);

const severity = z.object({ type: z.string(), score: z.string() });

const range = z.object({
  type: z.string(),
  events: z.array(z.unknown()).transform((events) => events.flatMap((e) => (event.safeParse(e).success ? [e as OsvEvent] : []))),
  database_specific: z.record(z.string(), z.unknown()).optional(),
});

const affected = z.object({
  package: z.object({ ecosystem: z.string().min(1), name: z.string().min(1), purl: z.string().optional() }).optional(),
  severity: z.array(severity).optional(),
  ranges: z.array(range).optional(),
  versions: z.array(z.string()).optional(),
  ecosystem_specific: z.record(z.string(), z.unknown()).optional(),
  database_specific: z.record(z.string(), z.unknown()).optional(),
});

const timestamp = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'not an RFC 3339 time');

export const osvAdvisory = z.object({
  id: z.string().min(1).max(256),
  modified: timestamp,
  published: timestamp.optional(),
  withdrawn: timestamp.optional(),
  aliases: z.array(z.string()).optional(),
  upstream: z.array(z.string()).optional(),
  related: z.array(z.string()).optional(),
  summary: z.string().optional(),
  details: z.string().optional(),
  severity: z.array(severity).optional(),
  affected: z.array(affected).optional(),
  references: z.array(z.object({ type: z.string(), url: z.string() })).optional(),
  database_specific: z.record(z.string(), z.unknown()).optional(),
});

export type OsvAdvisory = z.infer<typeof osvAdvisory>;
export type OsvAffected = z.infer<typeof affected>;
export type OsvRange = z.infer<typeof range>;
export type OsvSeverity = z.infer<typeof severity>;
export type OsvEvent = { introduced: string } | { fixed: string } | { last_affected: string } | { limit: string };

/** Parses an advisory; throws a message naming what is wrong. */
export function parseOsvAdvisory(json: unknown): OsvAdvisory {
  const parsed = osvAdvisory.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`not an OSV advisory: ${issue.path.join('.') || 'document'}: ${issue.message}`);
  }
  return parsed.data;
}

/** The ecosystem without its release: `Debian` of `Debian:12`. */
export function ecosystemBase(ecosystem: string): string {
  const colon = ecosystem.indexOf(':');
  return colon < 0 ? ecosystem : ecosystem.slice(0, colon);
}

/**
 * A package name as the database looks it up: PyPI names normalized as PEP 503 says (case
 * and runs of `-`, `_`, `.` do not matter), crates.io and Packagist names in lower case
 * (both registries treat names case-insensitively); others as written.
 */
export function lookupName(ecosystem: string, name: string): string {
  switch (ecosystemBase(ecosystem)) {
    case 'PyPI':
      return name.toLowerCase().replace(/[-_.]+/g, '-');
    case 'crates.io':
    case 'Packagist':
      return name.toLowerCase();
    default:
      return name;
  }
}
