import { afterEach, describe, expect, it } from 'vitest';
import { claimNextScan, type ClaimedScan, finishScan, findScan, heartbeatScan, listFindings, MAX_SCAN_ATTEMPTS, recordFindings, requestScan, type ScanKey } from '../../src/storage/meta/scans.js';
import { testDialects } from '../helpers/databases.js';
import { gcFixture, putImage, type GcFixture } from '../gc/support.js';

const DONE = { status: 'COMPLETE' as const, description: 'done', counts: { HIGH: 1 }, vulndbUpdatedAt: 5 };

describe.each(testDialects())('the scan queue on %s', (dialect) => {
  const open: GcFixture[] = [];
  afterEach(async () => {
    for (const f of open.splice(0)) await f.close();
  });

  async function image(): Promise<{ f: GcFixture; key: ScanKey }> {
    const f = await gcFixture(dialect);
    open.push(f);
    const digest = await putImage(f.registry, 'app', 'v1', 'config', ['layer']);
    const repository = await f.registry.repositories.get('app');
    return { f, key: { repositoryId: repository.id, manifestDigest: digest } };
  }

  it("discards a worker's result once the scan was requested again, and keeps the newer worker's", async () => {
    const { f, key } = await image();
    const db = f.database.db;
    await requestScan(db, key, 'BASIC', 1000);
    const first = (await claimNextScan(db, 2000, 0))!;
    expect(first).toMatchObject({ ...key, scanType: 'BASIC' });
    expect(await claimNextScan(db, 2001, 0)).toBeUndefined(); // held, and alive

    await requestScan(db, key, 'BASIC', 2500);
    const second = (await claimNextScan(db, 3000, 0))!;
    expect(second.token).not.toBe(first.token);
    await heartbeatScan(db, first, 3500); // a stale worker's heartbeat changes nothing
    expect(await f.database.transaction((trx) => finishScan(trx, first, { ...DONE, description: 'stale' }, 4000))).toBe(false);
    expect((await findScan(db, key))!).toMatchObject({ status: 'IN_PROGRESS', queued: true });
    expect(await f.database.transaction((trx) => finishScan(trx, second, DONE, 4100))).toBe(true);
    expect((await findScan(db, key))!).toMatchObject({ status: 'COMPLETE', description: 'done', queued: false, counts: { HIGH: 1 }, completedAt: 4100 });
  });

  it('lets another worker take a scan whose worker stopped sending heartbeats, and gives up after the last attempt', async () => {
    const { f, key } = await image();
    const db = f.database.db;
    await requestScan(db, key, 'ENHANCED', 1000);
    const claims: ClaimedScan[] = [];
    for (let i = 0; i < MAX_SCAN_ATTEMPTS; i++) {
      const at = 2000 + i * 100_000;
      const claim = await claimNextScan(db, at, at - 60_000);
      expect(claim, `attempt ${i + 1}`).toBeDefined();
      claims.push(claim!);
    }
    // The earlier holders lost their claim to the later ones.
    expect(await f.database.transaction((trx) => finishScan(trx, claims[0]!, DONE, 500_000))).toBe(false);
    // The last holder died too: the scan is given up, not tried for ever.
    expect(await claimNextScan(db, 900_000, 900_000 - 60_000)).toBeUndefined();
    expect((await findScan(db, key))!).toMatchObject({ status: 'FAILED', queued: false });
  });

  it('keeps showing the last result while a continuous rescan waits', async () => {
    const { f, key } = await image();
    const db = f.database.db;
    await requestScan(db, key, 'ENHANCED', 1000);
    const claim = (await claimNextScan(db, 2000, 0))!;
    await f.database.transaction((trx) => finishScan(trx, claim, { ...DONE, status: 'ACTIVE' }, 3000));
    await requestScan(db, key, 'ENHANCED', 4000, { keepResult: true });
    expect((await findScan(db, key))!).toMatchObject({ status: 'ACTIVE', queued: true, counts: { HIGH: 1 } });
    await requestScan(db, key, 'BASIC', 5000);
    expect((await findScan(db, key))!).toMatchObject({ status: 'IN_PROGRESS', queued: true, scanType: 'BASIC' });
  });
  it('records findings across scans: first observations kept, gone ones closed, returning ones active again', async () => {
    const { f, key } = await image();
    const db = f.database.db;
    await requestScan(db, key, 'ENHANCED', 1);
    const finding = (name: string, severity = 'HIGH') => ({ key: name, severity, finding: { name } });
    const record = (at: number, findings: ReturnType<typeof finding>[]) => f.database.transaction((trx) => recordFindings(trx, key, findings, at));
    const state = async () =>
      (await listFindings(db, key, { offset: 0, limit: 10 })).map((r) => `${r.key} ${r.status} ${r.severity} ${r.firstObservedAt}-${r.lastObservedAt}`).sort();
    await record(100, [finding('a'), finding('b')]);
    await record(200, [finding('b', 'CRITICAL'), finding('c')]);
    expect(await state()).toEqual(['a CLOSED HIGH 100-100', 'b ACTIVE CRITICAL 100-200', 'c ACTIVE HIGH 200-200']);
    await record(300, [finding('a')]);
    expect(await state()).toEqual(['a ACTIVE HIGH 100-300', 'b CLOSED CRITICAL 100-200', 'c CLOSED HIGH 200-200']);
    expect((await listFindings(db, key, { status: 'ACTIVE', offset: 0, limit: 10 })).map((r) => r.key)).toEqual(['a']);
  });
});
