import type { Logger } from 'pino';

/** Longest delay setTimeout takes. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ScheduledJob {
  stop(): void;
}

/**
 * Runs `run` every `intervalMs`, counted from the start of the last completed run as the
 * database records it (`lastRun`), so that a restart neither repeats a run nor skips one,
 * and several processes sharing the storage run it about once per interval between them
 * (the job itself makes sure only one runs at a time). Without a recorded run the first one
 * comes one interval after this process started. An interval of 0 schedules nothing.
 */
export function scheduleJob(options: {
  intervalMs: number;
  lastRun: () => Promise<number | undefined>;
  run: () => Promise<unknown>;
  now: () => number;
  logger: Logger;
  what: string;
}): ScheduledJob {
  const { intervalMs, logger, what } = options;
  const startedAt = options.now();
  let timer: NodeJS.Timeout | undefined;
  let stopped = intervalMs <= 0;

  const plan = async () => {
    if (stopped) return;
    let delay = intervalMs;
    try {
      const last = (await options.lastRun()) ?? startedAt;
      delay = Math.max(0, last + intervalMs - options.now());
    } catch (error) {
      logger.warn({ err: error }, `could not read when ${what} last ran`);
    }
    if (stopped) return;
    timer = setTimeout(() => void fire(), Math.min(delay, MAX_TIMER_MS));
    timer.unref();
  };
  const fire = async () => {
    try {
      await options.run();
    } catch (error) {
      logger.error({ err: error }, `${what} failed`);
    }
    // Another process may have run it meanwhile; a run that found one under way recorded nothing.
    await plan();
  };

  void plan();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
