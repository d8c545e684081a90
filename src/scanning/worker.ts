/**
 * The scan worker of a serving process: takes queued scans (image_scans rows `queued` that
 * no live worker holds: none, or one whose heartbeat stopped because its process died) one
 * at a time and runs them. It wakes when this process queues a scan (a push, StartImageScan)
 * and every `pollMs` for scans queued by other processes sharing the database (rescans
 * queued by `stowage vulndb import`). A scan that fails is recorded FAILED; one that keeps
 * killing its worker is given up after MAX_SCAN_ATTEMPTS tries. The worker goes on.
 */
import type { Logger } from 'pino';
import type { Registry } from '../registry/registry.js';
import { claimNextScan, finishScan, heartbeatScan, recordFindings } from '../storage/meta/scans.js';
import { scanImage, type ScanResult } from './scanner.js';

export interface ScanWorkerOptions {
  /** How often to look for scans queued elsewhere. */
  pollMs: number;
  /** A claimed scan without a heartbeat for this long is taken over. */
  staleMs: number;
}

export interface ScanWorker {
  /** Resolves once no scan is waiting or running here. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export const DEFAULT_SCAN_WORKER_OPTIONS: ScanWorkerOptions = { pollMs: 5_000, staleMs: 60_000 };

export function startScanWorker(registry: Registry, logger: Logger, options: ScanWorkerOptions = DEFAULT_SCAN_WORKER_OPTIONS): ScanWorker {
  const context = registry.context;
  const db = context.database.db;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const drain = async () => {
    while (!stopped) {
      const now = context.now();
      const claimed = await claimNextScan(db, now, now - options.staleMs);
      if (!claimed) return;
      const heartbeat = setInterval(() => void heartbeatScan(db, claimed, context.now()).catch(() => undefined), Math.max(1_000, options.staleMs / 4));
      heartbeat.unref();
      let result: ScanResult;
      try {
        result = await scanImage(context, claimed, claimed.scanType);
      } catch (error) {
        logger.error({ err: error, manifestDigest: claimed.manifestDigest }, 'image scan failed');
        result = { status: 'FAILED', description: 'The image could not be scanned.', counts: null, vulndbUpdatedAt: null };
      } finally {
        clearInterval(heartbeat);
      }
      // The result and its findings together, and only while this worker still holds the scan
      // (requested again meanwhile, it runs again with what changed).
      const finished = context.now();
      await context.database.transaction(async (trx) => {
        if (!(await finishScan(trx, claimed, result, finished))) return;
        if (result.findings) await recordFindings(trx, claimed, result.findings, finished);
      });
    }
  };

  const wake = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        await drain().catch((error: unknown) => logger.error({ err: error }, 'scan queue failed'));
      } while (again && !stopped);
      running = undefined;
    })();
  };

  const unlisten = registry.onScansQueued(wake);
  const poll = setInterval(wake, options.pollMs);
  poll.unref();
  wake();

  return {
    async idle() {
      while (running) await running;
    },
    async stop() {
      stopped = true;
      unlisten();
      clearInterval(poll);
      while (running) await running;
    },
  };
}
