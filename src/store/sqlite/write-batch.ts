import type Database from 'better-sqlite3';

interface PendingWrite {
  run(): unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Groups the writes made during one tick of the event loop into ONE transaction (flushed on
 * `setImmediate`), in call order. A burst of accepts costs one commit instead of one each; the
 * caller's promise resolves only after the commit, so "accepted" still means durable. If the
 * transaction fails, each write is retried alone so one bad write fails only its own caller.
 */
export class WriteBatch {
  private pending: PendingWrite[] = [];
  private scheduled = false;

  constructor(
    private readonly db: Database.Database,
    /** Called after each commit. */
    private readonly committed: () => void = () => {},
  ) {}

  /** Queues `run` (synchronous SQL) for the next flush; resolves with its result once committed. */
  write<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything queued now (reads call this first so they see every earlier write). */
  flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    if (!this.db.open) {
      for (const write of batch) write.reject(new Error('the store is closed'));
      return;
    }
    let results: unknown[];
    try {
      results = this.db.transaction(() => batch.map((write) => write.run()))();
    } catch {
      for (const write of batch) {
        try {
          write.resolve(this.db.transaction(() => write.run())());
        } catch (error) {
          write.reject(error);
        }
      }
      return;
    }
    this.committed();
    batch.forEach((write, i) => {
      write.resolve(results[i]);
    });
  }
}
