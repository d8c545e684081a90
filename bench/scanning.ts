/**
 * Scanning throughput, Stowage alone (the reference registry does not scan):
 *
 * - inventory: MB/s of compressed layer read, decompressed, merged and cataloged, for a
 *   Debian-like image whose layers hold a dpkg database of `--packages` packages, a Node
 *   application's package-lock, Python dist-info directories and `--megabytes` of other files
 *   (incompressible, so the compressed size is what it says);
 * - match: time to match that inventory against a vulnerability database of `--advisories`
 *   OSV advisories (a tenth of them about the image's packages), per image, median of runs.
 *
 * `npm run bench:scanning -- [--megabytes N] [--packages N] [--advisories N] [--rounds N]`.
 * Writes bench/scanning-results.md.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { takeInventory } from '../src/scanning/inventory.js';
import { matchInventory } from '../src/scanning/match.js';
import { importAdvisories } from '../src/scanning/vulndb/import.js';
import { openDatabase } from '../src/storage/meta/database.js';
import { median } from './report.js';
import { makeTempDir, removeTempDir } from './system.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

const { values } = parseArgs({
  options: {
    megabytes: { type: 'string', default: '256' },
    packages: { type: 'string', default: '400' },
    advisories: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
  },
});
const MEGABYTES = Number(values.megabytes);
const PACKAGES = Number(values.packages);
const ADVISORIES = Number(values.advisories);
const ROUNDS = Number(values.rounds);

async function tarGzip(entries: { name: string; content: Buffer }[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const gzip = zlib.createGzip({ level: 1 });
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    gzip.on('end', resolve);
    gzip.on('error', reject);
  });
  pack.pipe(gzip);
  for (const entry of entries) {
    await new Promise<void>((resolve, reject) => pack.entry({ name: entry.name, mode: 0o644 }, entry.content, (error) => (error ? reject(error) : resolve())));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

function packageName(index: number): string {
  return `pkg${index}`;
}

async function imageLayers(): Promise<Buffer[]> {
  const status = Array.from({ length: PACKAGES }, (_, i) =>
    [`Package: ${packageName(i)}`, 'Status: install ok installed', 'Architecture: amd64', `Version: 1.${i % 7}.${i % 13}-1`, 'Description: a package', ' of the benchmark', ''].join('\n'),
  ).join('\n');
  const lock = { lockfileVersion: 3, packages: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`node_modules/npm${i}`, { version: `2.${i % 5}.0` }])) };
  const system = [
    { name: 'etc/os-release', content: Buffer.from('ID=debian\nVERSION_ID="12"\n') },
    { name: 'var/lib/dpkg/status', content: Buffer.from(status) },
  ];
  const app = [
    { name: 'app/package-lock.json', content: Buffer.from(JSON.stringify(lock)) },
    ...Array.from({ length: 50 }, (_, i) => ({ name: `usr/lib/python3/dist-packages/py${i}-1.${i}.dist-info/METADATA`, content: Buffer.from(`Metadata-Version: 2.1\nName: py${i}\nVersion: 1.${i}\n`) })),
  ];
  const filler: { name: string; content: Buffer }[] = [];
  const fileBytes = 256 * 1024;
  for (let i = 0; i < (MEGABYTES * 1024 * 1024) / fileBytes; i++) filler.push({ name: `usr/share/data/${i % 64}/file${i}.bin`, content: randomBytes(fileBytes) });
  const half = Math.floor(filler.length / 2);
  return [await tarGzip([...system, ...filler.slice(0, half)]), await tarGzip([...app, ...filler.slice(half)])];
}

function advisories(): Record<string, unknown>[] {
  return Array.from({ length: ADVISORIES }, (_, i) => {
    const aboutImage = i % 10 === 0;
    const name = aboutImage ? packageName((i / 10) % PACKAGES) : `other${i}`;
    return {
      id: `BENCH-${i}`,
      modified: '2024-01-01T00:00:00Z',
      summary: `advisory ${i}`,
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
      affected: [{ package: { ecosystem: 'Debian:12', name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: `1.${i % 9}.0-1` }] }] }],
    };
  });
}

async function main(): Promise<void> {
  const work = makeTempDir('stowage-bench-scanning');
  try {
    log(`building layers: ${MEGABYTES} MiB of files, ${PACKAGES} dpkg packages`);
    const layers = await imageLayers();
    const compressed = layers.reduce((sum, layer) => sum + layer.length, 0);
    const sources = layers.map((bytes) => ({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      open: async () => Readable.from((function* () {
        for (let i = 0; i < bytes.length; i += 1 << 20) yield bytes.subarray(i, i + (1 << 20));
      })()),
    }));
    const inventoryRates: number[] = [];
    let inventory;
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now();
      inventory = await takeInventory(sources);
      const seconds = (performance.now() - started) / 1000;
      inventoryRates.push(compressed / 1e6 / seconds);
      log(`  inventory round ${round + 1}: ${(compressed / 1e6 / seconds).toFixed(1)} MB/s (${inventory.osPackages.length} OS, ${inventory.languagePackages.length} language packages)`);
    }

    const database = await openDatabase({ url: `sqlite:${path.join(work, 'metadata.sqlite')}` });
    try {
      const source = path.join(work, 'advisories');
      const { mkdirSync } = await import('node:fs');
      mkdirSync(source);
      for (const [i, advisory] of advisories().entries()) writeFileSync(path.join(source, `${i}.json`), JSON.stringify(advisory));
      const importStarted = performance.now();
      await importAdvisories(database, source, { now: () => Date.now() });
      const importSeconds = (performance.now() - importStarted) / 1000;
      log(`  import of ${ADVISORIES} advisories: ${importSeconds.toFixed(2)} s`);
      const matchTimes: number[] = [];
      let matches = 0;
      for (let round = 0; round < Math.max(ROUNDS, 5); round++) {
        const started = performance.now();
        matches = (await matchInventory(database.db, inventory!, { languages: true })).length;
        matchTimes.push(performance.now() - started);
      }
      log(`  match: median ${median(matchTimes)!.toFixed(1)} ms per image (${matches} findings)`);

      const rows = [
        '| metric | Stowage |',
        '| --- | ---: |',
        `| inventory, compressed layer read (MB/s) | ${median(inventoryRates)!.toFixed(1)} |`,
        `| match against ${ADVISORIES.toLocaleString('en-US')} advisories, per image (ms) | ${median(matchTimes)!.toFixed(1)} |`,
        `| import of ${ADVISORIES.toLocaleString('en-US')} advisories (s) | ${importSeconds.toFixed(2)} |`,
      ];
      const report = [
        '# Scanning benchmark',
        '',
        `Run on ${new Date().toISOString()} with \`npm run bench:scanning\`: an image of ${(compressed / 1e6).toFixed(0)} MB compressed (two gzip layers, ${PACKAGES} dpkg packages, ${inventory!.languagePackages.length} language packages), ${ROUNDS} rounds, medians.`,
        '',
        ...rows,
        '',
      ].join('\n');
      writeFileSync(path.join(ROOT, 'bench', 'scanning-results.md'), report);
      log('');
      log(rows.join('\n'));
      log('\nresults written to bench/scanning-results.md');
    } finally {
      await database.close();
    }
  } finally {
    removeTempDir(work);
  }
}

await main();
