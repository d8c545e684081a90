import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciClient } from '../helpers/oci-client.js';
import { STOWAGE_MAIN } from '../helpers/process.js';
import { awsCliEnvironment, emptyAwsConfigDir, runCommand, type CommandResult } from '../helpers/aws-cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const awsCliAvailable = spawnSync('aws', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * `aws ecr …` against Stowage, as a user would run it with --endpoint-url: the test
 * administrator's key in the environment, and empty config and credentials files so that
 * nothing configured on this machine takes part.
 */
describe.skipIf(!awsCliAvailable)('the AWS CLI against stowage', () => {
  let server: TestServer;
  let configDir: string;
  let oci: OciClient;

  beforeAll(async () => {
    server = await startTestServer({ dialect: 'sqlite' });
    oci = new OciClient(server.url);
    configDir = emptyAwsConfigDir();
  });
  afterAll(async () => {
    await server?.close();
    if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
  });

  /** `aws ecr …` against the server, as the test administrator. */
  function aws(args: string[]): Promise<CommandResult> {
    return runCommand('aws', ['ecr', ...args, '--endpoint-url', server.url, '--output', 'json'], awsCliEnvironment(configDir, { AWS_MAX_ATTEMPTS: '1' }));
  }

  async function awsJson<T = Record<string, any>>(args: string[]): Promise<T> {
    const result = await aws(args);
    if (result.code !== 0) throw new Error(`aws ecr ${args.join(' ')} exited with ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }

  it('creates a repository, makes its tags immutable and sets its policy', async () => {
    const created = await awsJson(['create-repository', '--repository-name', 'cli/app', '--tags', 'Key=team,Value=cli']);
    expect(created.repository).toMatchObject({
      repositoryName: 'cli/app',
      registryId: '000000000000',
      repositoryArn: 'arn:aws:ecr:us-east-1:000000000000:repository/cli/app',
      repositoryUri: `${server.host}/cli/app`,
      imageTagMutability: 'MUTABLE',
    });

    const mutability = await awsJson(['put-image-tag-mutability', '--repository-name', 'cli/app', '--image-tag-mutability', 'IMMUTABLE']);
    expect(mutability).toEqual({ registryId: '000000000000', repositoryName: 'cli/app', imageTagMutability: 'IMMUTABLE' });

    const policyText = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'Pull', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] }],
    });
    const policy = await awsJson(['set-repository-policy', '--repository-name', 'cli/app', '--policy-text', policyText]);
    expect(policy).toEqual({ registryId: '000000000000', repositoryName: 'cli/app', policyText });

    const described = await awsJson(['describe-repositories', '--repository-names', 'cli/app']);
    expect(described.repositories).toHaveLength(1);
    expect(described.repositories[0]).toMatchObject({ repositoryName: 'cli/app', imageTagMutability: 'IMMUTABLE' });

    const refused = await aws(['set-repository-policy', '--repository-name', 'cli/app', '--policy-text', '{"Statement": "nope"}']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('InvalidParameterException');
  });

  it('describes, lists and deletes images pushed over /v2/', async () => {
    const image = await oci.pushImage('cli/app', 'v1', { layers: ['cli layer one', 'cli layer two'] });
    const tagged = await oci.pushManifest('cli/app', 'v2', image.body, 'application/vnd.oci.image.manifest.v1+json');
    expect(tagged.status).toBe(201);
    const other = await oci.pushImage('cli/app', 'other', { layers: ['another'] });

    const described = await awsJson(['describe-images', '--repository-name', 'cli/app', '--image-ids', 'imageTag=v1']);
    expect(described.imageDetails).toHaveLength(1);
    expect(described.imageDetails[0]).toMatchObject({
      registryId: '000000000000',
      repositoryName: 'cli/app',
      imageDigest: image.digest,
      imageTags: ['v1', 'v2'],
      imageSizeInBytes: Buffer.byteLength('cli layer one') + Buffer.byteLength('cli layer two'),
      imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
    });
    // CLI v1 prints timestamps as received (epoch seconds), v2 as ISO 8601.
    const pushedAt = described.imageDetails[0].imagePushedAt as number | string;
    expect(typeof pushedAt === 'number' ? pushedAt > 0 : !Number.isNaN(Date.parse(pushedAt))).toBe(true);

    const missing = await aws(['describe-images', '--repository-name', 'cli/app', '--image-ids', 'imageTag=nope']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('ImageNotFoundException');

    const listed = await awsJson(['list-images', '--repository-name', 'cli/app']);
    const ids = (listed.imageIds as { imageDigest: string; imageTag: string }[]).map((id) => `${id.imageTag}@${id.imageDigest}`).sort();
    expect(ids).toEqual([`other@${other.digest}`, `v1@${image.digest}`, `v2@${image.digest}`]);

    // The CLI pages by itself: a page size of one still yields every image id.
    const paged = await awsJson(['list-images', '--repository-name', 'cli/app', '--page-size', '1']);
    expect(paged.imageIds).toHaveLength(3);

    const deleted = await awsJson(['batch-delete-image', '--repository-name', 'cli/app', '--image-ids', 'imageTag=v1', `imageDigest=${other.digest}`]);
    expect(deleted.failures).toEqual([]);
    expect(deleted.imageIds).toEqual(
      expect.arrayContaining([
        { imageDigest: image.digest, imageTag: 'v1' },
        { imageDigest: other.digest, imageTag: 'other' },
      ]),
    );
    const after = await awsJson(['list-images', '--repository-name', 'cli/app']);
    expect(after.imageIds).toEqual([{ imageDigest: image.digest, imageTag: 'v2' }]);

    const notThere = await awsJson(['batch-delete-image', '--repository-name', 'cli/app', '--image-ids', 'imageTag=v1']);
    expect(notThere.imageIds).toEqual([]);
    expect(notThere.failures).toEqual([{ imageId: { imageTag: 'v1' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' }]);
  });

  it('puts a lifecycle policy, previews it, and `stowage lifecycle run` beside the server expires what the preview showed', async () => {
    await awsJson(['create-repository', '--repository-name', 'cli/lifecycle']);
    const images = [];
    for (let i = 1; i <= 4; i++) images.push(await oci.pushImage('cli/lifecycle', `build-${i}`, { layers: [`lifecycle layer ${i}`] }));
    const policyFile = path.join(configDir, 'lifecycle-policy.json');
    const policyText = JSON.stringify({
      rules: [
        {
          rulePriority: 1,
          description: 'keep the two newest builds',
          selection: { tagStatus: 'tagged', tagPatternList: ['build-*'], countType: 'imageCountMoreThan', countNumber: 2 },
          action: { type: 'expire' },
        },
      ],
    });
    fs.writeFileSync(policyFile, policyText);
    const put = await awsJson(['put-lifecycle-policy', '--repository-name', 'cli/lifecycle', '--lifecycle-policy-text', `file://${policyFile}`]);
    expect(put).toEqual({ registryId: '000000000000', repositoryName: 'cli/lifecycle', lifecyclePolicyText: policyText });

    const started = await awsJson(['start-lifecycle-policy-preview', '--repository-name', 'cli/lifecycle']);
    expect(started.status).toBe('IN_PROGRESS');
    let preview: Record<string, any> = {};
    for (let attempt = 0; attempt < 100; attempt++) {
      preview = await awsJson(['get-lifecycle-policy-preview', '--repository-name', 'cli/lifecycle']);
      if (preview.status !== 'IN_PROGRESS') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(preview.status).toBe('COMPLETE');
    expect(preview.summary).toEqual({ expiringImageTotalCount: 2 });
    // The two oldest builds, oldest first.
    expect(preview.previewResults.map((result: { imageTags: string[] }) => result.imageTags)).toEqual([['build-1'], ['build-2']]);
    expect(preview.previewResults.map((result: { appliedRulePriority: number }) => result.appliedRulePriority)).toEqual([1, 1]);

    // The maintenance command works on the server's storage while the server serves it.
    const lifecycleRun = await runCommand(process.execPath, [STOWAGE_MAIN, 'lifecycle', 'run', '--data-dir', server.dataDir, '--database-url', server.databaseUrl]);
    expect(lifecycleRun.code, lifecycleRun.stderr).toBe(0);
    expect(JSON.parse(lifecycleRun.stdout)).toMatchObject({ repositories: 1, expired: 2, failures: [] });

    const listed = await awsJson(['list-images', '--repository-name', 'cli/lifecycle']);
    expect((listed.imageIds as { imageTag: string }[]).map((id) => id.imageTag).sort()).toEqual(['build-3', 'build-4']);
    const policy = await awsJson(['get-lifecycle-policy', '--repository-name', 'cli/lifecycle']);
    expect(policy.lastEvaluatedAt).toBeDefined();
    expect(images).toHaveLength(4);
  });
});
