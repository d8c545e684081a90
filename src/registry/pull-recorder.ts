import { recordPulls } from '../storage/meta/manifests.js';
import type { RegistryContext } from './context.js';

/**
 * Remembers when manifests were last pulled and writes the times in batches, so that a
 * pull costs no database write. The time is "last recorded" as ECR calls it: a crash
 * can lose the last few seconds of pull times, never anything else.
 */
export class PullRecorder {
  private pending = new Map<string, { repositoryId: number; digest: string; at: number }>();

  constructor(private readonly context: RegistryContext) {}

  record(repositoryId: number, digest: string): void {
    this.pending.set(`${repositoryId} ${digest}`, { repositoryId, digest, at: this.context.now() });
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    await this.context.database.db.transaction().execute((trx) => recordPulls(trx, batch));
  }
}
