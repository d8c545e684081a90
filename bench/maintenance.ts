/**
 * Maintenance at scale, Stowage alone (the reference registry has neither lifecycle
 * policies nor online garbage collection):
 *
 * - `lifecycle`: a lifecycle policy preview over a repository of 100,000 images, timed from
 *   StartLifecyclePolicyPreview to a COMPLETE answer, and the first page of its results;
 * - `gc`: `stowage gc` over 100,000 blobs of which half no image references, run beside a
 *   serving `stowage serve` while 8 clients push small images: failed pushes, and push
 *   throughput against the same clients with no collection running.
 *
 * `npm run bench:maintenance -- [--only lifecycle,gc] [--images N] [--blobs N] [--rounds N]`.
 */
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import type { Insertable } from 'kysely';
import { loadConfig } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import type { ManifestTable, TagTable } from '../src/storage/meta/schema.js';
import { FsBlobStore } from '../src/storage/blobs/fs-blob-store.js';
import { openDatabase } from '../src/storage/meta/database.js';
import { RegistryClient, sha256 } from './client.js';
import { startStowage, STOWAGE_MAIN } from './registries.js';
import { cleanUpNow, installCleanupHandlers, makeTempDir, removeTempDir, sleep } from './system.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CREDENTIALS = { accessKeyId: 'AKIASTOWAGEBENCHROOT', secretAccessKey: 'stowage-bench-root-secret' };
const DAY = 86_400_000;
const REPOSITORY = 'bench/lifecycle';

/** The four-rule policy of the project's reference material (seed 004). */
const SEED_POLICY = JSON.stringify({
  rules: [
    { rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }, action: { type: 'expire' } },
    { rulePriority: 2, selection: { tagStatus: 'tagged', tagPrefixList: ['dev-'], countType: 'imageCountMoreThan', countNumber: 10 }, action: { type: 'expire' } },
    { rulePriority: 3, selection: { tagStatus: 'tagged', tagPrefixList: ['staging-'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }, action: { type: 'expire' } },
    { rulePriority: 4, selection: { tagStatus: 'tagged', tagPatternList: ['v*'], countType: 'imageCountMoreThan', countNumber: 50 }, action: { type: 'expire' } },
  ],
});

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function ecr(server: RunningServer, operation: string, input: object): Promise<Record<string, any>> {
  const url = new URL(server.url);
  const body = JSON.stringify(input);
  const signer = new SignatureV4({ service: 'ecr', region: 'us-east-1', credentials: CREDENTIALS, sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AmazonEC2ContainerRegistry_V20150921.${operation}` },
    body,
  });
  const response = await fetch(server.url, { method: 'POST', headers: signed.headers as Record<string, string>, body });
  const json = (await response.json()) as Record<string, any>;
  if (response.status !== 200) throw new Error(`${operation}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** Writes `count` images straight into the metadata (pushing them over HTTP would take the whole run): a quarter each untagged, dev-, staging-, v*. */
async function fillRepository(server: RunningServer, count: number): Promise<void> {
  const db = server.registry.context.database.db;
  const repository = await db.selectFrom('repositories').select('id').where('name', '=', REPOSITORY).executeTakeFirstOrThrow();
  const now = Date.now();
  const content = new Uint8Array([123, 125]);
  for (let start = 0; start < count; start += 500) {
    const manifests: Insertable<ManifestTable>[] = [];
    const tags: Insertable<TagTable>[] = [];
    for (let i = start; i < Math.min(count, start + 500); i++) {
      const digest = `sha256:${createHash('sha256').update(`image ${i}`).digest('hex')}`;
      manifests.push({
        repository_id: repository.id,
        digest,
        media_type: 'application/vnd.oci.image.manifest.v1+json',
        artifact_type: null,
        config_media_type: 'application/vnd.oci.image.config.v1+json',
        subject_digest: null,
        size: 2,
        image_size: 1000,
        content,
        pushed_at: now - (i % 90) * DAY - i,
        last_pulled_at: null,
      });
      const kind = i % 4;
      if (kind > 0) tags.push({ repository_id: repository.id, name: `${['', 'dev-', 'staging-', 'v'][kind]}${i}`, manifest_digest: digest, updated_at: now });
    }
    await server.registry.context.database.transaction(async (trx) => {
      await trx.insertInto('manifests').values(manifests).execute();
      if (tags.length > 0) await trx.insertInto('tags').values(tags).execute();
    });
  }
}

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;

/** Table rows of the lifecycle preview benchmark. */
async function benchLifecycle(images: number, rounds: number): Promise<string[]> {
  const dataDir = makeTempDir('lifecycle');
  const server = await startServer(
    loadConfig({
      env: {},
      overrides: { port: 0, dataDir, logLevel: 'silent', rootAccessKeyId: CREDENTIALS.accessKeyId, rootSecretAccessKey: CREDENTIALS.secretAccessKey },
    }),
  );
  try {
    await ecr(server, 'CreateRepository', { repositoryName: REPOSITORY });
    log(`writing ${images} images into ${REPOSITORY}`);
    await fillRepository(server, images);
    const previewSeconds: number[] = [];
    const pageMs: number[] = [];
    let expiring = 0;
    for (let round = 1; round <= rounds; round++) {
      const started = performance.now();
      await ecr(server, 'StartLifecyclePolicyPreview', { repositoryName: REPOSITORY, lifecyclePolicyText: SEED_POLICY });
      let preview: Record<string, any>;
      do {
        preview = await ecr(server, 'GetLifecyclePolicyPreview', { repositoryName: REPOSITORY, maxResults: 100 });
      } while (preview.status === 'IN_PROGRESS');
      const seconds = (performance.now() - started) / 1000;
      if (preview.status !== 'COMPLETE') throw new Error(`preview ${preview.status}`);
      expiring = preview.summary.expiringImageTotalCount;
      const pageStarted = performance.now();
      await ecr(server, 'GetLifecyclePolicyPreview', { repositoryName: REPOSITORY, maxResults: 100, nextToken: preview.nextToken });
      pageMs.push(performance.now() - pageStarted);
      previewSeconds.push(seconds);
      log(`round ${round}: preview of ${images} images in ${seconds.toFixed(2)} s (${expiring} expiring)`);
    }
    return [
      `| lifecycle preview, ${images.toLocaleString('en')} images, start to COMPLETE (s) | ${median(previewSeconds).toFixed(2)} | < 2 s: ${median(previewSeconds) < 2 ? 'met' : '**missed**'} |`,
      `| lifecycle preview results, page of 100 (ms) | ${median(pageMs).toFixed(1)} | |`,
      `| images the seed policy expires there | ${expiring} | |`,
    ];
  } finally {
    await server.close();
    removeTempDir(dataDir);
  }
}

const GC_REPOSITORY = 'bench/gc';
const GC_PUSH_CLIENTS = 8;
const LAYERS_PER_MANIFEST = 10;

/**
 * Prepares a data directory holding `count` 1 KiB blobs in one repository, every other one
 * referenced by a manifest (10 layers each), all of them linked two hours ago.
 */
async function fillBlobs(dataDir: string, count: number): Promise<void> {
  const database = await openDatabase({ url: `sqlite:${path.join(dataDir, 'metadata.sqlite')}` });
  const blobs = new FsBlobStore(dataDir);
  await blobs.init();
  try {
    const linkedAt = Date.now() - 2 * 3600_000;
    const repository = await database.db
      .insertInto('repositories')
      .values({ registry_id: '000000000000', name: GC_REPOSITORY, created_at: linkedAt, tag_mutability_exclusions: null, kms_key: null, policy: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const repositoryId = Number(repository.id);
    let next = 0;
    const digests: string[] = new Array(count);
    const writer = async () => {
      for (let i = next++; i < count; i = next++) {
        const bytes = Buffer.alloc(1024, `gc blob ${i} `);
        const digest = sha256(bytes);
        digests[i] = digest;
        await blobs.createUpload(`fill-${i}`, Readable.from([bytes]));
        await blobs.commitUpload(`fill-${i}`, digest as never);
      }
    };
    await Promise.all(Array.from({ length: 16 }, writer));
    for (let start = 0; start < count; start += 500) {
      const slice = digests.slice(start, start + 500);
      await database.transaction(async (trx) => {
        await trx.insertInto('blobs').values(slice.map((digest) => ({ digest, size: 1024, created_at: linkedAt }))).execute();
        await trx
          .insertInto('repository_blobs')
          .values(slice.map((digest) => ({ repository_id: repositoryId, digest, created_at: linkedAt, touched_at: linkedAt })))
          .execute();
      });
    }
    // Every other blob referenced: manifests of 10 of them each.
    const referenced = digests.filter((_, i) => i % 2 === 0);
    for (let start = 0; start < referenced.length; start += LAYERS_PER_MANIFEST * 50) {
      const manifests: Insertable<ManifestTable>[] = [];
      const references: { repository_id: number; manifest_digest: string; referenced_digest: string; kind: 'blob' }[] = [];
      for (let m = start; m < Math.min(referenced.length, start + LAYERS_PER_MANIFEST * 50); m += LAYERS_PER_MANIFEST) {
        const layers = referenced.slice(m, m + LAYERS_PER_MANIFEST);
        const content = Buffer.from(JSON.stringify({ schemaVersion: 2, layers }));
        const digest = sha256(content);
        manifests.push({
          repository_id: repositoryId,
          digest,
          media_type: 'application/vnd.oci.image.manifest.v1+json',
          artifact_type: null,
          config_media_type: null,
          subject_digest: null,
          size: content.length,
          image_size: layers.length * 1024,
          content,
          pushed_at: linkedAt,
          last_pulled_at: null,
        });
        for (const layer of layers) references.push({ repository_id: repositoryId, manifest_digest: digest, referenced_digest: layer, kind: 'blob' });
      }
      await database.transaction(async (trx) => {
        await trx.insertInto('manifests').values(manifests).execute();
        await trx.insertInto('manifest_references').values(references).execute();
      });
    }
  } finally {
    await database.close();
  }
}

/** Pushes small images with `clients` clients until `until` resolves; counts pushes and failures. */
async function pushWhile(client: RegistryClient, until: Promise<unknown>, clients: number, label: string): Promise<{ ops: number; failures: number; seconds: number }> {
  let done = false;
  void until.finally(() => (done = true));
  let ops = 0;
  let failures = 0;
  const started = performance.now();
  const worker = async (id: number) => {
    for (let i = 0; !done; i++) {
      try {
        await client.pushSmallImage(GC_REPOSITORY, `${label}-${id}-${i}`, randomUUID());
        ops++;
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, id) => worker(id)));
  return { ops, failures, seconds: (performance.now() - started) / 1000 };
}

/** Runs `stowage gc` on a data directory; resolves to its JSON summary and how long it took. */
function runGc(dataDir: string, gracePeriod: string): Promise<{ summary: Record<string, number>; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [STOWAGE_MAIN, 'gc', '--data-dir', dataDir, '--grace-period', gracePeriod], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) reject(new Error(`stowage gc exited with ${code}: ${stderr}`));
      else resolve({ summary: JSON.parse(stdout) as Record<string, number>, seconds: (performance.now() - started) / 1000 });
    });
  });
}

/** Table rows of the garbage collection benchmark. */
async function benchGc(blobCount: number): Promise<string[]> {
  const dataDir = makeTempDir('gc');
  log(`writing ${blobCount} blobs, half of them referenced, into ${dataDir}`);
  await fillBlobs(dataDir, blobCount);
  const registry = await startStowage({ dataDir });
  const client = new RegistryClient(registry.url);
  try {
    // The same clients for as long as a collection took, without one.
    log('pushing during a garbage collection');
    const gc = runGc(dataDir, '1h');
    const during = await pushWhile(client, gc, GC_PUSH_CLIENTS, 'during');
    const { summary, seconds } = await gc;
    log(`gc: ${seconds.toFixed(1)} s, ${JSON.stringify(summary)}; ${during.ops} pushes (${during.failures} failed) at ${(during.ops / during.seconds).toFixed(0)}/s`);
    log('pushing without a garbage collection, as long');
    const without = await pushWhile(client, sleep(seconds * 1000), GC_PUSH_CLIENTS, 'without');
    log(`${without.ops} pushes (${without.failures} failed) at ${(without.ops / without.seconds).toFixed(0)}/s`);
    const ratio = during.ops / during.seconds / (without.ops / without.seconds);
    const remaining = await countStoredBlobs(dataDir);
    return [
      `| gc over ${blobCount.toLocaleString('en')} blobs, half unreferenced, beside a serving registry (s) | ${seconds.toFixed(1)} | |`,
      `| blobs removed / bytes freed | ${summary.blobsRemoved} / ${((summary.bytesFreed ?? 0) / 1024 / 1024).toFixed(1)} MiB | all ${blobCount / 2} unreferenced |`,
      `| blobs left in the store after gc (fill + pushes) | ${remaining} | ${blobCount / 2} + 2 per push |`,
      `| failed pushes during gc (${GC_PUSH_CLIENTS} clients) | ${during.failures} | 0: ${during.failures === 0 ? 'met' : '**missed**'} |`,
      `| push throughput during gc / without (${GC_PUSH_CLIENTS} clients) | ${ratio.toFixed(2)}× (${(during.ops / during.seconds).toFixed(0)} vs ${(without.ops / without.seconds).toFixed(0)} images/s) | ≥ 0.8×: ${ratio >= 0.8 ? 'met' : '**missed**'} |`,
    ];
  } finally {
    await registry.stop();
  }
}

async function countStoredBlobs(dataDir: string): Promise<number> {
  let count = 0;
  for await (const _ of new FsBlobStore(dataDir).list()) count++;
  return count;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { images: { type: 'string' }, blobs: { type: 'string' }, rounds: { type: 'string' }, only: { type: 'string' } } });
  const images = Number(values.images ?? 100_000);
  const blobCount = Number(values.blobs ?? 100_000);
  const rounds = Number(values.rounds ?? 3);
  const only = new Set((values.only ?? 'lifecycle,gc').split(','));
  installCleanupHandlers();
  try {
    const rows: string[] = [];
    if (only.has('lifecycle')) rows.push(...(await benchLifecycle(images, rounds)));
    if (only.has('gc')) rows.push(...(await benchGc(blobCount)));
    const table = ['| metric | Stowage | target |', '| --- | ---: | --- |', ...rows].join('\n');
    log(`\n${table}`);
    writeFileSync(
      path.join(ROOT, 'bench', 'maintenance-results.md'),
      `# Maintenance benchmark\n\nRun on ${new Date().toISOString()} with \`npm run bench:maintenance\` (${[...only].join(', ')}; lifecycle previews: ${rounds} rounds, medians).\n\n${table}\n`,
    );
  } finally {
    cleanUpNow();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
