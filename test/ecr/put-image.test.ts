import { BatchGetImageCommand, CreateRepositoryCommand, DescribeImagesCommand, PutImageCommand, PutImageTagMutabilityCommand } from '@aws-sdk/client-ecr';
import { beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../helpers/databases.js';
import { awsErrorOf, useEcrServer } from '../helpers/ecr-client.js';
import { errorCode, OciClient, sha256 } from '../helpers/oci-client.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

describe.each(testDialects())('PutImage and tag immutability on %s', (dialect) => {
  const env = useEcrServer({ dialect });
  let oci: OciClient;

  beforeAll(() => {
    oci = new OciClient(env.server.url);
  });

  /** Uploads a config and one layer and returns the text of an OCI manifest over them (not pushed). */
  async function manifestOver(name: string, layer: string): Promise<string> {
    const config = JSON.stringify({ architecture: 'amd64', os: 'linux', layer });
    const configDigest = await oci.pushBlob(name, config);
    const layerDigest = await oci.pushBlob(name, layer);
    return JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: Buffer.byteLength(config) },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: Buffer.byteLength(layer) }],
    });
  }

  it('stores a manifest under a tag, served on /v2/ byte for byte', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'put/app' }));
    const manifest = await manifestOver('put/app', 'put layer');
    const put = await env.ecr.send(new PutImageCommand({ repositoryName: 'put/app', imageManifest: manifest, imageTag: 'v1' }));
    expect(put.image).toEqual({
      registryId: '000000000000',
      repositoryName: 'put/app',
      imageId: { imageDigest: sha256(manifest), imageTag: 'v1' },
      imageManifest: manifest,
      imageManifestMediaType: OCI_MANIFEST,
    });
    const served = await oci.fetch('/v2/put/app/manifests/v1', { headers: { Accept: OCI_MANIFEST } });
    expect(served.status).toBe(200);
    expect(served.headers.get('docker-content-digest')).toBe(sha256(manifest));
    expect(await served.text()).toBe(manifest);

    // Another tag for the same manifest is a change; the same tag again is not.
    await env.ecr.send(new PutImageCommand({ repositoryName: 'put/app', imageManifest: manifest, imageTag: 'v1.0', imageManifestMediaType: OCI_MANIFEST }));
    const again = await awsErrorOf(env.ecr.send(new PutImageCommand({ repositoryName: 'put/app', imageManifest: manifest, imageTag: 'v1' })));
    expect(again.name).toBe('ImageAlreadyExistsException');
    expect(again.message).toBe(
      `Image with digest '${sha256(manifest)}' and tag 'v1' already exists in the repository with name 'put/app' in registry with id '000000000000'`,
    );
    const [detail] = (await env.ecr.send(new DescribeImagesCommand({ repositoryName: 'put/app' }))).imageDetails!;
    expect(detail!.imageTags).toEqual(['v1', 'v1.0']);
  });

  it('stores an untagged manifest by digest, and checks a given digest', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'put/digest' }));
    const manifest = await manifestOver('put/digest', 'digest layer');
    const digest = sha256(manifest);
    const put = await env.ecr.send(new PutImageCommand({ repositoryName: 'put/digest', imageManifest: manifest, imageDigest: digest }));
    expect(put.image!.imageId).toEqual({ imageDigest: digest });
    expect((await oci.fetch(`/v2/put/digest/manifests/${digest}`)).status).toBe(200);
    const repeated = await awsErrorOf(env.ecr.send(new PutImageCommand({ repositoryName: 'put/digest', imageManifest: manifest })));
    expect(repeated.name).toBe('ImageAlreadyExistsException');

    const wrong = `sha256:${'b'.repeat(64)}`;
    const mismatchByDigest = await awsErrorOf(env.ecr.send(new PutImageCommand({ repositoryName: 'put/digest', imageManifest: manifest, imageDigest: wrong })));
    expect(mismatchByDigest.name).toBe('ImageDigestDoesNotMatchException');
    const mismatchWithTag = await awsErrorOf(
      env.ecr.send(new PutImageCommand({ repositoryName: 'put/digest', imageManifest: manifest, imageDigest: wrong, imageTag: 'v9' })),
    );
    expect(mismatchWithTag.name).toBe('ImageDigestDoesNotMatchException');
    expect((await oci.fetch('/v2/put/digest/manifests/v9')).status).toBe(404);
    const tagged = await env.ecr.send(new PutImageCommand({ repositoryName: 'put/digest', imageManifest: manifest, imageDigest: digest, imageTag: 'v9' }));
    expect(tagged.image!.imageId).toEqual({ imageDigest: digest, imageTag: 'v9' });
  });

  it('refuses manifests whose layers or child images are missing, and malformed ones', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'put/refused' }));
    const missingLayer = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'c'.repeat(64)}`, size: 10 },
      layers: [],
    });
    const layers = await awsErrorOf(env.ecr.send(new PutImageCommand({ repositoryName: 'put/refused', imageManifest: missingLayer, imageTag: 'v1' })));
    expect(layers.name).toBe('LayersNotFoundException');
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [{ mediaType: OCI_MANIFEST, digest: `sha256:${'d'.repeat(64)}`, size: 100 }],
    });
    const children = await awsErrorOf(env.ecr.send(new PutImageCommand({ repositoryName: 'put/refused', imageManifest: index, imageTag: 'multi' })));
    expect(children.name).toBe('ReferencedImagesNotFoundException');
    const malformed = await awsErrorOf(env.ecr.send(new PutImageCommand({ repositoryName: 'put/refused', imageManifest: '{"schemaVersion": 2', imageTag: 'v1' })));
    expect(malformed.name).toBe('InvalidParameterException');
    const manifest = await manifestOver('put/refused', 'typed layer');
    const wrongType = await awsErrorOf(
      env.ecr.send(new PutImageCommand({ repositoryName: 'put/refused', imageManifest: manifest, imageManifestMediaType: OCI_INDEX, imageTag: 'v1' })),
    );
    expect(wrongType.name).toBe('InvalidParameterException');
    const described = await env.ecr.send(new DescribeImagesCommand({ repositoryName: 'put/refused' }));
    expect(described.imageDetails).toEqual([]);
  });

  it('never creates a repository, even on a server whose /v2/ pushes do', async () => {
    const manifest = await manifestOver('pushed/first', 'layer of a repository created by a push');
    const missing = await awsErrorOf(env.ecr.send(new PutImageCommand({ repositoryName: 'absent/app', imageManifest: manifest, imageTag: 'v1' })));
    expect(missing.name).toBe('RepositoryNotFoundException');
    expect(missing.message).toBe("The repository with name 'absent/app' does not exist in the registry with id '000000000000'");
    expect((await oci.fetch('/v2/absent/app/tags/list')).status).toBe(404);
  });

  it('never moves an immutable tag, through PutImage or /v2/, but accepts the same manifest again on /v2/', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'immutable/app', imageTagMutability: 'IMMUTABLE' }));
    const first = await manifestOver('immutable/app', 'first');
    const second = await manifestOver('immutable/app', 'second');
    await env.ecr.send(new PutImageCommand({ repositoryName: 'immutable/app', imageManifest: first, imageTag: 'v1' }));

    const moved = await awsErrorOf(env.ecr.send(new PutImageCommand({ repositoryName: 'immutable/app', imageManifest: second, imageTag: 'v1' })));
    expect(moved.name).toBe('ImageTagAlreadyExistsException');
    expect(moved.message).toBe("The image tag 'v1' already exists in the 'immutable/app' repository and cannot be overwritten because the tag is immutable.");
    const same = await awsErrorOf(env.ecr.send(new PutImageCommand({ repositoryName: 'immutable/app', imageManifest: first, imageTag: 'v1' })));
    expect(same.name).toBe('ImageAlreadyExistsException');

    const overwrite = await oci.pushManifest('immutable/app', 'v1', second, OCI_MANIFEST);
    expect(overwrite.status).toBe(400);
    expect(await errorCode(overwrite)).toBe('MANIFEST_INVALID');
    expect((await oci.pushManifest('immutable/app', 'v1', first, OCI_MANIFEST)).status).toBe(201);
    expect((await oci.pushManifest('immutable/app', 'v2', second, OCI_MANIFEST)).status).toBe(201);

    const [image] = (await env.ecr.send(new BatchGetImageCommand({ repositoryName: 'immutable/app', imageIds: [{ imageTag: 'v1' }] }))).images!;
    expect(image!.imageManifest).toBe(first);
  });

  it('lets exactly one of two concurrent pushes create an immutable tag', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'immutable/race', imageTagMutability: 'IMMUTABLE' }));
    const first = await manifestOver('immutable/race', 'racer one');
    const second = await manifestOver('immutable/race', 'racer two');
    for (let round = 0; round < 5; round++) {
      const tag = `race-${round}`;
      const [a, b] = await Promise.all([
        oci.pushManifest('immutable/race', tag, first, OCI_MANIFEST),
        oci.pushManifest('immutable/race', tag, second, OCI_MANIFEST),
      ]);
      expect([a.status, b.status].sort()).toEqual([201, 400]);
      const winner = a.status === 201 ? first : second;
      const served = await oci.fetch(`/v2/immutable/race/manifests/${tag}`, { headers: { Accept: OCI_MANIFEST } });
      expect(await served.text()).toBe(winner);
    }
  });

  it('applies exclusion filters: matching tags follow the opposite rule', async () => {
    await env.ecr.send(
      new CreateRepositoryCommand({
        repositoryName: 'immutable/filters',
        imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest*' }],
      }),
    );
    const first = await manifestOver('immutable/filters', 'one');
    const second = await manifestOver('immutable/filters', 'two');
    for (const tag of ['latest', 'latest-dev', 'release']) expect((await oci.pushManifest('immutable/filters', tag, first, OCI_MANIFEST)).status).toBe(201);
    expect((await oci.pushManifest('immutable/filters', 'latest', second, OCI_MANIFEST)).status).toBe(201);
    expect((await oci.pushManifest('immutable/filters', 'latest-dev', second, OCI_MANIFEST)).status).toBe(201);
    expect((await oci.pushManifest('immutable/filters', 'release', second, OCI_MANIFEST)).status).toBe(400);

    // Turning immutability off later frees the tags again.
    await env.ecr.send(new PutImageTagMutabilityCommand({ repositoryName: 'immutable/filters', imageTagMutability: 'MUTABLE' }));
    expect((await oci.pushManifest('immutable/filters', 'release', second, OCI_MANIFEST)).status).toBe(201);
  });
});
