import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ECR_MODEL_FILE, loadServiceModel } from '../../src/aws/service-model.js';
import { validateInput } from '../../src/aws/validate-input.js';
import { OciClient, sha256 } from '../helpers/oci-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { signedCall } from '../helpers/signed-call.js';

const model = loadServiceModel(ECR_MODEL_FILE);

/**
 * Every answer of every operation Stowage implements, checked on the wire against the
 * operation's output shape in botocore's model: member names, types, enums and required
 * members, with nothing the shape does not define. Errors must be exceptions the model
 * declares for the operation (or the protocol's own authentication errors).
 */
describe('the wire contract of the ECR API', () => {
  let server: TestServer;
  let imageDigest: string;
  let layerDigest: string;

  beforeAll(async () => {
    server = await startTestServer();
    const oci = new OciClient(server.url);
    const pushed = await oci.pushImage('contract/app', 'v1', { layers: ['contract layer'] });
    imageDigest = pushed.digest;
    layerDigest = sha256('contract layer');
  });
  afterAll(async () => {
    await server.close();
  });

  async function call(operation: string, input: object): Promise<Record<string, unknown>> {
    const { status, json } = await signedCall(server.url, operation, input);
    expect(status, `${operation}: ${JSON.stringify(json)}`).toBe(200);
    const shape = model.operations[operation]!.output!.shape;
    expect(validateInput(model, shape, json, { rejectUnknownMembers: true }), operation).toEqual([]);
    return json;
  }

  it('answers every operation in its output shape', async () => {
    const repositoryArn = 'arn:aws:ecr:us-east-1:000000000000:repository/contract/other';
    await call('CreateRepository', { repositoryName: 'contract/other', tags: [{ Key: 'team', Value: 'a' }] });
    await call('DescribeRepositories', {});
    await call('PutImageTagMutability', { repositoryName: 'contract/other', imageTagMutability: 'IMMUTABLE' });
    await call('PutImageScanningConfiguration', { repositoryName: 'contract/other', imageScanningConfiguration: { scanOnPush: true } });
    await call('TagResource', { resourceArn: repositoryArn, tags: [{ Key: 'env', Value: 'test' }] });
    expect((await call('ListTagsForResource', { resourceArn: repositoryArn })).tags).toHaveLength(2);
    await call('UntagResource', { resourceArn: repositoryArn, tagKeys: ['env'] });

    await call('ListImages', { repositoryName: 'contract/app' });
    await call('DescribeImages', { repositoryName: 'contract/app' });
    await call('BatchGetImage', { repositoryName: 'contract/app', imageIds: [{ imageTag: 'v1' }, { imageTag: 'missing' }] });
    await call('BatchCheckLayerAvailability', { repositoryName: 'contract/app', layerDigests: [layerDigest, sha256('absent')] });
    await call('GetDownloadUrlForLayer', { repositoryName: 'contract/app', layerDigest });
    await call('ListImageReferrers', { repositoryName: 'contract/app', subjectId: { imageDigest } });

    const lifecyclePolicyText = JSON.stringify({
      rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }],
    });
    await call('PutLifecyclePolicy', { repositoryName: 'contract/other', lifecyclePolicyText });
    await call('GetLifecyclePolicy', { repositoryName: 'contract/other' });
    await call('StartLifecyclePolicyPreview', { repositoryName: 'contract/app', lifecyclePolicyText: lifecyclePolicyText.replace('"countNumber":1', '"countNumber":5') });
    let preview = await call('GetLifecyclePolicyPreview', { repositoryName: 'contract/app' });
    while (preview.status === 'IN_PROGRESS') preview = await call('GetLifecyclePolicyPreview', { repositoryName: 'contract/app' });
    expect(preview.status).toBe('COMPLETE');
    await call('DeleteLifecyclePolicy', { repositoryName: 'contract/other' });

    const { uploadId } = (await call('InitiateLayerUpload', { repositoryName: 'contract/other' })) as { uploadId: string };
    const part = Buffer.from('a new layer');
    await call('UploadLayerPart', { repositoryName: 'contract/other', uploadId, partFirstByte: 0, partLastByte: part.length - 1, layerPartBlob: part.toString('base64') });
    await call('CompleteLayerUpload', { repositoryName: 'contract/other', uploadId, layerDigests: [sha256(part)] });

    const policyText = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Read', Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' }] });
    await call('SetRepositoryPolicy', { repositoryName: 'contract/app', policyText });
    await call('GetRepositoryPolicy', { repositoryName: 'contract/app' });
    await call('DeleteRepositoryPolicy', { repositoryName: 'contract/app' });
    const registryPolicy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'Replicate', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'ecr:ReplicateImage', Resource: '*' }],
    });
    await call('PutRegistryPolicy', { policyText: registryPolicy });
    await call('GetRegistryPolicy', {});
    await call('DeleteRegistryPolicy', {});
    await call('DescribeRegistry', {});
    await call('PutAccountSetting', { name: 'BLOB_MOUNTING', value: 'ENABLED' });
    await call('GetAccountSetting', { name: 'BLOB_MOUNTING' });
    await call('GetAuthorizationToken', {});

    await call('BatchDeleteImage', { repositoryName: 'contract/app', imageIds: [{ imageTag: 'v1' }, { imageTag: 'never' }] });
    await call('DeleteRepository', { repositoryName: 'contract/other', force: true });
  });

  it('answers pushes of an image again in its output shape (PutImage with a new tag)', async () => {
    const pushed = await new OciClient(server.url).pushImage('contract/put', 'base', { layers: ['put layer'] });
    const answer = await call('PutImage', { repositoryName: 'contract/put', imageManifest: pushed.body, imageTag: 'second' });
    expect((answer.image as { imageId: { imageDigest: string } }).imageId.imageDigest).toBe(pushed.digest);
  });

  it('fails only with exceptions the model declares for the operation', async () => {
    const failures: [string, object][] = [
      ['DescribeRepositories', { repositoryNames: ['does/not-exist'] }],
      ['CreateRepository', { repositoryName: 'Not Valid' }],
      ['GetRepositoryPolicy', { repositoryName: 'contract/app' }],
      ['GetRegistryPolicy', {}],
      ['DeleteRepository', { repositoryName: 'does/not-exist' }],
      ['ListImages', { repositoryName: 'contract/app', maxResults: 0 }],
      ['UploadLayerPart', { repositoryName: 'contract/app', uploadId: '00000000-0000-0000-0000-000000000000', partFirstByte: 0, partLastByte: 0, layerPartBlob: 'AA==' }],
      ['PutImage', { repositoryName: 'contract/app', imageManifest: '{"schemaVersion":2,' }],
    ];
    for (const [operation, input] of failures) {
      const { status, json, headers } = await signedCall(server.url, operation, input);
      const declared = (model.operations[operation]!.errors ?? []).map((error) => error.shape);
      expect(status, operation).toBe(400);
      expect(declared, `${operation} answered ${json.__type}`).toContain(json.__type);
      expect(typeof json.message).toBe('string');
      expect(headers.get('x-amzn-requestid')).toBeTruthy();
    }
  });
});
