import { afterEach, describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/gc/duration.js';
import { runGarbageCollection } from '../../src/gc/run.js';
import { listJobs } from '../../src/storage/meta/jobs.js';
import { testDialects } from '../helpers/databases.js';
import { gcFixture, HOUR, putBlob, type GcFixture } from './support.js';

describe('parseDuration', () => {
  it('reads durations with units, combined, and 0', () => {
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5h')).toBe(5_400_000);
  });
  it('refuses anything else', () => {
    for (const text of ['', '10', 'h', '1 h', '1x', '-1h', '1h 30m', '1hh']) expect(() => parseDuration(text)).toThrow(/invalid duration/);
  });
});

describe.each(testDialects())('garbage collection as a job on %s', (dialect) => {
  const open: GcFixture[] = [];
  afterEach(async () => {
    for (const f of open.splice(0)) await f.close();
  });

  it('records a collection as a gc job with its summary; a dry run records nothing', async () => {
    const f = await gcFixture(dialect);
    open.push(f);
    await putBlob(f.registry, 'app', 'unreferenced');
    f.clock.now += 2 * HOUR;
    const dry = await runGarbageCollection(f.registry, 'command', { gracePeriodMs: HOUR, dryRun: true });
    expect(dry).toMatchObject({ linksRemoved: 1, blobsRemoved: 1, dryRun: true });
    expect(await listJobs(f.database.db, 'gc', 10)).toEqual([]);
    const summary = await runGarbageCollection(f.registry, 'command', { gracePeriodMs: HOUR, dryRun: false });
    expect(summary).toMatchObject({ linksRemoved: 1, blobsRemoved: 1, dryRun: false });
    const jobs = await listJobs(f.database.db, 'gc', 10);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ kind: 'gc', trigger: 'command', status: 'complete', summary: { linksRemoved: 1, blobsRemoved: 1 } });
  });
});
