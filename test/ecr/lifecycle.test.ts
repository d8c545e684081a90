import { CreateRepositoryCommand, DeleteLifecyclePolicyCommand, GetLifecyclePolicyCommand, GetLifecyclePolicyPreviewCommand, ListImagesCommand, PutLifecyclePolicyCommand, StartLifecyclePolicyPreviewCommand, type GetLifecyclePolicyPreviewCommandInput, type LifecyclePolicyPreviewResult } from '@aws-sdk/client-ecr';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLifecycle } from '../../src/jobs/lifecycle-run.js';
import { listExpiries, startPreview } from '../../src/storage/meta/lifecycle.js';
import { testDialects } from '../helpers/databases.js';
import { awsErrorOf, useEcrServer } from '../helpers/ecr-client.js';
import { OciClient, sha256 } from '../helpers/oci-client.js';

const DAY = 86_400_000;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** The four-rule policy of the project's reference material (seed 004). */
const SEED_POLICY = JSON.stringify({
  rules: [
    { rulePriority: 1, description: 'untagged after 7 days', selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }, action: { type: 'expire' } },
    { rulePriority: 2, description: 'keep 10 dev', selection: { tagStatus: 'tagged', tagPrefixList: ['dev-'], countType: 'imageCountMoreThan', countNumber: 10 }, action: { type: 'expire' } },
    { rulePriority: 3, description: 'staging after 30 days', selection: { tagStatus: 'tagged', tagPrefixList: ['staging-'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }, action: { type: 'expire' } },
    { rulePriority: 4, description: 'keep 5 releases', selection: { tagStatus: 'tagged', tagPatternList: ['v*'], countType: 'imageCountMoreThan', countNumber: 5 }, action: { type: 'expire' } },
  ],
});

describe.each(testDialects())('ECR lifecycle policies on %s', (dialect) => {
  const env = useEcrServer({ dialect });
  let oci: OciClient;

  beforeAll(() => {
    oci = new OciClient(env.server.url);
  });

  /** Pushes an image with one unique layer under `tag` (or untagged), then dates its push `ageDays` ago. */
  async function pushAged(repository: string, tag: string | undefined, ageDays: number, seed: string): Promise<string> {
    const digest = await pushUntagged(repository, seed);
    if (tag) expect((await oci.pushManifest(repository, tag, manifests.get(digest)!, OCI_MANIFEST)).status).toBe(201);
    const db = env.server.registry.context.database.db;
    await db
      .updateTable('manifests')
      .set({ pushed_at: Date.now() - ageDays * DAY })
      .where('digest', '=', digest)
      .execute();
    return digest;
  }

  const manifests = new Map<string, string>();
  /** Pushes an image with a unique config and layer by digest only. */
  async function pushUntagged(repository: string, seed: string): Promise<string> {
    const config = JSON.stringify({ architecture: 'amd64', os: 'linux', seed });
    const layer = `layer of ${seed}`;
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: await oci.pushBlob(repository, config), size: Buffer.byteLength(config) },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: await oci.pushBlob(repository, layer), size: Buffer.byteLength(layer) }],
    });
    const digest = sha256(body);
    manifests.set(digest, body);
    expect((await oci.pushManifest(repository, digest, body, OCI_MANIFEST)).status).toBe(201);
    return digest;
  }

  /** A repository for the seed policy, and the digests the policy must expire, by hand. */
  async function seedRepository(repository: string): Promise<{ expected: Map<string, number>; kept: string[] }> {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: repository }));
    const expected = new Map<string, number>();
    const kept: string[] = [];
    // Untagged: pushed 3 and 9 days ago; the 9-day one goes (rule 1).
    kept.push(await pushAged(repository, undefined, 3, `${repository} untagged young`));
    expected.set(await pushAged(repository, undefined, 9, `${repository} untagged old`), 1);
    // 12 dev- images, one per day: the two oldest go (rule 2).
    for (let i = 0; i < 12; i++) {
      const digest = await pushAged(repository, `dev-${i}`, 12 - i, `${repository} dev ${i}`);
      if (i < 2) expected.set(digest, 2);
      else kept.push(digest);
    }
    // staging- at 10 and 40 days: the 40-day one goes (rule 3).
    kept.push(await pushAged(repository, 'staging-new', 10, `${repository} staging new`));
    expected.set(await pushAged(repository, 'staging-old', 40, `${repository} staging old`), 3);
    // 7 releases: the two oldest go (rule 4).
    for (let i = 0; i < 7; i++) {
      const digest = await pushAged(repository, `v1.${i}`, 100 - i, `${repository} release ${i}`);
      if (i < 2) expected.set(digest, 4);
      else kept.push(digest);
    }
    // Tagged with nothing any rule selects: never expires.
    kept.push(await pushAged(repository, 'latest', 400, `${repository} latest`));
    return { expected, kept };
  }

  async function completedPreview(input: GetLifecyclePolicyPreviewCommandInput) {
    for (let attempt = 0; attempt < 200; attempt++) {
      const preview = await env.ecr.send(new GetLifecyclePolicyPreviewCommand(input));
      if (preview.status !== 'IN_PROGRESS') return preview;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('the preview did not complete');
  }

  async function allPreviewResults(repositoryName: string, extra: Partial<GetLifecyclePolicyPreviewCommandInput> = {}): Promise<LifecyclePolicyPreviewResult[]> {
    const results: LifecyclePolicyPreviewResult[] = [];
    let nextToken: string | undefined;
    do {
      const page = await completedPreview({ repositoryName, maxResults: 2, nextToken, ...extra });
      results.push(...(page.previewResults ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return results;
  }

  async function imageDigests(repositoryName: string): Promise<Set<string>> {
    const listed = await env.ecr.send(new ListImagesCommand({ repositoryName, maxResults: 1000 }));
    return new Set((listed.imageIds ?? []).map((id) => id.imageDigest!));
  }

  it('puts, gets and deletes a lifecycle policy', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'lifecycle/crud' }));
    expect((await awsErrorOf(env.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lifecycle/crud' })))).name).toBe('LifecyclePolicyNotFoundException');

    const put = await env.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lifecycle/crud', lifecyclePolicyText: SEED_POLICY }));
    expect(put).toMatchObject({ registryId: '000000000000', repositoryName: 'lifecycle/crud', lifecyclePolicyText: SEED_POLICY });
    const got = await env.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lifecycle/crud' }));
    expect(got.lifecyclePolicyText).toBe(SEED_POLICY);
    expect(got.lastEvaluatedAt).toBeUndefined();

    const deleted = await env.ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: 'lifecycle/crud' }));
    expect(deleted.lifecyclePolicyText).toBe(SEED_POLICY);
    expect((await awsErrorOf(env.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lifecycle/crud' })))).name).toBe('LifecyclePolicyNotFoundException');
    expect((await awsErrorOf(env.ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: 'lifecycle/crud' })))).name).toBe('LifecyclePolicyNotFoundException');
  });

  it('refuses an invalid policy with a message that says what is wrong, and keeps the stored one', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'lifecycle/invalid' }));
    await env.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lifecycle/invalid', lifecyclePolicyText: SEED_POLICY }));
    const anyNotLast = JSON.stringify({
      rules: [
        { rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5 }, action: { type: 'expire' } },
        { rulePriority: 2, selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } },
      ],
    });
    const error = await awsErrorOf(env.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lifecycle/invalid', lifecyclePolicyText: anyNotLast })));
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toMatch(/any/);
    expect(error.message).toMatch(/rulePriority/);
    const unitWithCount = SEED_POLICY.replace('"countType":"imageCountMoreThan","countNumber":10', '"countType":"imageCountMoreThan","countUnit":"days","countNumber":10');
    expect(unitWithCount).not.toBe(SEED_POLICY);
    const unitError = await awsErrorOf(env.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lifecycle/invalid', lifecyclePolicyText: unitWithCount })));
    expect(unitError.name).toBe('InvalidParameterException');
    expect(unitError.message).toMatch(/countUnit/);
    expect((await env.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lifecycle/invalid' }))).lifecyclePolicyText).toBe(SEED_POLICY);

    const missing = await awsErrorOf(env.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lifecycle/absent', lifecyclePolicyText: SEED_POLICY })));
    expect(missing.name).toBe('RepositoryNotFoundException');
  });

  it('previews the seed policy: exactly the images it expires, paginated and filtered, changing nothing', async () => {
    const repositoryName = 'lifecycle/preview';
    const { expected } = await seedRepository(repositoryName);
    const before = await imageDigests(repositoryName);
    expect((await awsErrorOf(env.ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName })))).name).toBe('LifecyclePolicyPreviewNotFoundException');
    // Neither a saved policy nor a text: nothing to preview.
    expect((await awsErrorOf(env.ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName })))).name).toBe('LifecyclePolicyNotFoundException');

    const started = await env.ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName, lifecyclePolicyText: SEED_POLICY }));
    expect(started).toMatchObject({ repositoryName, lifecyclePolicyText: SEED_POLICY, status: 'IN_PROGRESS' });
    const complete = await completedPreview({ repositoryName });
    expect(complete.status).toBe('COMPLETE');
    expect(complete.summary?.expiringImageTotalCount).toBe(expected.size);

    const results = await allPreviewResults(repositoryName);
    expect(new Map(results.map((result) => [result.imageDigest!, result.appliedRulePriority!]))).toEqual(expected);
    expect(results.every((result) => result.action?.type === 'EXPIRE' && result.storageClass === 'STANDARD')).toBe(true);
    const pushedAt = results.map((result) => result.imagePushedAt!.getTime());
    expect(pushedAt).toEqual([...pushedAt].sort((a, b) => a - b));
    const untaggedResult = results.find((result) => result.appliedRulePriority === 1)!;
    expect(untaggedResult.imageTags).toEqual([]);

    const tagged = await allPreviewResults(repositoryName, { filter: { tagStatus: 'TAGGED' } });
    expect(tagged.map((result) => result.imageDigest).sort()).toEqual(results.filter((r) => r.imageTags!.length > 0).map((r) => r.imageDigest).sort());
    const untagged = await allPreviewResults(repositoryName, { filter: { tagStatus: 'UNTAGGED' } });
    expect(untagged.map((result) => result.imageDigest)).toEqual([untaggedResult.imageDigest]);
    const byId = await completedPreview({ repositoryName, imageIds: [{ imageTag: 'staging-old' }, { imageTag: 'dev-5' }] });
    expect(byId.previewResults?.map((result) => result.appliedRulePriority)).toEqual([3]);

    // The policy was previewed, not saved, and nothing was deleted.
    expect((await awsErrorOf(env.ecr.send(new GetLifecyclePolicyCommand({ repositoryName })))).name).toBe('LifecyclePolicyNotFoundException');
    expect(await imageDigests(repositoryName)).toEqual(before);
  });

  it('refuses a second preview while one is in progress, and reports one cut short as FAILED', async () => {
    const repositoryName = 'lifecycle/busy';
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName }));
    await env.ecr.send(new PutLifecyclePolicyCommand({ repositoryName, lifecyclePolicyText: SEED_POLICY }));
    const db = env.server.registry.context.database.db;
    const repository = await db.selectFrom('repositories').select('id').where('name', '=', repositoryName).executeTakeFirstOrThrow();
    // A preview under way (in this process or another node sharing the database).
    await startPreview(db, Number(repository.id), SEED_POLICY, Date.now());
    expect((await env.ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName }))).status).toBe('IN_PROGRESS');
    const refused = await awsErrorOf(env.ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName })));
    expect(refused.name).toBe('LifecyclePolicyPreviewInProgressException');

    // Its process stopped before finishing: after ten minutes it is FAILED, and a new one may start.
    await db.updateTable('lifecycle_previews').set({ started_at: Date.now() - 11 * 60_000 }).where('repository_id', '=', repository.id).execute();
    expect((await env.ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName }))).status).toBe('FAILED');
    expect((await env.ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName }))).status).toBe('IN_PROGRESS');
    expect((await completedPreview({ repositoryName })).status).toBe('COMPLETE');
  });

  it('executes exactly what the preview showed, records each expiry and the evaluation time', async () => {
    const repositoryName = 'lifecycle/run';
    const { expected, kept } = await seedRepository(repositoryName);
    await env.ecr.send(new PutLifecyclePolicyCommand({ repositoryName, lifecyclePolicyText: SEED_POLICY }));
    await env.ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName }));
    const previewed = await allPreviewResults(repositoryName);

    const summary = await runLifecycle(env.server.registry, 'command');
    expect(summary).toBeDefined();
    const remaining = await imageDigests(repositoryName);
    expect([...remaining].sort()).toEqual([...kept].sort());
    for (const result of previewed) expect(remaining.has(result.imageDigest!)).toBe(false);

    const expiries = await listExpiries(env.server.registry.context.database.db, { repositoryName, runId: summary!.runId, limit: 1000 });
    expect(new Map(expiries.map((expiry) => [expiry.digest, expiry.rulePriority]))).toEqual(expected);
    expect(new Map(previewed.map((result) => [result.imageDigest!, result.appliedRulePriority!]))).toEqual(expected);
    expect(expiries.find((expiry) => expiry.rulePriority === 3)?.tags).toEqual(['staging-old']);

    const policy = await env.ecr.send(new GetLifecyclePolicyCommand({ repositoryName }));
    expect(policy.lastEvaluatedAt).toBeInstanceOf(Date);
    // A second run finds nothing more to expire.
    const again = await runLifecycle(env.server.registry, 'command');
    const expiredAgain = await listExpiries(env.server.registry.context.database.db, { repositoryName, runId: again!.runId, limit: 1000 });
    expect(expiredAgain).toEqual([]);
  });
});

describe('scheduled lifecycle runs', () => {
  const env = useEcrServer({ config: { lifecycleIntervalSeconds: 1 } });

  it('expires images on the schedule without being asked', async () => {
    const oci = new OciClient(env.server.url);
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'scheduled/app' }));
    for (let i = 0; i < 3; i++) await oci.pushImage('scheduled/app', `build-${i}`, { layers: [`scheduled layer ${i}`] });
    const policy = JSON.stringify({
      rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }],
    });
    await env.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'scheduled/app', lifecyclePolicyText: policy }));
    let tags: (string | undefined)[] = [];
    for (let attempt = 0; attempt < 100; attempt++) {
      const listed = await env.ecr.send(new ListImagesCommand({ repositoryName: 'scheduled/app' }));
      tags = (listed.imageIds ?? []).map((id) => id.imageTag);
      if (tags.length === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(tags).toEqual(['build-2']);
  });
});
