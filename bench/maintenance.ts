/**
 * Maintenance at scale, Stowage alone (the reference registry has neither lifecycle
 * policies nor online garbage collection): a lifecycle policy preview over a repository of
 * 100,000 images, timed from StartLifecyclePolicyPreview to a COMPLETE answer, and the
 * first page of its results. `npm run bench:maintenance -- --images N --rounds N`.
 */
import { createHash } from 'node:crypto';
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
import { cleanUpNow, installCleanupHandlers, makeTempDir, removeTempDir } from './system.js';

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

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { images: { type: 'string' }, rounds: { type: 'string' } } });
  const images = Number(values.images ?? 100_000);
  const rounds = Number(values.rounds ?? 3);
  installCleanupHandlers();
  const dataDir = makeTempDir('maintenance');
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
    const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
    const table = [
      '| metric | Stowage | target |',
      '| --- | ---: | --- |',
      `| lifecycle preview, ${images.toLocaleString('en')} images, start to COMPLETE (s) | ${median(previewSeconds).toFixed(2)} | < 2 s: ${median(previewSeconds) < 2 ? 'met' : '**missed**'} |`,
      `| preview results page of 100 (ms) | ${median(pageMs).toFixed(1)} | |`,
      `| images the seed policy expires | ${expiring} | |`,
    ].join('\n');
    log(`\n${table}`);
    writeFileSync(path.join(ROOT, 'bench', 'maintenance-results.md'), `# Maintenance benchmark\n\nRun on ${new Date().toISOString()} with \`npm run bench:maintenance\`, ${rounds} rounds, medians.\n\n${table}\n`);
  } finally {
    await server.close();
    removeTempDir(dataDir);
    cleanUpNow();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
