import type { Logger } from 'pino';
import type { MaybePromise } from '../store/types.js';

/**
 * A journal update nobody waits for: a failure (the store closed at shutdown) is logged, not
 * thrown. A store that answered synchronously costs nothing more.
 */
export function journalQuietly(update: MaybePromise<void>, log: Logger): void {
  if (update instanceof Promise) update.catch((error: unknown) => log.warn({ err: error }, 'journal update failed'));
}
