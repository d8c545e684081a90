import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BatchDeleteImageCommand,
  BatchGetRepositoryScanningConfigurationCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeImageScanFindingsCommand,
  GetRegistryScanningConfigurationCommand,
  PutImageScanningConfigurationCommand,
  PutRegistryScanningConfigurationCommand,
  StartImageScanCommand,
  type ImageScanFinding,
} from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { collectGarbage } from '../../src/gc/collect.js';
import { queueRescans } from '../../src/scanning/rescan.js';
import { startScanWorker } from '../../src/scanning/worker.js';
import { importAdvisories } from '../../src/scanning/vulndb/import.js';
import { testDialects } from '../helpers/databases.js';
import { awsErrorOf, useEcrServer } from '../helpers/ecr-client.js';
import { OciClient, sha256 } from '../helpers/oci-client.js';
import {
  alpineLayers,
  debianLayers,
  laterAdvisory,
  nodeAppLayers,
  osvAdvisories,
  polyglotAdvisories,
  polyglotLayers,
  pushLayers,
  writeAdvisoryDirectory,
  writeAdvisoryZip,
} from '../scanning/osv-fixture.js';
import { rpmHeader, sqliteRpmdb } from '../scanning/rpm-fixtures.js';

/** What a finding is, for comparing finding sets exactly. */
function basicKey(finding: ImageScanFinding): string {
  const attribute = (key: string) => finding.attributes?.find((a) => a.key === key)?.value;
  return `${finding.name} ${attribute('package_name')} ${attribute('package_version')} ${finding.severity}`;
}

describe.each(testDialects())('image scanning through the ECR API on %s', (dialect) => {
  const env = useEcrServer({ dialect });
  let oci: OciClient;
  let dir: string;

  beforeAll(async () => {
    oci = new OciClient(env.server.url);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-scan-api-'));
    const imported = await importAdvisories(env.server.registry.context.database, writeAdvisoryZip(path.join(dir, 'all.zip'), osvAdvisories()), { now: () => Date.now() });
    expect(imported.summary).toMatchObject({ read: 8, imported: 7, withdrawn: 1, invalid: 0 });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const scanned = () => env.server.scanWorker.idle();

  it('scans on push: exactly the vulnerable installed packages, by source package, never what a whiteout deleted', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'scan/debian', imageScanningConfiguration: { scanOnPush: true } }));
    const digest = await pushLayers(oci, 'scan/debian', 'v1', debianLayers());
    await scanned();
    const result = await env.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/debian', imageId: { imageTag: 'v1' } }));
    expect(result.imageScanStatus?.status).toBe('COMPLETE');
    expect(result.imageId).toEqual({ imageDigest: digest, imageTag: 'v1' });
    const findings = result.imageScanFindings!;
    expect(findings.findings!.map(basicKey).sort()).toEqual(
      ['CVE-2023-0001 libssl3 3.0.9-1~deb12u1 CRITICAL', 'CVE-2023-0001 openssl 3.0.9-1~deb12u1 CRITICAL', 'CVE-2023-0005 tar 1.34+dfsg-1.2 MEDIUM'].sort(),
    );
    expect(findings.findingSeverityCounts).toEqual({ CRITICAL: 2, MEDIUM: 1 });
    expect(findings.vulnerabilitySourceUpdatedAt).toEqual(new Date('2024-01-13T00:00:00Z'));
    const openssl = findings.findings!.find((f) => f.attributes?.some((a) => a.value === 'openssl'))!;
    expect(openssl.uri).toBe('https://security-tracker.debian.org/tracker/CVE-2023-0001');
    expect(openssl.attributes).toEqual(expect.arrayContaining([{ key: 'CVSS3_SCORE', value: '9.8' }, { key: 'CVSS3_VECTOR', value: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }]));

    // Pages in severity order.
    const first = await env.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/debian', imageId: { imageDigest: digest }, maxResults: 2 }));
    expect(first.imageScanFindings!.findings!.map((f) => f.severity)).toEqual(['CRITICAL', 'CRITICAL']);
    const second = await env.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/debian', imageId: { imageDigest: digest }, maxResults: 2, nextToken: first.nextToken }));
    expect(second.imageScanFindings!.findings!.map((f) => f.severity)).toEqual(['MEDIUM']);
    expect(second.nextToken).toBeUndefined();

    const described = await env.ecr.send(new DescribeImagesCommand({ repositoryName: 'scan/debian' }));
    expect(described.imageDetails![0]).toMatchObject({
      imageScanStatus: { status: 'COMPLETE' },
      imageScanFindingsSummary: { findingSeverityCounts: { CRITICAL: 2, MEDIUM: 1 } },
    });
  });

  it('serves the image\'s SBOM in CycloneDX and SPDX, without what a whiteout deleted', async () => {
    const cyclonedx = await oci.fetch('/v2/scan/debian/_stowage/sbom/v1');
    expect(cyclonedx.status).toBe(200);
    expect(cyclonedx.headers.get('content-type')).toContain('application/vnd.cyclonedx+json');
    const bom = (await cyclonedx.json()) as { bomFormat: string; specVersion: string; components: { name: string; version?: string; purl?: string }[] };
    expect(bom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.5' });
    const libraries = bom.components.filter((c) => c.purl?.startsWith('pkg:deb/')).map((c) => `${c.name} ${c.version}`);
    expect(libraries.sort()).toEqual(['libssl3 3.0.9-1~deb12u1', 'openssl 3.0.9-1~deb12u1', 'tar 1.34+dfsg-1.2', 'zlib1g 1:1.2.13.dfsg-1']);
    expect(bom.components.find((c) => c.name === 'openssl')!.purl).toBe('pkg:deb/debian/openssl@3.0.9-1~deb12u1?arch=amd64&distro=debian-12');

    const spdx = await oci.fetch('/v2/scan/debian/_stowage/sbom/v1?format=spdx');
    expect(spdx.headers.get('content-type')).toContain('application/spdx+json');
    const document = (await spdx.json()) as { spdxVersion: string; packages: { name: string }[] };
    expect(document.spdxVersion).toBe('SPDX-2.3');
    expect(document.packages.map((p) => p.name)).toEqual(expect.arrayContaining(['openssl', 'libssl3', 'tar', 'zlib1g']));
    expect(document.packages.map((p) => p.name)).not.toContain('curl');

    const wrongFormat = await oci.fetch('/v2/scan/debian/_stowage/sbom/v1?format=swid');
    expect(wrongFormat.status).toBe(400);
    expect((await oci.fetch('/v2/scan/debian/_stowage/sbom/nope')).status).toBe(404);
  });

  it('reports attestations dressed as images unsupported, and does not scan artifacts on push', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'scan/attested', imageScanningConfiguration: { scanOnPush: true } }));
    const statement = JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', predicateType: 'https://slsa.dev/provenance/v1' });
    const config = JSON.stringify({ architecture: 'unknown', os: 'unknown', rootfs: { type: 'layers', diff_ids: [] } });
    await oci.pushBlob('scan/attested', statement);
    await oci.pushBlob('scan/attested', config);
    const attestation = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.in-toto+json', digest: sha256(statement), size: statement.length }],
    });
    expect((await oci.pushManifest('scan/attested', 'attestation', attestation, 'application/vnd.oci.image.manifest.v1+json')).status).toBe(201);
    const artifact = await pushLayers(oci, 'scan/attested', 'sbom', debianLayers(), 'application/vnd.example.sbom.v1+json');
    await scanned();
    const result = await env.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/attested', imageId: { imageTag: 'attestation' } }));
    expect(result.imageScanStatus).toEqual({ status: 'UNSUPPORTED_IMAGE', description: 'Layers of media type application/vnd.in-toto+json are not filesystem layers.' });
    const notScanned = await awsErrorOf(env.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/attested', imageId: { imageDigest: artifact } })));
    expect(notScanned.name).toBe('ScanNotFoundException');
  });

  it('scans Alpine images by apk version order', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'scan/alpine', imageScanningConfiguration: { scanOnPush: true } }));
    await pushLayers(oci, 'scan/alpine', 'v1', alpineLayers());
    await scanned();
    const result = await env.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/alpine', imageId: { imageTag: 'v1' } }));
    expect(result.imageScanFindings!.findings!.map(basicKey)).toEqual(['CVE-2023-0007 busybox 1.36.1-r15 CRITICAL']);
  });

  it('scans manually once a day, refuses indexes, reports artifacts and unknown distributions as unsupported', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'scan/manual' }));
    const digest = await pushLayers(oci, 'scan/manual', 'v1', debianLayers());
    await scanned();
    const before = await awsErrorOf(env.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/manual', imageId: { imageTag: 'v1' } })));
    expect(before.name).toBe('ScanNotFoundException');

    const started = await env.ecr.send(new StartImageScanCommand({ repositoryName: 'scan/manual', imageId: { imageTag: 'v1' } }));
    expect(started).toMatchObject({ imageId: { imageDigest: digest, imageTag: 'v1' }, imageScanStatus: { status: 'IN_PROGRESS' } });
    await scanned();
    const result = await env.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/manual', imageId: { imageTag: 'v1' } }));
    expect(result.imageScanFindings!.findingSeverityCounts).toEqual({ CRITICAL: 2, MEDIUM: 1 });
    const again = await awsErrorOf(env.ecr.send(new StartImageScanCommand({ repositoryName: 'scan/manual', imageId: { imageDigest: digest } })));
    expect(again.name).toBe('LimitExceededException');

    const child = await oci.fetch(`/v2/scan/manual/manifests/${digest}`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const size = (await child.arrayBuffer()).byteLength;
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size, platform: { architecture: 'amd64', os: 'linux' } }],
    });
    expect((await oci.pushManifest('scan/manual', 'multi', index, 'application/vnd.oci.image.index.v1+json')).status).toBe(201);
    const refused = await awsErrorOf(env.ecr.send(new StartImageScanCommand({ repositoryName: 'scan/manual', imageId: { imageTag: 'multi' } })));
    expect(refused.name).toBe('UnsupportedImageTypeException');

    await pushLayers(oci, 'scan/manual', 'artifact', debianLayers(), 'application/vnd.example.sbom.v1+json');
    await env.ecr.send(new StartImageScanCommand({ repositoryName: 'scan/manual', imageId: { imageTag: 'artifact' } }));
    await pushLayers(oci, 'scan/manual', 'scratch', [[{ name: 'bin/app', content: 'binary' }]]);
    await env.ecr.send(new StartImageScanCommand({ repositoryName: 'scan/manual', imageId: { imageTag: 'scratch' } }));
    await scanned();
    for (const tag of ['artifact', 'scratch']) {
      const unsupported = await env.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'scan/manual', imageId: { imageTag: tag } }));
      expect(unsupported.imageScanStatus?.status, tag).toBe('UNSUPPORTED_IMAGE');
      expect(unsupported.imageScanFindings).toBeUndefined();
    }
    const missing = await awsErrorOf(env.ecr.send(new StartImageScanCommand({ repositoryName: 'scan/manual', imageId: { imageTag: 'nope' } })));
    expect(missing.name).toBe('ImageNotFoundException');
  });

  it('lets one of two simultaneous manual scans of an image through', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'scan/race' }));
    await pushLayers(oci, 'scan/race', 'v1', alpineLayers());
    const calls = await Promise.allSettled([0, 1].map(() => env.ecr.send(new StartImageScanCommand({ repositoryName: 'scan/race', imageId: { imageTag: 'v1' } }))));
    expect(calls.filter((call) => call.status === 'fulfilled')).toHaveLength(1);
    const refused = calls.find((call): call is PromiseRejectedResult => call.status === 'rejected')!;
    expect((refused.reason as Error).name).toBe('LimitExceededException');
    await scanned();
  });

  it('stores the registry scanning configuration and says what applies to each repository', async () => {
    expect((await env.ecr.send(new GetRegistryScanningConfigurationCommand({}))).scanningConfiguration).toEqual({ scanType: 'BASIC', rules: [] });
    const invalid = await awsErrorOf(
      env.ecr.send(new PutRegistryScanningConfigurationCommand({ scanType: 'BASIC', rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }] })),
    );
    expect(invalid.name).toBe('ValidationException');
    const rules = [{ scanFrequency: 'SCAN_ON_PUSH' as const, repositoryFilters: [{ filter: 'team-*', filterType: 'WILDCARD' as const }] }];
    const put = await env.ecr.send(new PutRegistryScanningConfigurationCommand({ scanType: 'BASIC', rules }));
    expect(put.registryScanningConfiguration).toEqual({ scanType: 'BASIC', rules });
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'team-a/app' }));
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'other/app' }));
    await env.ecr.send(new PutImageScanningConfigurationCommand({ repositoryName: 'other/app', imageScanningConfiguration: { scanOnPush: false } }));
    const batch = await env.ecr.send(new BatchGetRepositoryScanningConfigurationCommand({ repositoryNames: ['team-a/app', 'other/app', 'absent/app'] }));
    expect(batch.scanningConfigurations).toEqual([
      { repositoryArn: 'arn:aws:ecr:us-east-1:000000000000:repository/team-a/app', repositoryName: 'team-a/app', scanOnPush: true, scanFrequency: 'SCAN_ON_PUSH', appliedScanFilters: rules[0]!.repositoryFilters },
      { repositoryArn: 'arn:aws:ecr:us-east-1:000000000000:repository/other/app', repositoryName: 'other/app', scanOnPush: false, scanFrequency: 'MANUAL', appliedScanFilters: [] },
    ]);
    expect(batch.failures).toEqual([{ repositoryName: 'absent/app', failureCode: 'REPOSITORY_NOT_FOUND', failureReason: 'REPOSITORY_NOT_FOUND' }]);

    // The rule makes pushes to team-a/app scanned.
    await pushLayers(oci, 'team-a/app', 'v1', alpineLayers());
    await scanned();
    const result = await env.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'team-a/app', imageId: { imageTag: 'v1' } }));
    expect(result.imageScanStatus?.status).toBe('COMPLETE');
    await env.ecr.send(new PutRegistryScanningConfigurationCommand({ scanType: 'BASIC', rules: [] }));
  });

  it('enhanced scanning on push finds exactly the vulnerable OS and language packages of a polyglot image', async () => {
    await importAdvisories(env.server.registry.context.database, writeAdvisoryDirectory(path.join(dir, 'polyglot'), polyglotAdvisories()), { now: () => Date.now() });
    await env.ecr.send(
      new PutRegistryScanningConfigurationCommand({ scanType: 'ENHANCED', rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: 'polyglot/*', filterType: 'WILDCARD' }] }] }),
    );
    try {
      await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'polyglot/app' }));
      const rpmdb = sqliteRpmdb([
        rpmHeader({ name: 'openssl-libs', version: '3.0.7', release: '6.el9', epoch: 1, arch: 'x86_64', sourceRpm: 'openssl-3.0.7-6.el9.src.rpm' }),
        rpmHeader({ name: 'bash', version: '5.1.8', release: '9.el9', arch: 'x86_64', sourceRpm: 'bash-5.1.8-9.el9.src.rpm' }),
      ]);
      await pushLayers(oci, 'polyglot/app', 'v1', polyglotLayers(rpmdb));
      await scanned();
      const result = await env.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'polyglot/app', imageId: { imageTag: 'v1' } }));
      expect(result.imageScanStatus?.status).toBe('COMPLETE');
      const found = result.imageScanFindings!.enhancedFindings!.map((f) => {
        const pkg = f.packageVulnerabilityDetails!.vulnerablePackages![0]!;
        return `${f.packageVulnerabilityDetails!.vulnerabilityId} ${pkg.packageManager} ${pkg.name} ${pkg.version} ${pkg.filePath} -> ${pkg.fixedInVersion} ${f.severity}`;
      });
      expect(found.sort()).toEqual(
        [
          'CVE-2020-28493 PYTHONPKG Jinja2 2.11.2 /usr/lib/python3.11/site-packages/Jinja2-2.11.2.dist-info/METADATA -> 2.11.3 MEDIUM',
          'CVE-2023-39325 GOBINARY golang.org/x/net v0.15.0 /usr/local/bin/api -> 0.17.0 HIGH',
          'CVE-2023-45283 GOBINARY stdlib 1.21.0 /usr/local/bin/api -> 1.21.4 CRITICAL',
          'CVE-2021-44228 JAR org.apache.logging.log4j:log4j-core 2.14.1 /opt/app/lib/log4j-core-2.14.1.jar -> 2.15.0 CRITICAL',
          'CVE-2023-0286 OS openssl-libs 1:3.0.7-6.el9 /var/lib/rpm/rpmdb.sqlite -> 1:3.0.7-6.el9_2 CRITICAL',
        ].sort(),
      );
      expect(result.imageScanFindings!.findingSeverityCounts).toEqual({ CRITICAL: 3, HIGH: 1, MEDIUM: 1 });
    } finally {
      await env.ecr.send(new PutRegistryScanningConfigurationCommand({ scanType: 'BASIC', rules: [] }));
    }
  });

  it('enhanced scanning finds language packages, refuses manual scans, and rescans continuously when the database changes', async () => {
    await env.ecr.send(
      new PutRegistryScanningConfigurationCommand({ scanType: 'ENHANCED', rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: 'enhanced/*', filterType: 'WILDCARD' }] }] }),
    );
    try {
      await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'enhanced/node' }));
      const digest = await pushLayers(oci, 'enhanced/node', 'v1', nodeAppLayers());
      await scanned();
      const manual = await awsErrorOf(env.ecr.send(new StartImageScanCommand({ repositoryName: 'enhanced/node', imageId: { imageTag: 'v1' } })));
      expect(manual.name).toBe('ValidationException');

      const first = await env.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'enhanced/node', imageId: { imageTag: 'v1' } }));
      expect(first.imageScanStatus).toEqual({ status: 'ACTIVE', description: 'Continuous scan is selected for image.' });
      const enhanced = first.imageScanFindings!.enhancedFindings!;
      expect(enhanced.map((f) => `${f.packageVulnerabilityDetails!.vulnerabilityId} ${f.packageVulnerabilityDetails!.vulnerablePackages![0]!.name}`)).toEqual(['CVE-2021-23337 lodash']);
      expect(enhanced[0]).toMatchObject({
        awsAccountId: '000000000000',
        severity: 'HIGH',
        status: 'ACTIVE',
        type: 'PACKAGE_VULNERABILITY',
        fixAvailable: 'YES',
        packageVulnerabilityDetails: {
          vulnerablePackages: [{ name: 'lodash', version: '4.17.20', fixedInVersion: '4.17.21', packageManager: 'NODEPKG', filePath: '/app/package-lock.json' }],
          relatedVulnerabilities: ['CVE-2021-23337'],
          source: 'OSV',
        },
        resources: [{ type: 'AWS_ECR_CONTAINER_IMAGE', details: { awsEcrContainerImage: { imageHash: digest, repositoryName: 'enhanced/node' } } }],
      });
      expect(first.imageScanFindings!.findingSeverityCounts).toEqual({ HIGH: 1 });
      const firstObserved = enhanced[0]!.firstObservedAt!;

      // A newer database: minimist becomes vulnerable, the lodash advisory is withdrawn.
      const lodash = osvAdvisories().find((a) => a.id === 'GHSA-aaaa-bbbb-cccc')!;
      const update = writeAdvisoryDirectory(path.join(dir, 'update'), [laterAdvisory(), { ...lodash, modified: '2024-03-02T00:00:00Z', withdrawn: '2024-03-02T00:00:00Z' }]);
      const imported = await importAdvisories(env.server.registry.context.database, update, { now: () => Date.now() });
      expect(imported.summary).toMatchObject({ imported: 1, withdrawn: 1 });
      expect(await queueRescans(env.server.registry.context, imported.changed)).toBe(1);
      // While the rescan waits, the image shows its last result, as ECR's monitored images do.
      const waiting = await env.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'enhanced/node', imageId: { imageTag: 'v1' } }));
      expect(waiting.imageScanStatus?.status).toBe('ACTIVE');
      expect(waiting.imageScanFindings!.findingSeverityCounts).toEqual({ HIGH: 1 });
      // Rescans queued by another process (`stowage vulndb import`) are found by the worker's poll; here it is woken at once.
      env.server.registry.scans.notify();
      await scanned();
      const second = await env.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'enhanced/node', imageId: { imageTag: 'v1' } }));
      const now = second.imageScanFindings!.enhancedFindings!;
      expect(now.map((f) => f.packageVulnerabilityDetails!.vulnerabilityId)).toEqual(['CVE-2024-0001']);
      expect(now[0]!.firstObservedAt!.getTime()).toBeGreaterThanOrEqual(firstObserved.getTime());
      expect(now[0]!.severity).toBe('CRITICAL');
      expect(second.imageScanFindings!.findingSeverityCounts).toEqual({ CRITICAL: 1 });
      expect(second.imageScanFindings!.vulnerabilitySourceUpdatedAt).toEqual(new Date('2024-03-02T00:00:00Z'));
    } finally {
      await env.ecr.send(new PutRegistryScanningConfigurationCommand({ scanType: 'BASIC', rules: [] }));
    }
  });
});

describe.each(testDialects())('scan data of deleted images on %s', (dialect) => {
  const env = useEcrServer({ dialect });

  it('goes with the image; the inventory, shared by digest, goes with the last scan of it', async () => {
    const oci = new OciClient(env.server.url);
    const db = env.server.registry.context.database.db;
    const digests: string[] = [];
    for (const name of ['first/app', 'second/app']) {
      await env.ecr.send(new CreateRepositoryCommand({ repositoryName: name, imageScanningConfiguration: { scanOnPush: true } }));
      digests.push(await pushLayers(oci, name, 'v1', alpineLayers()));
    }
    await env.server.scanWorker.idle();
    expect(digests[0]).toBe(digests[1]);
    const digest = digests[0]!;
    const rows = async () => ({
      scans: (await db.selectFrom('image_scans').select('manifest_digest').where('manifest_digest', '=', digest).execute()).length,
      inventories: (await db.selectFrom('image_inventories').select('manifest_digest').where('manifest_digest', '=', digest).execute()).length,
    });
    expect(await rows()).toEqual({ scans: 2, inventories: 1 });

    await env.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'first/app', imageIds: [{ imageTag: 'v1' }] }));
    const gone = await awsErrorOf(env.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'first/app', imageId: { imageDigest: digest } })));
    expect(gone.name).toBe('ImageNotFoundException');
    const collect = () => collectGarbage(env.server.registry.context, env.server.registry.uploads, { gracePeriodMs: 0, dryRun: false });
    expect((await collect()).inventoriesRemoved).toBe(0);
    expect(await rows()).toEqual({ scans: 1, inventories: 1 });

    await env.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'second/app', imageIds: [{ imageTag: 'v1' }] }));
    expect((await collect()).inventoriesRemoved).toBe(1);
    expect(await rows()).toEqual({ scans: 0, inventories: 0 });
  });
});

describe('scan on push', () => {
  const env = useEcrServer({ dialect: 'sqlite' });

  it('is queued durably with the push and runs after its answer, by whichever worker is running', async () => {
    // No worker runs: the push is answered, its scan waits.
    await env.server.scanWorker.stop();
    const oci = new OciClient(env.server.url);
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'queued/app', imageScanningConfiguration: { scanOnPush: true } }));
    const digest = await pushLayers(oci, 'queued/app', 'v1', alpineLayers());
    const waiting = await env.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'queued/app', imageId: { imageDigest: digest } }));
    expect(waiting.imageScanStatus?.status).toBe('IN_PROGRESS');
    expect(waiting.imageScanFindings).toBeUndefined();
    // A worker started later (as after a restart) takes it.
    const worker = startScanWorker(env.server.registry, pino({ level: 'silent' }));
    try {
      await worker.idle();
    } finally {
      await worker.stop();
    }
    // No database was imported on this server: findings are unavailable, not "none".
    const done = await env.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'queued/app', imageId: { imageDigest: digest } }));
    expect(done.imageScanStatus?.status).toBe('FINDINGS_UNAVAILABLE');
    expect(done.imageScanFindings).toBeUndefined();

    // Once one is, a manual scan may run at once (the unavailable one does not count toward the daily scan).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-queued-'));
    try {
      await importAdvisories(env.server.registry.context.database, writeAdvisoryZip(path.join(dir, 'all.zip'), osvAdvisories()), { now: () => Date.now() });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    await env.ecr.send(new StartImageScanCommand({ repositoryName: 'queued/app', imageId: { imageDigest: digest } }));
    const again = startScanWorker(env.server.registry, pino({ level: 'silent' }));
    try {
      await again.idle();
    } finally {
      await again.stop();
    }
    const rescanned = await env.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: 'queued/app', imageId: { imageDigest: digest } }));
    expect(rescanned.imageScanStatus?.status).toBe('COMPLETE');
    expect(rescanned.imageScanFindings!.findingSeverityCounts).toEqual({ CRITICAL: 1 });
  });
});
