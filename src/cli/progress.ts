import { SingleBar } from 'cli-progress';

export interface Progress {
  update(done: number, total: number, label: string): void;
  stop(): void;
}

/**
 * A progress bar on stderr for long commands (`stowage gc`, `stowage lifecycle run`), so
 * that stdout keeps only the command's JSON result. Nothing is drawn when stderr is not a
 * terminal (CI logs, pipes).
 */
export function progressBar(): Progress {
  const bar = new SingleBar({
    stream: process.stderr,
    noTTYOutput: false,
    hideCursor: true,
    clearOnComplete: true,
    format: '{label} [{bar}] {value}/{total}',
  });
  let started = false;
  return {
    update(done, total, label) {
      if (!started) {
        bar.start(total, done, { label });
        started = true;
      }
      bar.setTotal(total);
      bar.update(done, { label });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
