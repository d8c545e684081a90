import { BatchDeleteImageCommand, BatchGetImageCommand, CreateRepositoryCommand, DescribeImagesCommand, ListImagesCommand, paginateDescribeImages, paginateListImages, type ImageIdentifier } from '@aws-sdk/client-ecr';
import { beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../helpers/databases.js';
import { awsErrorOf, useEcrServer } from '../helpers/ecr-client.js';
import { OciClient, sha256 } from '../helpers/oci-client.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

/** Sorts image ids so that lists can be compared whatever order the server chose. */
function sortIds(ids: ImageIdentifier[] | undefined): ImageIdentifier[] {
  return [...(ids ?? [])].sort((a, b) => `${a.imageDigest} ${a.imageTag ?? ''}`.localeCompare(`${b.imageDigest} ${b.imageTag ?? ''}`));
}

describe.each(testDialects())('ECR image operations through the AWS SDK on %s', (dialect) => {
  const env = useEcrServer({ dialect });
  let oci: OciClient;

  beforeAll(() => {
    oci = new OciClient(env.server.url);
  });

  /** Pushes a small index over the given image manifests (already in the repository). */
  async function pushIndex(name: string, reference: string, children: { digest: string; body: string }[]): Promise<{ digest: string; body: string }> {
    const index = {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: children.map((child, position) => ({
        mediaType: OCI_MANIFEST,
        digest: child.digest,
        size: Buffer.byteLength(child.body),
        platform: { architecture: position === 0 ? 'amd64' : 'arm64', os: 'linux' },
      })),
    };
    const body = JSON.stringify(index);
    const response = await oci.pushManifest(name, reference, body, OCI_INDEX);
    expect(response.status).toBe(201);
    return { digest: sha256(body), body };
  }

  async function tagAgain(name: string, tag: string, body: string, mediaType = OCI_MANIFEST): Promise<void> {
    const response = await oci.pushManifest(name, tag, body, mediaType);
    expect(response.status).toBe(201);
  }

  it('lists one image id per tag and untagged images by digest, filtered by tag status', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'list/app' }));
    const tagged = await oci.pushImage('list/app', 'v1', { layers: ['tagged layer'] });
    await tagAgain('list/app', 'latest', tagged.body);
    const untagged = await oci.pushImage('list/app', 'will-move', { layers: ['untagged layer'] });
    await tagAgain('list/app', 'will-move', tagged.body); // the first image keeps no tag

    const any = await env.ecr.send(new ListImagesCommand({ repositoryName: 'list/app' }));
    expect(sortIds(any.imageIds)).toEqual(
      sortIds([
        { imageDigest: tagged.digest, imageTag: 'latest' },
        { imageDigest: tagged.digest, imageTag: 'v1' },
        { imageDigest: tagged.digest, imageTag: 'will-move' },
        { imageDigest: untagged.digest },
      ]),
    );
    expect(any.nextToken).toBeUndefined();
    const onlyTagged = await env.ecr.send(new ListImagesCommand({ repositoryName: 'list/app', filter: { tagStatus: 'TAGGED' } }));
    expect(onlyTagged.imageIds!.map((id) => id.imageTag).sort()).toEqual(['latest', 'v1', 'will-move']);
    const onlyUntagged = await env.ecr.send(new ListImagesCommand({ repositoryName: 'list/app', filter: { tagStatus: 'UNTAGGED' } }));
    expect(onlyUntagged.imageIds).toEqual([{ imageDigest: untagged.digest }]);
    const archived = await env.ecr.send(new ListImagesCommand({ repositoryName: 'list/app', filter: { imageStatus: 'ARCHIVED' } }));
    expect(archived.imageIds).toEqual([]);
  });

  it('pages through image ids with maxResults and nextToken, as the SDK paginator does', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'list/paged' }));
    const expected: ImageIdentifier[] = [];
    for (let index = 0; index < 4; index++) {
      const image = await oci.pushImage('list/paged', `t${index}`, { layers: [`paged layer ${index}`] });
      await tagAgain('list/paged', `u${index}`, image.body);
      expected.push({ imageDigest: image.digest, imageTag: `t${index}` }, { imageDigest: image.digest, imageTag: `u${index}` });
    }
    const seen: ImageIdentifier[] = [];
    let pages = 0;
    for await (const page of paginateListImages({ client: env.ecr, pageSize: 3 }, { repositoryName: 'list/paged' })) {
      pages++;
      expect(page.imageIds!.length).toBeLessThanOrEqual(3);
      seen.push(...page.imageIds!);
    }
    expect(pages).toBe(3);
    expect(sortIds(seen)).toEqual(sortIds(expected));
    const badToken = await awsErrorOf(env.ecr.send(new ListImagesCommand({ repositoryName: 'list/paged', nextToken: 'garbage' })));
    expect(badToken.name).toBe('InvalidParameterException');
    const badLimit = await awsErrorOf(env.ecr.send(new ListImagesCommand({ repositoryName: 'list/paged', maxResults: 1001 })));
    expect(badLimit.name).toBe('InvalidParameterException');
  });

  it('refuses to list or describe images of a repository that does not exist', async () => {
    const listed = await awsErrorOf(env.ecr.send(new ListImagesCommand({ repositoryName: 'no/such' })));
    expect(listed.name).toBe('RepositoryNotFoundException');
    expect(listed.message).toBe("The repository with name 'no/such' does not exist in the registry with id '000000000000'");
    const described = await awsErrorOf(env.ecr.send(new DescribeImagesCommand({ repositoryName: 'no/such' })));
    expect(described.name).toBe('RepositoryNotFoundException');
  });

  it('describes images with their tags, stored size, push time, media types and last pull', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'describe/app' }));
    const beforePush = Date.now();
    const image = await oci.pushImage('describe/app', 'v2', { layers: ['first layer bytes', 'second layer'] });
    const afterPush = Date.now();
    await tagAgain('describe/app', 'stable', image.body);
    const artifact = await oci.pushImage('describe/app', 'sbom', { layers: ['{}'], artifactType: 'application/spdx+json' });

    const described = await env.ecr.send(new DescribeImagesCommand({ repositoryName: 'describe/app', imageIds: [{ imageTag: 'stable' }] }));
    expect(described.imageDetails).toHaveLength(1);
    const detail = described.imageDetails![0]!;
    expect(detail).toMatchObject({
      registryId: '000000000000',
      repositoryName: 'describe/app',
      imageDigest: image.digest,
      imageTags: ['stable', 'v2'],
      imageSizeInBytes: Buffer.byteLength('first layer bytes') + Buffer.byteLength('second layer'),
      imageManifestMediaType: OCI_MANIFEST,
      artifactMediaType: 'application/vnd.oci.image.config.v1+json',
    });
    expect(detail.imagePushedAt).toBeInstanceOf(Date);
    expect(detail.imagePushedAt!.getTime()).toBeGreaterThanOrEqual(beforePush);
    expect(detail.imagePushedAt!.getTime()).toBeLessThanOrEqual(afterPush);
    expect(detail.lastRecordedPullTime).toBeUndefined();

    const [artifactDetail] = (await env.ecr.send(new DescribeImagesCommand({ repositoryName: 'describe/app', imageIds: [{ imageDigest: artifact.digest }] }))).imageDetails!;
    expect(artifactDetail!.artifactMediaType).toBe('application/spdx+json');

    // A pull (here through /v2/) is recorded and reported once written.
    expect((await oci.fetch(`/v2/describe/app/manifests/v2`, { headers: { Accept: OCI_MANIFEST } })).status).toBe(200);
    await env.server.registry.pulls.flush();
    const [pulled] = (await env.ecr.send(new DescribeImagesCommand({ repositoryName: 'describe/app', imageIds: [{ imageTag: 'v2' }] }))).imageDetails!;
    expect(pulled!.lastRecordedPullTime).toBeInstanceOf(Date);
    expect(pulled!.lastRecordedPullTime!.getTime()).toBeGreaterThanOrEqual(detail.imagePushedAt!.getTime());

    const all = await env.ecr.send(new DescribeImagesCommand({ repositoryName: 'describe/app' }));
    expect(all.imageDetails!.map((image) => image.imageDigest).sort()).toEqual([image.digest, artifact.digest].sort());
  });

  it('reports untagged images without tags, filters by tag status and pages', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'describe/paged' }));
    const digests: string[] = [];
    for (let index = 0; index < 5; index++) digests.push((await oci.pushImage('describe/paged', `v${index}`, { layers: [`layer ${index}`] })).digest);
    const untagged = await oci.pushImage('describe/paged', 'moving', { layers: ['soon untagged'] });
    await tagAgain('describe/paged', 'moving', (await oci.pushImage('describe/paged', 'other', { layers: ['other'] })).body);

    const [detail] = (await env.ecr.send(new DescribeImagesCommand({ repositoryName: 'describe/paged', filter: { tagStatus: 'UNTAGGED' } }))).imageDetails!;
    expect(detail!.imageDigest).toBe(untagged.digest);
    expect(detail!.imageTags).toBeUndefined();

    const seen: string[] = [];
    for await (const page of paginateDescribeImages({ client: env.ecr, pageSize: 2 }, { repositoryName: 'describe/paged', filter: { tagStatus: 'TAGGED' } })) {
      expect(page.imageDetails!.length).toBeLessThanOrEqual(2);
      seen.push(...page.imageDetails!.map((image) => image.imageDigest!));
    }
    expect(seen).toHaveLength(6);
    expect(seen).toEqual([...seen].sort());
    for (const digest of digests) expect(seen).toContain(digest);
    expect(seen).not.toContain(untagged.digest);
  });

  it('answers ImageNotFoundException, in ECR words, for an image id that names nothing', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'describe/missing' }));
    const image = await oci.pushImage('describe/missing', 'v1');
    const missingTag = await awsErrorOf(env.ecr.send(new DescribeImagesCommand({ repositoryName: 'describe/missing', imageIds: [{ imageTag: 'v1' }, { imageTag: 'nope' }] })));
    expect(missingTag.name).toBe('ImageNotFoundException');
    expect(missingTag.message).toBe(
      "The image with imageId {imageDigest:'null', imageTag:'nope'} does not exist within the repository with name 'describe/missing' in the registry with id '000000000000'",
    );
    const otherDigest = `sha256:${'0'.repeat(64)}`;
    const missingDigest = await awsErrorOf(env.ecr.send(new DescribeImagesCommand({ repositoryName: 'describe/missing', imageIds: [{ imageDigest: otherDigest }] })));
    expect(missingDigest.message).toBe(
      `The image with imageId {imageDigest:'${otherDigest}', imageTag:'null'} does not exist within the repository with name 'describe/missing' in the registry with id '000000000000'`,
    );
    const mismatch = await awsErrorOf(
      env.ecr.send(new DescribeImagesCommand({ repositoryName: 'describe/missing', imageIds: [{ imageTag: 'v1', imageDigest: otherDigest }] })),
    );
    expect(mismatch.name).toBe('ImageNotFoundException');
    const withPaging = await awsErrorOf(
      env.ecr.send(new DescribeImagesCommand({ repositoryName: 'describe/missing', imageIds: [{ imageDigest: image.digest }], maxResults: 10 })),
    );
    expect(withPaging.name).toBe('InvalidParameterException');
  });

  it('gets manifests exactly as stored, by tag, by digest (once per tag) and by both', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'get/app' }));
    const configDigest = await oci.pushBlob('get/app', '{"architecture":"amd64","os":"linux"}');
    const layerDigest = await oci.pushBlob('get/app', 'exact layer');
    // Unusual but valid formatting: what is served must be these bytes, not a re-serialization.
    const body = `{\n  "schemaVersion": 2,\n  "mediaType": "${DOCKER_MANIFEST}",\n  "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": "${configDigest}", "size": 37},\n  "layers": [ {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "digest": "${layerDigest}", "size": 11} ]\n}\n`;
    await tagAgain('get/app', 'one', body, DOCKER_MANIFEST);
    await tagAgain('get/app', 'two', body, DOCKER_MANIFEST);
    const digest = sha256(body);

    const byTag = await env.ecr.send(new BatchGetImageCommand({ repositoryName: 'get/app', imageIds: [{ imageTag: 'one' }] }));
    expect(byTag.failures).toEqual([]);
    expect(byTag.images).toEqual([
      { registryId: '000000000000', repositoryName: 'get/app', imageId: { imageDigest: digest, imageTag: 'one' }, imageManifest: body, imageManifestMediaType: DOCKER_MANIFEST },
    ]);

    const byDigest = await env.ecr.send(new BatchGetImageCommand({ repositoryName: 'get/app', imageIds: [{ imageDigest: digest }] }));
    expect(sortIds(byDigest.images!.map((image) => image.imageId!))).toEqual([
      { imageDigest: digest, imageTag: 'one' },
      { imageDigest: digest, imageTag: 'two' },
    ]);
    for (const image of byDigest.images!) expect(image.imageManifest).toBe(body);

    const both = await env.ecr.send(new BatchGetImageCommand({ repositoryName: 'get/app', imageIds: [{ imageTag: 'two', imageDigest: digest }] }));
    expect(both.images!.map((image) => image.imageId)).toEqual([{ imageDigest: digest, imageTag: 'two' }]);
  });

  it('reports the images it cannot serve as failures, with ECR failure codes', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'get/failures' }));
    const image = await oci.pushImage('get/failures', 'v1');
    const other = `sha256:${'a'.repeat(64)}`;
    const result = await env.ecr.send(
      new BatchGetImageCommand({
        repositoryName: 'get/failures',
        imageIds: [{ imageTag: 'v1' }, { imageTag: 'nope' }, { imageDigest: 'not-a-digest' }, { imageTag: 'v1', imageDigest: other }, {}, { imageDigest: other }],
      }),
    );
    expect(result.images!.map((served) => served.imageId)).toEqual([{ imageDigest: image.digest, imageTag: 'v1' }]);
    expect(result.failures).toEqual([
      { imageId: { imageTag: 'nope' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' },
      {
        imageId: { imageDigest: 'not-a-digest' },
        failureCode: 'InvalidImageDigest',
        failureReason: "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'",
      },
      {
        imageId: { imageTag: 'v1', imageDigest: other },
        failureCode: 'ImageTagDoesNotMatchDigest',
        failureReason: 'Invalid request parameters: given tag does not map to the given digest',
      },
      { imageId: {}, failureCode: 'MissingDigestAndTag', failureReason: 'Invalid request parameters: both tag and digest cannot be null' },
      { imageId: { imageDigest: other }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' },
    ]);

    const refused = await env.ecr.send(new BatchGetImageCommand({ repositoryName: 'get/failures', imageIds: [{ imageTag: 'v1' }], acceptedMediaTypes: [DOCKER_MANIFEST] }));
    expect(refused.images).toEqual([]);
    expect(refused.failures).toMatchObject([{ imageId: { imageTag: 'v1' }, failureCode: 'UnsupportedImageType' }]);
    const accepted = await env.ecr.send(
      new BatchGetImageCommand({ repositoryName: 'get/failures', imageIds: [{ imageTag: 'v1' }], acceptedMediaTypes: [DOCKER_MANIFEST, OCI_MANIFEST] }),
    );
    expect(accepted.images).toHaveLength(1);

    const missingRepository = await awsErrorOf(env.ecr.send(new BatchGetImageCommand({ repositoryName: 'get/none', imageIds: [{ imageTag: 'v1' }] })));
    expect(missingRepository.name).toBe('RepositoryNotFoundException');
  });

  it('records a BatchGetImage as a pull', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'get/pulled' }));
    await oci.pushImage('get/pulled', 'v1');
    await env.server.registry.pulls.flush();
    const before = (await env.ecr.send(new DescribeImagesCommand({ repositoryName: 'get/pulled' }))).imageDetails![0]!;
    expect(before.lastRecordedPullTime).toBeUndefined();
    await env.ecr.send(new BatchGetImageCommand({ repositoryName: 'get/pulled', imageIds: [{ imageTag: 'v1' }] }));
    await env.server.registry.pulls.flush();
    const after = (await env.ecr.send(new DescribeImagesCommand({ repositoryName: 'get/pulled' }))).imageDetails![0]!;
    expect(after.lastRecordedPullTime).toBeInstanceOf(Date);
  });

  it('deletes a tag, an image with its last tag, and an image by digest with all its tags', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'delete/app' }));
    const multi = await oci.pushImage('delete/app', 'a', { layers: ['multi'] });
    await tagAgain('delete/app', 'b', multi.body);
    const single = await oci.pushImage('delete/app', 'only', { layers: ['single'] });
    const byDigest = await oci.pushImage('delete/app', 'x', { layers: ['by digest'] });
    await tagAgain('delete/app', 'y', byDigest.body);

    const tagOnly = await env.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'delete/app', imageIds: [{ imageTag: 'a' }] }));
    expect(tagOnly).toMatchObject({ imageIds: [{ imageDigest: multi.digest, imageTag: 'a' }], failures: [] });
    expect((await oci.fetch(`/v2/delete/app/manifests/${multi.digest}`)).status).toBe(200);
    expect((await oci.fetch('/v2/delete/app/manifests/a')).status).toBe(404);

    const lastTag = await env.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'delete/app', imageIds: [{ imageTag: 'only', imageDigest: single.digest }] }));
    expect(lastTag.imageIds).toEqual([{ imageDigest: single.digest, imageTag: 'only' }]);
    expect((await oci.fetch(`/v2/delete/app/manifests/${single.digest}`)).status).toBe(404);

    const whole = await env.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'delete/app', imageIds: [{ imageDigest: byDigest.digest }, { imageTag: 'y' }] }));
    expect(sortIds(whole.imageIds)).toEqual([
      { imageDigest: byDigest.digest, imageTag: 'x' },
      { imageDigest: byDigest.digest, imageTag: 'y' },
    ]);
    expect(whole.failures).toEqual([]);
    expect((await oci.fetch(`/v2/delete/app/manifests/${byDigest.digest}`)).status).toBe(404);

    const remaining = await env.ecr.send(new ListImagesCommand({ repositoryName: 'delete/app' }));
    expect(remaining.imageIds).toEqual([{ imageDigest: multi.digest, imageTag: 'b' }]);

    const failures = await env.ecr.send(
      new BatchDeleteImageCommand({ repositoryName: 'delete/app', imageIds: [{ imageTag: 'gone' }, { imageTag: 'b', imageDigest: single.digest }] }),
    );
    expect(failures.imageIds).toEqual([]);
    expect(failures.failures!.map((failure) => failure.failureCode)).toEqual(['ImageNotFound', 'ImageTagDoesNotMatchDigest']);
  });

  it('keeps an image an index lists, unless the index goes in the same call', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'delete/index' }));
    const amd = await oci.pushImage('delete/index', 'amd', { layers: ['amd64 layer'] });
    const arm = await oci.pushImage('delete/index', 'arm', { layers: ['arm64 layer'] });
    const index = await pushIndex('delete/index', 'multi', [amd, arm]);

    const refused = await env.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'delete/index', imageIds: [{ imageDigest: amd.digest }] }));
    expect(refused.imageIds).toEqual([]);
    expect(refused.failures).toEqual([
      {
        imageId: { imageDigest: amd.digest },
        failureCode: 'ImageReferencedByManifestList',
        failureReason: `Requested image referenced by manifest list: [${index.digest}]`,
      },
    ]);
    // Its last tag goes, the image stays: the index still needs it.
    const untag = await env.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'delete/index', imageIds: [{ imageTag: 'amd' }] }));
    expect(untag.imageIds).toEqual([{ imageDigest: amd.digest, imageTag: 'amd' }]);
    expect((await oci.fetch(`/v2/delete/index/manifests/${amd.digest}`)).status).toBe(200);

    const together = await env.ecr.send(
      new BatchDeleteImageCommand({ repositoryName: 'delete/index', imageIds: [{ imageDigest: amd.digest }, { imageDigest: index.digest }] }),
    );
    expect(together.failures).toEqual([]);
    expect(sortIds(together.imageIds)).toEqual(sortIds([{ imageDigest: amd.digest }, { imageDigest: index.digest, imageTag: 'multi' }]));
    const left = await env.ecr.send(new ListImagesCommand({ repositoryName: 'delete/index' }));
    expect(left.imageIds).toEqual([{ imageDigest: arm.digest, imageTag: 'arm' }]);
  });
});
