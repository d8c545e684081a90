/**
 * Findings: one per (vulnerability, installed package at its place), as recorded after a
 * scan and served by DescribeImageScanFindings in ECR's two shapes (rendered in
 * http/ecr/operations/scanning.ts). A vulnerability is named by its CVE where an advisory
 * has one (ECR's basic findings are named by CVE), else by the advisory's own id.
 */
import type { Match, MatchedPackage } from './match.js';
import { assessAdvisorySeverity, type EcrSeverity } from './severity.js';

export type FindingSeverity = EcrSeverity;

export const SEVERITIES: FindingSeverity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'];

export interface CvssDetail {
  score: number;
  vector: string;
  version: string;
}

export interface StoredFinding {
  /** The advisory's id (`DEBIAN-CVE-2023-1234`, `GHSA-…`). */
  advisoryId: string;
  name: string;
  description: string;
  uri: string;
  severity: FindingSeverity;
  /** The CVSS rating the severity came from, if it came from one. */
  cvss?: CvssDetail;
  cvss2?: CvssDetail;
  cvss3?: CvssDetail;
  /** The vendor's own rating as written (`HIGH`, `moderate`, `important`). */
  vendorSeverity?: string;
  referenceUrls: string[];
  relatedVulnerabilities: string[];
  published?: string;
  modified: string;
  ecosystem: string;
  package: MatchedPackage;
  fixedIn?: string;
}

export interface FindingInput {
  key: string;
  severity: FindingSeverity;
  finding: StoredFinding;
}

/** Severities from the most severe down, as findings are ranked. */
const RANK: Record<FindingSeverity, number> = { CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3, INFORMATIONAL: 4, UNDEFINED: 5 };

/**
 * The findings of the matches: one per vulnerability and installed package. Advisories that
 * name the same vulnerability (a CVE and the distribution's or the ecosystem's own advisory
 * of it: DEBIAN-CVE and DSA, GHSA and PYSEC …) are one finding, rated by the most severe of
 * them, the others listed among its related vulnerabilities; counting them apart would
 * inflate the counts a CI gate reads.
 */
export function findingsOf(matches: Match[]): FindingInput[] {
  const findings = new Map<string, FindingInput>();
  for (const match of matches) {
    const { advisory, package: pkg } = match;
    const ids = [advisory.id, ...(advisory.aliases ?? []), ...(advisory.upstream ?? [])];
    const cve = ids.find((id) => /^CVE-\d{4}-\d+$/.test(id));
    const name = cve ?? advisory.id;
    const key = [name, pkg.packageManager, pkg.name, pkg.version, pkg.location].join('|');
    const finding = findingOf(match, name);
    const earlier = findings.get(key);
    if (earlier) {
      const [kept, other] = RANK[finding.severity] < RANK[earlier.severity] ? [finding, earlier.finding] : [earlier.finding, finding];
      kept.relatedVulnerabilities = [...new Set([...kept.relatedVulnerabilities, other.advisoryId, ...other.relatedVulnerabilities])].filter((id) => id !== kept.advisoryId);
      findings.set(key, { key, severity: kept.severity, finding: kept });
    } else {
      findings.set(key, { key, severity: finding.severity, finding });
    }
  }
  return [...findings.values()];
}

function findingOf(match: Match, name: string): StoredFinding {
  const { advisory, package: pkg } = match;
  const rating = assessAdvisorySeverity(advisory, match.entry);
  const references = (advisory.references ?? []).map((reference) => reference.url);
  const primary = advisory.references?.find((reference) => reference.type === 'ADVISORY') ?? advisory.references?.find((reference) => reference.type === 'WEB');
  const finding: StoredFinding = {
    advisoryId: advisory.id,
    name,
    description: advisory.summary ?? firstParagraph(advisory.details) ?? advisory.id,
    uri: primary?.url ?? `https://osv.dev/vulnerability/${encodeURIComponent(advisory.id)}`,
    severity: rating.severity,
    referenceUrls: references,
    relatedVulnerabilities: [...new Set([...(advisory.aliases ?? []), ...(advisory.upstream ?? [])])].filter((id) => id !== advisory.id),
    modified: advisory.modified,
    ecosystem: match.ecosystem,
    package: pkg,
  };
  if (rating.cvss) finding.cvss = rating.cvss;
  if (rating.cvss2) finding.cvss2 = rating.cvss2;
  if (rating.cvss3) finding.cvss3 = rating.cvss3;
  if (rating.vendorSeverity) finding.vendorSeverity = rating.vendorSeverity;
  if (advisory.published) finding.published = advisory.published;
  if (match.fixedIn) finding.fixedIn = match.fixedIn;
  return finding;
}

/** Active findings per severity (severities without findings left out, as ECR does). */
export function severityCounts(findings: { severity: FindingSeverity }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const finding of findings) counts[finding.severity] = (counts[finding.severity] ?? 0) + 1;
  return counts;
}

function firstParagraph(text: string | undefined): string | undefined {
  const paragraph = text?.split(/\n\s*\n/)[0]?.trim();
  return paragraph ? paragraph.slice(0, 1024) : undefined;
}
