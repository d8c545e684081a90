/**
 * The severity of a finding as ECR reports it (CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL,
 * UNDEFINED), from what an OSV advisory says: its `severity` entries (CVSS vectors, and
 * vendor ratings such as type `Ubuntu`) and vendor ratings in `ecosystem_specific` /
 * `database_specific` objects.
 *
 * Precedence, the first that gives a level wins:
 * 1. a CVSS v3.x vector (entries of type CVSS_V3);
 * 2. a CVSS v4.0 vector (CVSS_V4);
 * 3. the vendor's rating: a `severity` entry of a non-CVSS type (OSV defines `Ubuntu`),
 *    then the `severity` and then the `urgency` field of each vendor object in the order
 *    given (assessAdvisorySeverity: the affected entry's ecosystem_specific, its
 *    database_specific, the advisory's database_specific);
 * 4. a CVSS v2 vector (CVSS_V2);
 * 5. otherwise UNDEFINED, with no source.
 * Among entries of one kind the first valid one counts (the affected entry's own
 * `severity` entries before the advisory's).
 *
 * CVSS vectors: `CVSS:3.0/` or `CVSS:3.1/` for CVSS_V3, `CVSS:4.0/` for CVSS_V4, no prefix
 * for CVSS_V2 (NVD's parenthesized form `(AV:N/…)` accepted), then `/`-separated
 * `METRIC:VALUE` pairs, each metric at most once, with the names and values the version
 * defines (case-sensitive) and every base metric given a defined value. A vector that is
 * not so, or whose entry type does not match its version, is ignored (never thrown on).
 * The score is the base score computed from the vector by ae-cvss-calculator: temporal,
 * threat and environmental metrics in the vector do not change it (for v4.0 this is the
 * CVSS-B score); scores stated elsewhere in the advisory are not used.
 *
 * Score to level, Amazon Inspector's bands: 0.0 INFORMATIONAL, 0.1–3.9 LOW, 4.0–6.9
 * MEDIUM, 7.0–8.9 HIGH, 9.0–10.0 CRITICAL. CVSS v2 defines no Critical rating (its scale,
 * as NVD applies it, is Low 0.0–3.9, Medium 4.0–6.9, High 7.0–10.0), so a v2 score of 9.0
 * or more is HIGH; a v2 score of 0.0 is INFORMATIONAL, as for the other versions.
 *
 * Vendor vocabularies, compared without case, surrounding blanks or trailing `*`:
 * - critical → CRITICAL (GitHub, Ubuntu, Red Hat);
 * - high, important → HIGH (GitHub, Ubuntu, Debian; Red Hat's important);
 * - medium, moderate → MEDIUM (Ubuntu, Debian; GitHub's and Red Hat's moderate);
 * - low → LOW;
 * - negligible, unimportant → INFORMATIONAL (Ubuntu's negligible, Debian's unimportant:
 *   not a security problem in practice);
 * - untriaged, not yet assigned and any other word: no rating; the next source is tried.
 *
 * Whatever the level came from, the valid v2, v3.x and v4.0 scores found are returned
 * (ECR's basic findings report v2 and v3 as the CVSS2_VECTOR/CVSS2_SCORE and
 * CVSS3_VECTOR/CVSS3_SCORE attributes), and so is the first vendor rating recognised.
 */
import cvssCalculator from 'ae-cvss-calculator';

export type EcrSeverity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL' | 'UNDEFINED';
export type CvssVersion = '2.0' | '3.0' | '3.1' | '4.0';

export interface CvssScore {
  version: CvssVersion;
  /** As the advisory wrote it, surrounding blanks (and v2's optional parentheses) removed. */
  vector: string;
  score: number;
}

export interface SeverityAssessment {
  severity: EcrSeverity;
  /** What the severity was taken from; absent when UNDEFINED. */
  source?: 'cvss' | 'vendor';
  /** The CVSS score the severity was taken from (source `cvss`). */
  cvss?: CvssScore;
  cvss2?: CvssScore;
  /** v3.0 or v3.1. */
  cvss3?: CvssScore;
  cvss4?: CvssScore;
  /** The first vendor rating recognised, as written (`MODERATE`, `important`, `negligible`). */
  vendorSeverity?: string;
}

/** An OSV `severity` entry. */
export interface OsvSeverityEntry {
  type: string;
  score: string;
}

export interface SeverityInput {
  /** OSV `severity` entries, the affected entry's own before the advisory's. */
  severity?: readonly OsvSeverityEntry[] | undefined;
  /** Objects that may carry a vendor rating in `severity` or `urgency`, most specific first. */
  vendorFields?: ReadonlyArray<Readonly<Record<string, unknown>> | undefined>;
}

/** The parts of an OSV advisory and affected entry read here. */
export interface OsvSeveritySources {
  severity?: readonly OsvSeverityEntry[] | undefined;
  database_specific?: Readonly<Record<string, unknown>> | undefined;
}

export interface OsvAffectedSeveritySources extends OsvSeveritySources {
  ecosystem_specific?: Readonly<Record<string, unknown>> | undefined;
}

const METRIC = /^[A-Za-z]+:[A-Za-z]+$/;

const VENDOR_LEVELS: ReadonlyMap<string, EcrSeverity> = new Map([
  ['critical', 'CRITICAL'],
  ['high', 'HIGH'],
  ['important', 'HIGH'],
  ['medium', 'MEDIUM'],
  ['moderate', 'MEDIUM'],
  ['low', 'LOW'],
  ['negligible', 'INFORMATIONAL'],
  ['unimportant', 'INFORMATIONAL'],
]);

/** The ECR level of a CVSS base score of the given version (see the bands above). */
export function levelForCvssScore(score: number, version: CvssVersion): EcrSeverity {
  if (!(score >= 0 && score <= 10)) return 'UNDEFINED';
  if (score === 0) return 'INFORMATIONAL';
  if (score < 4) return 'LOW';
  if (score < 7) return 'MEDIUM';
  if (score < 9 || version === '2.0') return 'HIGH';
  return 'CRITICAL';
}

/** The ECR level of a vendor rating, or undefined when the word is not a rating. */
export function levelForVendorRating(rating: string): EcrSeverity | undefined {
  const word = rating.trim().replace(/\*+$/, '').trim().toLowerCase();
  return VENDOR_LEVELS.get(word);
}

/**
 * The version, the vector as reported and its metrics part. Without a known prefix the
 * vector is taken for v2 (another `CVSS:` prefix then fails the metric grammar).
 */
function versionOf(vector: string): { version: CvssVersion; vector: string; metrics: string } {
  for (const version of ['3.0', '3.1', '4.0'] as const) {
    const prefix = `CVSS:${version}/`;
    if (vector.startsWith(prefix)) return { version, vector, metrics: vector.slice(prefix.length) };
  }
  const bare = vector.startsWith('(') && vector.endsWith(')') ? vector.slice(1, -1) : vector;
  return { version: '2.0', vector: bare, metrics: bare };
}

function wellFormedMetrics(metrics: string): boolean {
  const seen = new Set<string>();
  for (const pair of metrics.split('/')) {
    if (!METRIC.test(pair)) return false;
    const name = pair.slice(0, pair.indexOf(':'));
    if (seen.has(name)) return false;
    seen.add(name);
  }
  return seen.size > 0;
}

/** The base score (v4.0: CVSS-B); undefined when a base metric is missing or not defined. Throws on metrics the version does not define. */
function computeBaseScore(version: CvssVersion, metrics: string): number | undefined {
  if (version === '4.0') {
    const cvss = new cvssCalculator.Cvss4P0(`CVSS:4.0/${metrics}`);
    return cvss.isBaseFullyDefined() ? cvss.calculateScores().baseMetricsOnly : undefined;
  }
  const cvss =
    version === '2.0'
      ? new cvssCalculator.Cvss2(metrics)
      : version === '3.0'
        ? new cvssCalculator.Cvss3P0(`CVSS:3.0/${metrics}`)
        : new cvssCalculator.Cvss3P1(`CVSS:3.1/${metrics}`);
  return cvss.isBaseFullyDefined() ? cvss.calculateScores().base : undefined;
}

/** The base score of a CVSS vector (v2 without prefix, v3.x and v4.0 with theirs), or undefined when it is not valid. */
export function scoreCvssVector(vector: string): CvssScore | undefined {
  const parsed = versionOf(vector.trim());
  if (!wellFormedMetrics(parsed.metrics)) return undefined;
  let score: number | undefined;
  try {
    score = computeBaseScore(parsed.version, parsed.metrics);
  } catch {
    return undefined; // a metric or value the version does not define
  }
  if (typeof score !== 'number' || !(score >= 0 && score <= 10)) return undefined;
  return { version: parsed.version, vector: parsed.vector, score };
}

const ENTRY_VERSIONS: Readonly<Record<string, readonly CvssVersion[]>> = {
  CVSS_V2: ['2.0'],
  CVSS_V3: ['3.0', '3.1'],
  CVSS_V4: ['4.0'],
};

function isEntry(value: unknown): value is OsvSeverityEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return typeof entry.type === 'string' && typeof entry.score === 'string';
}

function firstCvss(entries: readonly OsvSeverityEntry[], type: string): CvssScore | undefined {
  const versions = ENTRY_VERSIONS[type]!;
  for (const entry of entries) {
    if (entry.type !== type) continue;
    const scored = scoreCvssVector(entry.score);
    if (scored && versions.includes(scored.version)) return scored;
  }
  return undefined;
}

function firstVendorRating(entries: readonly OsvSeverityEntry[], vendorFields: SeverityInput['vendorFields']): { rating: string; level: EcrSeverity } | undefined {
  const candidates: unknown[] = entries.filter((e) => !Object.hasOwn(ENTRY_VERSIONS, e.type)).map((e) => e.score);
  for (const fields of Array.isArray(vendorFields) ? vendorFields : []) {
    if (typeof fields !== 'object' || fields === null) continue;
    candidates.push(fields.severity, fields.urgency);
  }
  for (const candidate of candidates) {
    if (typeof candidate !== 'string') continue;
    const level = levelForVendorRating(candidate);
    if (level) return { rating: candidate, level };
  }
  return undefined;
}

/** The ECR severity of a finding and the scores behind it (precedence and rules above). */
export function assessSeverity(input: SeverityInput): SeverityAssessment {
  const entries = Array.isArray(input.severity) ? input.severity.filter(isEntry) : [];
  const cvss2 = firstCvss(entries, 'CVSS_V2');
  const cvss3 = firstCvss(entries, 'CVSS_V3');
  const cvss4 = firstCvss(entries, 'CVSS_V4');
  const vendor = firstVendorRating(entries, input.vendorFields);

  let assessment: SeverityAssessment;
  const fromCvss = (cvss: CvssScore): SeverityAssessment => ({ severity: levelForCvssScore(cvss.score, cvss.version), source: 'cvss', cvss });
  if (cvss3) assessment = fromCvss(cvss3);
  else if (cvss4) assessment = fromCvss(cvss4);
  else if (vendor) assessment = { severity: vendor.level, source: 'vendor' };
  else if (cvss2) assessment = fromCvss(cvss2);
  else assessment = { severity: 'UNDEFINED' };

  if (cvss2) assessment.cvss2 = cvss2;
  if (cvss3) assessment.cvss3 = cvss3;
  if (cvss4) assessment.cvss4 = cvss4;
  if (vendor) assessment.vendorSeverity = vendor.rating;
  return assessment;
}

/**
 * The severity of an advisory for one of its affected entries: the entry's own `severity`
 * entries before the advisory's, and vendor ratings from the entry's ecosystem_specific,
 * the entry's database_specific, then the advisory's database_specific.
 */
export function assessAdvisorySeverity(advisory: OsvSeveritySources, affected?: OsvAffectedSeveritySources): SeverityAssessment {
  const entries = (list: unknown): OsvSeverityEntry[] => (Array.isArray(list) ? list : []);
  return assessSeverity({
    severity: [...entries(affected?.severity), ...entries(advisory.severity)],
    vendorFields: [affected?.ecosystem_specific, affected?.database_specific, advisory.database_specific],
  });
}
