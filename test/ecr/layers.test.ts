import fs from 'node:fs';
import path from 'node:path';
import { BatchCheckLayerAvailabilityCommand, CompleteLayerUploadCommand, CreateRepositoryCommand, GetDownloadUrlForLayerCommand, InitiateLayerUploadCommand, PutImageCommand, UploadLayerPartCommand } from '@aws-sdk/client-ecr';
import { beforeAll, describe, expect, it } from 'vitest';
import { INLINE_BLOB_MAX_BYTES } from '../../src/registry/blob-content.js';
import { LayerDownloads } from '../../src/registry/layer-downloads.js';
import { testDialects } from '../helpers/databases.js';
import { awsErrorOf, ecrClient, useEcrServer } from '../helpers/ecr-client.js';
import { OciClient, sha256 } from '../helpers/oci-client.js';
import { startTestServer } from '../helpers/server.js';

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

describe.each(testDialects())('ECR layer operations through the AWS SDK on %s', (dialect) => {
  const env = useEcrServer({ dialect });
  let oci: OciClient;

  beforeAll(() => {
    oci = new OciClient(env.server.url);
  });

  it('reports which layers the repository holds, with their sizes', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'layers/check' }));
    const present = await oci.pushBlob('layers/check', 'present layer');
    const elsewhere = await oci.pushBlob('layers/other', 'in another repository');
    const absent = sha256('never uploaded');
    const result = await env.ecr.send(
      new BatchCheckLayerAvailabilityCommand({ repositoryName: 'layers/check', layerDigests: [present, absent, 'not-a-digest', elsewhere] }),
    );
    expect(result.layers).toEqual([{ layerDigest: present, layerAvailability: 'AVAILABLE', layerSize: Buffer.byteLength('present layer') }]);
    expect(result.failures!.map((failure) => [failure.layerDigest, failure.failureCode])).toEqual([
      [absent, 'MissingLayerDigest'],
      ['not-a-digest', 'InvalidLayerDigest'],
      [elsewhere, 'MissingLayerDigest'],
    ]);
    for (const failure of result.failures!) expect(failure.failureReason).toBeTruthy();
    const missing = await awsErrorOf(env.ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName: 'layers/none', layerDigests: [present] })));
    expect(missing.name).toBe('RepositoryNotFoundException');
  });

  it('uploads a layer in parts, completes it, and an image pushed with PutImage uses it', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'layers/upload' }));
    const layer = 'the first part|and the second part';
    const initiated = await env.ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'layers/upload' }));
    expect(initiated.uploadId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(initiated.partSize).toBeGreaterThan(0);
    const uploadId = initiated.uploadId!;

    const first = await env.ecr.send(
      new UploadLayerPartCommand({ repositoryName: 'layers/upload', uploadId, partFirstByte: 0, partLastByte: 14, layerPartBlob: bytes(layer.slice(0, 15)) }),
    );
    expect(first).toMatchObject({ registryId: '000000000000', repositoryName: 'layers/upload', uploadId, lastByteReceived: 14 });
    const second = await env.ecr.send(
      new UploadLayerPartCommand({
        repositoryName: 'layers/upload',
        uploadId,
        partFirstByte: 15,
        partLastByte: layer.length - 1,
        layerPartBlob: bytes(layer.slice(15)),
      }),
    );
    expect(second.lastByteReceived).toBe(layer.length - 1);
    const completed = await env.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'layers/upload', uploadId, layerDigests: [sha256(layer)] }));
    expect(completed).toMatchObject({ registryId: '000000000000', repositoryName: 'layers/upload', uploadId, layerDigest: sha256(layer) });

    const served = await oci.fetch(`/v2/layers/upload/blobs/${sha256(layer)}`);
    expect(served.status).toBe(200);
    expect(await served.text()).toBe(layer);

    const config = '{"architecture":"amd64","os":"linux"}';
    const configDigest = await oci.pushBlob('layers/upload', config);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer), size: layer.length }],
    });
    const put = await env.ecr.send(new PutImageCommand({ repositoryName: 'layers/upload', imageManifest: manifest, imageTag: 'v1' }));
    expect(put.image!.imageId!.imageDigest).toBe(sha256(manifest));
  });

  it('shares upload sessions with /v2/: parts sent either way continue one upload', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'layers/shared' }));
    const { uploadId } = await env.ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'layers/shared' }));
    await env.ecr.send(new UploadLayerPartCommand({ repositoryName: 'layers/shared', uploadId, partFirstByte: 0, partLastByte: 4, layerPartBlob: bytes('hello') }));
    const patch = await oci.patchChunk(`/v2/layers/shared/blobs/uploads/${uploadId}`, ' world', '5-10');
    expect(patch.status).toBe(202);
    const completed = await env.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'layers/shared', uploadId, layerDigests: [sha256('hello world')] }));
    expect(completed.layerDigest).toBe(sha256('hello world'));
  });

  it('refuses a part that does not continue the upload, saying where the upload stands', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'layers/order' }));
    const { uploadId } = await env.ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'layers/order' }));
    await env.ecr.send(new UploadLayerPartCommand({ repositoryName: 'layers/order', uploadId, partFirstByte: 0, partLastByte: 3, layerPartBlob: bytes('abcd') }));
    const gap = await awsErrorOf(
      env.ecr.send(new UploadLayerPartCommand({ repositoryName: 'layers/order', uploadId, partFirstByte: 10, partLastByte: 13, layerPartBlob: bytes('efgh') })),
    );
    expect(gap.name).toBe('InvalidLayerPartException');
    expect(gap).toMatchObject({ lastValidByteReceived: 3, uploadId, repositoryName: 'layers/order', registryId: '000000000000' });
    expect(gap.message).toContain('3');
    const wrongLength = await awsErrorOf(
      env.ecr.send(new UploadLayerPartCommand({ repositoryName: 'layers/order', uploadId, partFirstByte: 4, partLastByte: 9, layerPartBlob: bytes('ef') })),
    );
    expect(wrongLength.name).toBe('InvalidLayerPartException');
    // The refused parts changed nothing: the upload continues at byte 4.
    const next = await env.ecr.send(new UploadLayerPartCommand({ repositoryName: 'layers/order', uploadId, partFirstByte: 4, partLastByte: 5, layerPartBlob: bytes('ef') }));
    expect(next.lastByteReceived).toBe(5);
    await env.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'layers/order', uploadId, layerDigests: [sha256('abcdef')] }));
  });

  it('refuses to complete an upload with the wrong digest, an empty one, or a layer already there', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'layers/complete' }));
    const send = (uploadId: string, first: number, text: string) =>
      env.ecr.send(new UploadLayerPartCommand({ repositoryName: 'layers/complete', uploadId, partFirstByte: first, partLastByte: first + text.length - 1, layerPartBlob: bytes(text) }));

    const wrong = await env.ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'layers/complete' }));
    await send(wrong.uploadId!, 0, 'some bytes');
    const mismatch = await awsErrorOf(
      env.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'layers/complete', uploadId: wrong.uploadId, layerDigests: [sha256('other bytes')] })),
    );
    expect(mismatch.name).toBe('InvalidLayerException');
    const gone = await awsErrorOf(
      env.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'layers/complete', uploadId: wrong.uploadId, layerDigests: [sha256('some bytes')] })),
    );
    expect(gone.name).toBe('UploadNotFoundException');

    const empty = await env.ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'layers/complete' }));
    const nothing = await awsErrorOf(
      env.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'layers/complete', uploadId: empty.uploadId, layerDigests: [sha256('')] })),
    );
    expect(nothing.name).toBe('EmptyUploadException');

    const existing = await oci.pushBlob('layers/complete', 'already here');
    const duplicate = await env.ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'layers/complete' }));
    await send(duplicate.uploadId!, 0, 'already here');
    const exists = await awsErrorOf(
      env.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'layers/complete', uploadId: duplicate.uploadId, layerDigests: [existing] })),
    );
    expect(exists.name).toBe('LayerAlreadyExistsException');
    expect(exists.message).toBe(
      `The layer with digest '${existing}' already exists in the repository with name 'layers/complete' in registry with id '000000000000'`,
    );

    const unknown = '00000000-0000-4000-8000-000000000000';
    const notFound = await awsErrorOf(
      env.ecr.send(new UploadLayerPartCommand({ repositoryName: 'layers/complete', uploadId: unknown, partFirstByte: 0, partLastByte: 0, layerPartBlob: bytes('x') })),
    );
    expect(notFound.name).toBe('UploadNotFoundException');
    const twoDigests = await awsErrorOf(
      env.ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'layers/complete', uploadId: empty.uploadId, layerDigests: [existing, existing] })),
    );
    expect(twoDigests.name).toBe('InvalidParameterException');
    const missingRepository = await awsErrorOf(env.ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'layers/absent' })));
    // Unlike a /v2/ push on a server that creates repositories on push, the control plane never does.
    expect(missingRepository.name).toBe('RepositoryNotFoundException');
  });

  it('gives a download URL that serves the layer, with ranges, to anyone holding it', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'layers/download' }));
    const content = 'downloadable layer content';
    const digest = await oci.pushBlob('layers/download', content);
    const answer = await env.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'layers/download', layerDigest: digest }));
    expect(answer.layerDigest).toBe(digest);
    const url = new URL(answer.downloadUrl!);
    expect(url.origin).toBe(env.server.url);

    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(await whole.text()).toBe(content);
    const part = await fetch(url, { headers: { Range: 'bytes=0-11' } });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe('downloadable');

    const signature = url.searchParams.get('X-Stowage-Signature')!;
    const forgedSignature = new URL(url);
    forgedSignature.searchParams.set('X-Stowage-Signature', `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`);
    const forged = await fetch(forgedSignature);
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain('SignatureDoesNotMatch');
    const otherLayer = await oci.pushBlob('layers/download', 'another layer');
    const swapped = new URL(url);
    swapped.pathname = url.pathname.replace(digest, otherLayer);
    expect((await fetch(swapped)).status).toBe(403);
    const extended = new URL(url);
    extended.searchParams.set('X-Stowage-Expires', String(Number(url.searchParams.get('X-Stowage-Expires')) + 3600));
    expect((await fetch(extended)).status).toBe(403);

    // A URL signed with the server's key but already expired is refused as expired.
    const signer = new LayerDownloads(env.server.identities.secrets.deriveKey('layer download URLs'));
    const stale = signer.issue({ registryId: '000000000000', repositoryName: 'layers/download', digest }, Date.now() - 2 * 3600 * 1000);
    const expired = await fetch(`${env.server.url}/layer-download/000000000000/layers/download/${digest}?X-Stowage-Expires=${stale.expires}&X-Stowage-Signature=${stale.signature}`);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('Request has expired');
  });

  it('refuses download URLs for layers the repository does not hold or cannot serve', async () => {
    await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'layers/nodownload' }));
    const missing = await awsErrorOf(env.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'layers/nodownload', layerDigest: sha256('absent') })));
    expect(missing.name).toBe('LayersNotFoundException');
    // Bigger than blobs kept inline: its bytes are a file of the blob store.
    const digest = await oci.pushBlob('layers/nodownload', Buffer.alloc(INLINE_BLOB_MAX_BYTES + 1, 'bytes that go missing '));
    const hex = digest.slice('sha256:'.length);
    fs.rmSync(path.join(env.server.dataDir, 'blobs', 'sha256', hex.slice(0, 2), hex));
    const inaccessible = await awsErrorOf(env.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'layers/nodownload', layerDigest: digest })));
    expect(inaccessible.name).toBe('LayerInaccessibleException');
  });

  it('serves a download URL without credentials where /v2/ requires them', async () => {
    const guarded = await startTestServer({ dialect, config: { dataPlaneAuth: 'required' } });
    const client = ecrClient(guarded.url);
    try {
      await client.send(new CreateRepositoryCommand({ repositoryName: 'guarded/app' }));
      const content = 'a layer behind authentication';
      const { uploadId } = await client.send(new InitiateLayerUploadCommand({ repositoryName: 'guarded/app' }));
      await client.send(
        new UploadLayerPartCommand({ repositoryName: 'guarded/app', uploadId, partFirstByte: 0, partLastByte: content.length - 1, layerPartBlob: bytes(content) }),
      );
      await client.send(new CompleteLayerUploadCommand({ repositoryName: 'guarded/app', uploadId, layerDigests: [sha256(content)] }));
      expect((await fetch(`${guarded.url}/v2/guarded/app/blobs/${sha256(content)}`)).status).toBe(401);
      const { downloadUrl } = await client.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'guarded/app', layerDigest: sha256(content) }));
      const download = await fetch(downloadUrl!);
      expect(download.status).toBe(200);
      expect(await download.text()).toBe(content);
    } finally {
      client.destroy();
      await guarded.close();
    }
  });
});
