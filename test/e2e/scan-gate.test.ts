import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, dockerRef, skopeo, toolsAvailable } from '../helpers/images.js';
import { OciClient } from '../helpers/oci-client.js';
import { STOWAGE_MAIN } from '../helpers/process.js';
import { awsCliEnvironment, emptyAwsConfigDir, runCommand } from '../helpers/aws-cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { laterAdvisory, nodeAppLayers, osvAdvisories, pushLayers, writeAdvisoryZip } from '../scanning/osv-fixture.js';

const tools = toolsAvailable('aws', 'skopeo', 'umoci');

/**
 * The CI gate of the project's reference material (seed 004): push an image to a repository
 * that scans on push, wait for the scan, read the CRITICAL count with
 * `aws ecr describe-image-scan-findings --query imageScanFindings.findingSeverityCounts.CRITICAL`
 * and fail the build on CRITICAL findings. The vulnerability database is imported with
 * `stowage vulndb import` as its own process beside the serving registry, the image is
 * built with umoci and pushed with skopeo, the AWS CLI finds the registry through
 * AWS_ENDPOINT_URL_ECR, so the gate script runs as written (the fixed `sleep 30` replaced by
 * the CLI's waiter for the scan).
 */
const GATE_SCRIPT = `
aws ecr wait image-scan-complete --repository-name $ECR_REPOSITORY --image-id imageTag=$IMAGE_TAG
CRITICAL=$(aws ecr describe-image-scan-findings \\
  --repository-name $ECR_REPOSITORY \\
  --image-id imageTag=$IMAGE_TAG \\
  --query 'imageScanFindings.findingSeverityCounts.CRITICAL' \\
  --output text 2>/dev/null || echo "0")
if [ "$CRITICAL" != "0" ] && [ "$CRITICAL" != "None" ]; then
  echo "CRITICAL vulnerabilities found: $CRITICAL"
  exit 1
fi
echo "no CRITICAL vulnerabilities"
`;

function dpkgStatus(opensslVersion: string): string {
  return ['Package: openssl', 'Status: install ok installed', 'Architecture: amd64', `Version: ${opensslVersion}`, ''].join('\n');
}

const DEBIAN_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\nID=debian\n';

describe.skipIf(!tools)('the scan-on-push CI gate with the AWS CLI', () => {
  let server: TestServer;
  let work: string;
  let configDir: string;

  beforeAll(async () => {
    server = await startTestServer({ dialect: 'sqlite' });
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-scan-gate-'));
    configDir = emptyAwsConfigDir();
  });
  afterAll(async () => {
    await server?.close();
    for (const dir of [work, configDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The AWS CLI's environment: the registry found through AWS_ENDPOINT_URL_ECR, as a CI job would set it. */
  const cli = (extra: NodeJS.ProcessEnv = {}) => awsCliEnvironment(configDir, { AWS_ENDPOINT_URL_ECR: server.url, ...extra });
  /** `stowage` beside the server, on its storage. */
  const storage = () => ['--data-dir', server.dataDir, '--database-url', `sqlite:${server.dataDir}/metadata.sqlite`];

  it('imports the database with the CLI, then fails the build on CRITICAL findings and passes a fixed image', async () => {
    const zip = writeAdvisoryZip(path.join(work, 'debian-all.zip'), osvAdvisories());
    const imported = await runCommand(process.execPath, [STOWAGE_MAIN, 'vulndb', 'import', zip, ...storage()]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ read: 8, imported: 7, withdrawn: 1, invalid: 0, database: { updatedAt: '2024-01-13T00:00:00.000Z', advisories: 7 } });
    const status = await runCommand(process.execPath, [STOWAGE_MAIN, 'vulndb', 'status', ...storage()]);
    expect(JSON.parse(status.stdout)).toMatchObject({ updatedAt: '2024-01-13T00:00:00.000Z', advisories: 7 });

    const created = await runCommand('aws', ['ecr', 'create-repository', '--repository-name', 'ci/api', '--image-scanning-configuration', 'scanOnPush=true'], cli());
    expect(created.code, created.stderr).toBe(0);

    const layout = path.join(work, 'layout');
    await buildImage(layout, 'vulnerable', { layers: [{ 'etc/os-release': DEBIAN_RELEASE, 'var/lib/dpkg/status': dpkgStatus('3.0.9-1~deb12u1') }] });
    await buildImage(layout, 'fixed', { layers: [{ 'etc/os-release': DEBIAN_RELEASE, 'var/lib/dpkg/status': dpkgStatus('3.0.11-1~deb12u2') }] });
    for (const [tag, target] of [['vulnerable', 'c0ffee1'], ['fixed', 'c0ffee2']] as const) {
      await skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:${tag}`, dockerRef(server.host, 'ci/api', target)]);
    }

    const failing = await runCommand('bash', ['-c', GATE_SCRIPT], cli({ ECR_REPOSITORY: 'ci/api', IMAGE_TAG: 'c0ffee1' }));
    expect(failing.stdout.trim(), failing.stderr).toBe('CRITICAL vulnerabilities found: 1');
    expect(failing.code).toBe(1);
    const passing = await runCommand('bash', ['-c', GATE_SCRIPT], cli({ ECR_REPOSITORY: 'ci/api', IMAGE_TAG: 'c0ffee2' }));
    expect(passing.stdout.trim(), passing.stderr).toBe('no CRITICAL vulnerabilities');
    expect(passing.code).toBe(0);

    // The SBOM of the pushed image, from the command line beside the server.
    const sbom = await runCommand(process.execPath, [STOWAGE_MAIN, 'sbom', `${server.host}/ci/api:c0ffee1`, '--format', 'spdx', ...storage()]);
    expect(sbom.code, sbom.stderr).toBe(0);
    const document = JSON.parse(sbom.stdout) as { spdxVersion: string; packages: { name: string; versionInfo?: string; externalRefs?: { referenceLocator: string }[] }[] };
    expect(document.spdxVersion).toBe('SPDX-2.3');
    const openssl = document.packages.find((p) => p.name === 'openssl')!;
    expect(openssl.versionInfo).toBe('3.0.9-1~deb12u1');
    expect(openssl.externalRefs?.map((r) => r.referenceLocator)).toEqual(['pkg:deb/debian/openssl@3.0.9-1~deb12u1?arch=amd64&distro=debian-12']);
    const missing = await runCommand(process.execPath, [STOWAGE_MAIN, 'sbom', 'ci/api:absent', ...storage()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/absent/);
  }, 120_000);
  it('rescans continuously when `stowage vulndb import` beside the server brings a new advisory', async () => {
    const rules = JSON.stringify([{ repositoryFilters: [{ filter: 'node', filterType: 'WILDCARD' }], scanFrequency: 'CONTINUOUS_SCAN' }]);
    const configured = await runCommand('aws', ['ecr', 'put-registry-scanning-configuration', '--scan-type', 'ENHANCED', '--rules', rules], cli());
    expect(configured.code, configured.stderr).toBe(0);
    try {
      await pushLayers(new OciClient(server.url), 'ci/node-app', 'v1', nodeAppLayers());
      await server.scanWorker.idle();
      const findings = async () => {
        const described = await runCommand(
          'aws',
          ['ecr', 'describe-image-scan-findings', '--repository-name', 'ci/node-app', '--image-id', 'imageTag=v1', '--query', 'imageScanFindings.enhancedFindings[].packageVulnerabilityDetails.vulnerabilityId', '--output', 'json'],
          cli(),
        );
        expect(described.code, described.stderr).toBe(0);
        return (JSON.parse(described.stdout) as string[]).sort();
      };
      expect(await findings()).toEqual(['CVE-2021-23337']);

      const update = path.join(work, 'update');
      fs.mkdirSync(update);
      fs.writeFileSync(path.join(update, 'minimist.json'), JSON.stringify(laterAdvisory()));
      const imported = await runCommand(process.execPath, [STOWAGE_MAIN, 'vulndb', 'import', update, ...storage()]);
      expect(imported.code, imported.stderr).toBe(0);
      expect(JSON.parse(imported.stdout)).toMatchObject({ imported: 1, rescansQueued: 1 });
      // The serving process finds the queued rescan on its own (its worker looks every few seconds).
      const deadline = Date.now() + 30_000;
      let seen = await findings();
      while (seen.length < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        seen = await findings();
      }
      expect(seen).toEqual(['CVE-2021-23337', 'CVE-2024-0001']);
    } finally {
      await runCommand('aws', ['ecr', 'put-registry-scanning-configuration', '--scan-type', 'BASIC', '--rules', '[]'], cli());
    }
  }, 120_000);
});
