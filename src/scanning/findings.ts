/**
 * Findings: one per (advisory, installed package), as recorded after a scan and served by
 * DescribeImageScanFindings in ECR's two shapes (render in http/ecr/operations/scanning.ts).
 * The name is the advisory's CVE where it has one (ECR's basic findings are named by CVE),
 * else its own id.
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

/** The finding of each match, one per (advisory, package, version, place). */
export function findingsOf(matches: Match[]): FindingInput[] {
  const findings = new Map<string, FindingInput>();
  for (const match of matches) {
    const { advisory, package: pkg } = match;
    const key = [advisory.id, pkg.packageManager, pkg.name, pkg.version, pkg.location].join('|');
    if (findings.has(key)) continue;
    const entry = advisory.affected?.find((affected) => affected.package?.ecosystem === match.ecosystem);
    const rating = assessAdvisorySeverity(advisory, entry);
    const cve = [advisory.id, ...(advisory.aliases ?? []), ...(advisory.upstream ?? [])].find((id) => /^CVE-\d{4}-\d+$/.test(id));
    const references = (advisory.references ?? []).map((reference) => reference.url);
    const primary = advisory.references?.find((reference) => reference.type === 'ADVISORY') ?? advisory.references?.find((reference) => reference.type === 'WEB');
    const finding: StoredFinding = {
      advisoryId: advisory.id,
      name: cve ?? advisory.id,
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
    findings.set(key, { key, severity: rating.severity, finding });
  }
  return [...findings.values()];
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
