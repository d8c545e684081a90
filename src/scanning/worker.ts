/**
 * The scan worker of a serving process: takes queued scans (image_scans rows PENDING, or
 * IN_PROGRESS with a stale heartbeat, left by a process that died) one at a time and runs
 * them. It wakes when this process queues a scan (a push, StartImageScan, a rescan after a
 * database import) and every `pollMs` for scans queued by other processes sharing the
 * database. A scan that fails is recorded FAILED; the worker goes on.
 */
import type { Logger } from 'pino';
import type { Registry } from '../registry/registry.js';
import { claimNextScan, finishScan, heartbeatScan } from '../storage/meta/scans.js';
import { scanImage } from './scanner.js';

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
      let result;
      try {
        result = await scanImage(context, claimed, claimed.scanType);
      } catch (error) {
        logger.error({ err: error, manifestDigest: claimed.manifestDigest }, 'image scan failed');
        result = { status: 'FAILED' as const, description: 'The image could not be scanned: its layers could not be read.', counts: null, vulndbUpdatedAt: null };
      } finally {
        clearInterval(heartbeat);
      }
      await finishScan(db, claimed, now, result, context.now());
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
