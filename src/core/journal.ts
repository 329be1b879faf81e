import type { Logger } from 'pino';
import type { MaybePromise } from '../store/types.js';

/**
 * A journal update nobody waits for: a failure (the store closed at shutdown) is logged, not
 * thrown. A store that answered synchronously costs nothing more.
 */
export function journalQuietly(update: MaybePromise<void>, log: Logger): void {
  if (update instanceof Promise) update.catch((error: unknown) => log.warn({ err: error }, 'journal update failed'));
}

/**
 * Runs `next` once `update` is journaled: at once when the store answered synchronously (no promise
 * per call), else when its write settles. A failed write is logged and `next` runs anyway, so the
 * pipeline never waits on a journal that cannot answer (what it failed to record is replayed).
 */
export function afterJournal(update: MaybePromise<void>, next: () => void, log: Logger): void {
  if (!(update instanceof Promise)) {
    next();
    return;
  }
  update.then(next, (error: unknown) => {
    log.error({ err: error }, 'journal update failed');
    next();
  });
}
