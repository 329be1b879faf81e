import type { OutboxEntry } from './types.js';

/**
 * Refuses an outbox entry whose key does not start with `<roundKey>|`: stores find a round's rows
 * by that prefix, so such an entry would be missing from its round's record after a restart.
 */
export function checkOutboxKeys(entries: readonly OutboxEntry[]): Error | undefined {
  const wrong = entries.find(({ key, roundKey }) => key.charCodeAt(roundKey.length) !== 124 /* | */ || !key.startsWith(roundKey));
  return wrong ? new Error(`outbox key "${wrong.key}" does not start with its round key "${wrong.roundKey}|"`) : undefined;
}
