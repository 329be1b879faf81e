import type { TgUpdate } from './normalize.js';

/** What became of one update of a batch: handled (`ack` / `closed`), `failed` (threw) or `skipped`. */
export type BatchOutcome = 'ack' | 'closed' | 'failed' | 'skipped';

/** Result of {@link takeBatch}: each update's outcome, and the offset that acknowledges exactly the taken prefix. */
export interface BatchResult {
  outcomes: BatchOutcome[];
  /** `update_id + 1` of the last update of the all-`ack` prefix; undefined when the first was not taken. */
  offset: number | undefined;
  /** The first error thrown by the handler, if any. */
  error?: { update: TgUpdate; error: unknown };
}

/**
 * Takes one getUpdates batch: chats in parallel, the updates of one chat strictly in order. Once an
 * update of a chat is not taken (`closed` or a throw), the chat's later updates of the batch are
 * skipped, so a redelivery can never put them ahead of it. The offset only moves past the longest
 * prefix of the batch that was taken: updates of other chats past a failure are fetched again and
 * recognised by the journal as duplicates (idempotent on the platform id).
 */
export async function takeBatch(
  updates: readonly TgUpdate[],
  handle: (update: TgUpdate) => Promise<'ack' | 'closed'>,
): Promise<BatchResult> {
  const chains = new Map<string, Promise<BatchOutcome>>();
  let error: BatchResult['error'];
  const pending = updates.map((update) => {
    const key = chatKeyOf(update);
    const previous = chains.get(key) ?? Promise.resolve<BatchOutcome>('ack');
    const outcome = previous.then(async (before): Promise<BatchOutcome> => {
      if (before !== 'ack') return 'skipped';
      try {
        return await handle(update);
      } catch (thrown) {
        error ??= { update, error: thrown };
        return 'failed';
      }
    });
    chains.set(key, outcome);
    return outcome;
  });
  const outcomes = await Promise.all(pending);
  let offset: number | undefined;
  for (const [index, outcome] of outcomes.entries()) {
    if (outcome !== 'ack') break;
    offset = updates[index]!.update_id + 1;
  }
  return { outcomes, offset, ...(error ? { error } : {}) };
}

function chatKeyOf(update: TgUpdate): string {
  const chat = (update.message ?? update.edited_message)?.chat.id;
  return chat === undefined ? `update:${update.update_id}` : `chat:${chat}`;
}
