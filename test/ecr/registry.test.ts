import { CreateRepositoryCommand, DescribeRegistryCommand, GetAccountSettingCommand, ListImageReferrersCommand, PutAccountSettingCommand } from '@aws-sdk/client-ecr';
import { beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../helpers/databases.js';
import { awsErrorOf, useEcrServer } from '../helpers/ecr-client.js';
import { OciClient, sha256 } from '../helpers/oci-client.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

describe.each(testDialects())('ECR registry operations, account settings and referrers on %s', (dialect) => {
  const env = useEcrServer({ dialect });
  let oci: OciClient;

  beforeAll(() => {
    oci = new OciClient(env.server.url);
  });

  it('describes the registry: its id and no replication rules', async () => {
    const described = await env.ecr.send(new DescribeRegistryCommand({}));
    expect(described.registryId).toBe('000000000000');
    expect(described.replicationConfiguration).toEqual({ rules: [] });
  });

  it('answers account settings with their defaults, stores new values and refuses unknown ones', async () => {
    expect(await env.ecr.send(new GetAccountSettingCommand({ name: 'BASIC_SCAN_TYPE_VERSION' }))).toMatchObject({ name: 'BASIC_SCAN_TYPE_VERSION', value: 'AWS_NATIVE' });
    expect(await env.ecr.send(new GetAccountSettingCommand({ name: 'REGISTRY_POLICY_SCOPE' }))).toMatchObject({ value: 'V2' });
    expect(await env.ecr.send(new GetAccountSettingCommand({ name: 'BLOB_MOUNTING' }))).toMatchObject({ value: 'ENABLED' });

    expect(await env.ecr.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING', value: 'DISABLED' }))).toMatchObject({ name: 'BLOB_MOUNTING', value: 'DISABLED' });
    expect((await env.ecr.send(new GetAccountSettingCommand({ name: 'BLOB_MOUNTING' }))).value).toBe('DISABLED');

    const unknownName = await awsErrorOf(env.ecr.send(new GetAccountSettingCommand({ name: 'NO_SUCH_SETTING' })));
    expect(unknownName.name).toBe('InvalidParameterException');
    const unknownValue = await awsErrorOf(env.ecr.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING', value: 'SOMETIMES' })));
    expect(unknownValue.name).toBe('InvalidParameterException');
    expect(unknownValue.message).toContain('ENABLED, DISABLED');
    expect((await env.ecr.send(new GetAccountSettingCommand({ name: 'BLOB_MOUNTING' }))).value).toBe('DISABLED');
    await env.ecr.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING', value: 'ENABLED' }));
  });

  it('mounts blobs across repositories only while BLOB_MOUNTING is enabled', async () => {
    const digest = await oci.pushBlob('mount/source', 'mountable layer');
    const mountInto = (target: string) => oci.fetch(`/v2/${target}/blobs/uploads/?mount=${digest}&from=mount/source`, { method: 'POST' });
    expect((await mountInto('mount/enabled')).status).toBe(201);

    await env.ecr.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING', value: 'DISABLED' }));
    try {
      const refused = await mountInto('mount/disabled');
      expect(refused.status).toBe(202); // an ordinary upload session instead
      expect((await oci.fetch(`/v2/mount/disabled/blobs/${digest}`, { method: 'HEAD' })).status).toBe(404);
    } finally {
      await env.ecr.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING', value: 'ENABLED' }));
    }
  });

  it('lists the referrers of an image, filtered by artifact type and paged', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'referrers/app' }));
    const subject = await oci.pushImage('referrers/app', 'v1');
    const subjectDescriptor = { mediaType: OCI_MANIFEST, digest: subject.digest, size: Buffer.byteLength(subject.body) };
    const signature = await oci.pushImage('referrers/app', 'sig', { layers: ['signature'], artifactType: 'application/vnd.dev.cosign.simplesigning.v1+json', subject: subjectDescriptor });
    const sbom = await oci.pushImage('referrers/app', 'sbom', { layers: ['sbom'], artifactType: 'application/spdx+json', subject: subjectDescriptor });
    await oci.pushImage('referrers/app', 'unrelated', { layers: ['unrelated'] });

    const all = await env.ecr.send(new ListImageReferrersCommand({ repositoryName: 'referrers/app', subjectId: { imageDigest: subject.digest } }));
    expect(all.referrers).toHaveLength(2);
    expect(all.referrers).toContainEqual({
      digest: sbom.digest,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/spdx+json',
      size: Buffer.byteLength(sbom.body),
      artifactStatus: 'ACTIVE',
    });
    expect(all.referrers!.map((referrer) => referrer.digest)).toEqual([signature.digest, sbom.digest].sort());

    const filtered = await env.ecr.send(
      new ListImageReferrersCommand({ repositoryName: 'referrers/app', subjectId: { imageDigest: subject.digest }, filter: { artifactTypes: ['application/spdx+json'] } }),
    );
    expect(filtered.referrers!.map((referrer) => referrer.digest)).toEqual([sbom.digest]);

    const first = await env.ecr.send(new ListImageReferrersCommand({ repositoryName: 'referrers/app', subjectId: { imageDigest: subject.digest }, maxResults: 1 }));
    expect(first.referrers).toHaveLength(1);
    expect(first.nextToken).toBeDefined();
    const second = await env.ecr.send(
      new ListImageReferrersCommand({ repositoryName: 'referrers/app', subjectId: { imageDigest: subject.digest }, maxResults: 1, nextToken: first.nextToken }),
    );
    expect(second.referrers).toHaveLength(1);
    expect(second.nextToken).toBeUndefined();
    expect([first.referrers![0]!.digest, second.referrers![0]!.digest]).toEqual(all.referrers!.map((referrer) => referrer.digest));

    const none = await env.ecr.send(new ListImageReferrersCommand({ repositoryName: 'referrers/app', subjectId: { imageDigest: sha256('no such subject') } }));
    expect(none.referrers).toEqual([]);
    const missing = await awsErrorOf(env.ecr.send(new ListImageReferrersCommand({ repositoryName: 'referrers/none', subjectId: { imageDigest: subject.digest } })));
    expect(missing.name).toBe('RepositoryNotFoundException');
    const invalid = await awsErrorOf(env.ecr.send(new ListImageReferrersCommand({ repositoryName: 'referrers/app', subjectId: { imageDigest: 'sha256:short' } })));
    expect(invalid.name).toBe('InvalidParameterException');
  });
});
