import { createHash } from 'node:crypto';
import type { ImageId } from '../../../registry/images.js';
import type { RegistryScanningConfiguration } from '../../../scanning/configuration.js';
import type { StoredFinding } from '../../../scanning/findings.js';
import { repositoryArn } from '../../../iam/index.js';
import { hasFindings, type FindingRecord, type ScanRecord } from '../../../storage/meta/scans.js';
import { AwsError } from '../errors.js';
import type { Operation, OperationContext } from '../operation.js';
import { decodeNextToken, encodeNextToken } from '../pagination.js';

/** Image scanning (src/scanning/, src/registry/image-scans.ts): configuration, scans, findings. */

const DEFAULT_FINDINGS_PAGE = 100;

const putRegistryScanningConfiguration: Operation = async ({ input, registry }) => {
  const configuration: RegistryScanningConfiguration = {
    scanType: (input.scanType as RegistryScanningConfiguration['scanType'] | undefined) ?? 'BASIC',
    rules: (input.rules as RegistryScanningConfiguration['rules'] | undefined) ?? [],
  };
  const stored = await registry.scans.putConfiguration(configuration);
  return { registryScanningConfiguration: stored };
};

const getRegistryScanningConfiguration: Operation = async ({ registry }) => ({
  registryId: registry.context.registryId,
  scanningConfiguration: await registry.scans.configuration(),
});

const batchGetRepositoryScanningConfiguration: Operation = async ({ input, registry, region }) => {
  const names = input.repositoryNames as string[];
  const { found, missing } = await registry.scans.repositoryConfigurations(names);
  return {
    scanningConfigurations: found.map((applied) => ({
      repositoryArn: repositoryArn(region, registry.context.registryId, applied.repository),
      repositoryName: applied.repository,
      scanOnPush: applied.scanOnPush,
      ...(applied.scanFrequency ? { scanFrequency: applied.scanFrequency } : {}),
      appliedScanFilters: applied.appliedScanFilters,
    })),
    failures: missing.map((repositoryName) => ({ repositoryName, failureCode: 'REPOSITORY_NOT_FOUND', failureReason: 'REPOSITORY_NOT_FOUND' })),
  };
};

const startImageScan: Operation = async ({ input, registry }) => {
  const name = input.repositoryName as string;
  const started = await registry.scans.start(name, imageIdOf(input));
  return {
    registryId: registry.context.registryId,
    repositoryName: name,
    imageId: { imageDigest: started.digest, ...(started.tag ? { imageTag: started.tag } : {}) },
    imageScanStatus: { status: 'IN_PROGRESS', description: 'The scan is in progress.' },
  };
};

const describeImageScanFindings: Operation = async (context) => {
  const { input, registry } = context;
  const name = input.repositoryName as string;
  const imageId = imageIdOf(input);
  const after = decodeNextToken(input.nextToken);
  const offset = after === undefined ? 0 : Number(after);
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new AwsError('InvalidParameterException', "Invalid parameter at 'nextToken' failed to satisfy constraint: 'The token is not valid'");
  }
  const limit = (input.maxResults as number | undefined) ?? DEFAULT_FINDINGS_PAGE;
  const result = await registry.scans.findings(name, imageId, { offset, limit: limit + 1 });
  const more = result.findings.length > limit;
  const page = result.findings.slice(0, limit);
  const answer: Record<string, unknown> = {
    registryId: registry.context.registryId,
    repositoryName: name,
    imageId: { imageDigest: result.digest, ...(imageId.imageTag ? { imageTag: imageId.imageTag } : {}) },
    imageScanStatus: scanStatusShape(result.scan),
  };
  const summary = scanSummaryShape(result.scan);
  if (summary) {
    const findings: Record<string, unknown> = { ...summary };
    if (result.scan.scanType === 'ENHANCED') findings.enhancedFindings = page.map((record) => enhancedFindingShape(context, name, result.digest, record));
    else findings.findings = page.map((record) => basicFindingShape(record.finding as StoredFinding));
    answer.imageScanFindings = findings;
  }
  if (more) answer.nextToken = encodeNextToken(String(offset + limit));
  return answer;
};

/** ECR's `ImageScanStatus`: a scan not finished yet shows as in progress, a continuous rescan as the last result. */
export function scanStatusShape(scan: ScanRecord): { status: string; description: string } {
  if (scan.status === 'IN_PROGRESS') return { status: 'IN_PROGRESS', description: 'The scan is in progress.' };
  return { status: scan.status, description: scan.description ?? '' };
}

/** ECR's `ImageScanFindingsSummary` (DescribeImages), for a scan that completed. */
export function scanSummaryShape(scan: ScanRecord): Record<string, unknown> | undefined {
  if (!hasFindings(scan.status)) return undefined;
  const summary: Record<string, unknown> = {
    imageScanCompletedAt: new Date(scan.completedAt ?? scan.requestedAt),
    findingSeverityCounts: scan.counts ?? {},
  };
  if (scan.vulndbUpdatedAt !== null) summary.vulnerabilitySourceUpdatedAt = new Date(scan.vulndbUpdatedAt);
  return summary;
}

function basicFindingShape(finding: StoredFinding): Record<string, unknown> {
  const attributes = [
    { key: 'package_version', value: finding.package.version },
    { key: 'package_name', value: finding.package.name },
  ];
  if (finding.cvss2) attributes.push({ key: 'CVSS2_VECTOR', value: finding.cvss2.vector }, { key: 'CVSS2_SCORE', value: String(finding.cvss2.score) });
  if (finding.cvss3) attributes.push({ key: 'CVSS3_VECTOR', value: finding.cvss3.vector }, { key: 'CVSS3_SCORE', value: String(finding.cvss3.score) });
  return { name: finding.name, description: finding.description, uri: finding.uri, severity: finding.severity, attributes };
}

/** Inspector's package manager names. */
const INSPECTOR_PACKAGE_MANAGERS: Record<string, string> = {
  dpkg: 'OS',
  apk: 'OS',
  rpm: 'OS',
  npm: 'NODEPKG',
  pip: 'PYTHONPKG',
  go: 'GOBINARY',
  maven: 'JAR',
  gem: 'GEMSPEC',
  cargo: 'CARGO',
  composer: 'COMPOSER',
};

function enhancedFindingShape(context: OperationContext, repositoryName: string, digest: string, record: FindingRecord): Record<string, unknown> {
  const { registry, region } = context;
  const finding = record.finding as StoredFinding;
  const account = registry.context.registryId;
  const pkg = finding.package;
  const vulnerablePackage: Record<string, unknown> = {
    name: pkg.name,
    version: pkg.version,
    packageManager: INSPECTOR_PACKAGE_MANAGERS[pkg.packageManager] ?? pkg.packageManager.toUpperCase(),
    filePath: pkg.location,
  };
  if (pkg.arch) vulnerablePackage.arch = pkg.arch;
  if (finding.fixedIn) vulnerablePackage.fixedInVersion = finding.fixedIn;
  const cvss = [finding.cvss3, finding.cvss2].filter((detail) => detail !== undefined);
  if (finding.cvss && !cvss.some((detail) => detail.vector === finding.cvss!.vector)) cvss.unshift(finding.cvss);
  const shape: Record<string, unknown> = {
    awsAccountId: account,
    description: finding.description,
    findingArn: `arn:aws:inspector2:${region}:${account}:finding/${createHash('sha256').update(`${repositoryName}\u0000${digest}\u0000${record.key}`).digest('hex').slice(0, 32)}`,
    firstObservedAt: new Date(record.firstObservedAt),
    lastObservedAt: new Date(record.lastObservedAt),
    updatedAt: new Date(record.updatedAt),
    packageVulnerabilityDetails: {
      cvss: cvss.map((detail) => ({ baseScore: detail.score, scoringVector: detail.vector, source: 'OSV', version: detail.version })),
      referenceUrls: finding.referenceUrls,
      relatedVulnerabilities: finding.relatedVulnerabilities,
      source: 'OSV',
      sourceUrl: `https://osv.dev/vulnerability/${encodeURIComponent(finding.advisoryId)}`,
      ...(finding.published ? { vendorCreatedAt: new Date(finding.published) } : {}),
      vendorSeverity: finding.vendorSeverity ?? finding.severity,
      vendorUpdatedAt: new Date(finding.modified),
      vulnerabilityId: finding.name,
      vulnerablePackages: [vulnerablePackage],
    },
    remediation: {
      recommendation: {
        text: finding.fixedIn ? `Upgrade ${pkg.name} to ${finding.fixedIn} or later.` : `No fixed version of ${pkg.name} is known yet.`,
        url: finding.uri,
      },
    },
    resources: [
      {
        id: `${repositoryArn(region, account, repositoryName)}/${digest}`,
        type: 'AWS_ECR_CONTAINER_IMAGE',
        details: { awsEcrContainerImage: { imageHash: digest, registry: account, repositoryName } },
      },
    ],
    severity: finding.severity,
    status: record.status,
    title: `${finding.name} - ${pkg.name}`,
    type: 'PACKAGE_VULNERABILITY',
    fixAvailable: finding.fixedIn ? 'YES' : 'NO',
  };
  if (finding.cvss) {
    shape.score = finding.cvss.score;
    shape.scoreDetails = { cvss: { score: finding.cvss.score, scoringVector: finding.cvss.vector, scoreSource: 'OSV', version: finding.cvss.version, adjustments: [] } };
  }
  return shape;
}

function imageIdOf(input: Record<string, unknown>): ImageId {
  const id = input.imageId as { imageDigest?: string; imageTag?: string };
  if (id.imageDigest === undefined && id.imageTag === undefined) {
    throw new AwsError('InvalidParameterException', "Invalid parameter at 'imageId': an image digest or an image tag is required");
  }
  return id;
}

export const scanningOperations: Record<string, Operation> = {
  PutRegistryScanningConfiguration: putRegistryScanningConfiguration,
  GetRegistryScanningConfiguration: getRegistryScanningConfiguration,
  BatchGetRepositoryScanningConfiguration: batchGetRepositoryScanningConfiguration,
  StartImageScan: startImageScan,
  DescribeImageScanFindings: describeImageScanFindings,
};
