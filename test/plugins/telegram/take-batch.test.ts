import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TgUpdate } from '../../../plugins/telegram/normalize.js';
import { takeBatch } from '../../../plugins/telegram/take-batch.js';

/** One getUpdates batch: chats in parallel, each chat in order, the offset past the taken prefix only. */

function update(updateId: number, chat: number): TgUpdate {
  return {
    update_id: updateId,
    message: { message_id: updateId, date: 0, chat: { id: chat, type: 'private' }, from: { id: chat, is_bot: false, first_name: 'u' }, text: `m${updateId}` },
  } as TgUpdate;
}

describe('takeBatch', () => {
  it('handles other chats while one chat waits', async () => {
    let releaseA!: () => void;
    const aBlocked = new Promise<void>((resolve) => (releaseA = resolve));
    const seen: number[] = [];
    const result = takeBatch([update(1, 100), update(2, 200), update(3, 100)], async (u) => {
      seen.push(u.update_id);
      if (u.update_id === 1) await aBlocked;
      if (u.update_id === 2) releaseA(); // only reached if chat 200 did not wait for chat 100
      return 'ack';
    });
    const { outcomes, offset } = await result;
    expect(seen).toEqual([1, 2, 3]);
    expect(outcomes).toEqual(['ack', 'ack', 'ack']);
    expect(offset).toBe(4);
  });

  it('property: per chat in order and nothing after a chat\'s untaken update; offset past the taken prefix', async () => {
    const step = fc.record({ chat: fc.integer({ min: 1, max: 4 }), result: fc.constantFrom('ack', 'ack', 'ack', 'closed', 'throw'), delay: fc.integer({ min: 0, max: 3 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
        const updates = steps.map((s, index) => update(1000 + index, s.chat));
        const handled: Array<{ id: number; chat: number }> = [];
        const { outcomes, offset } = await takeBatch(updates, async (u) => {
          const index = u.update_id - 1000;
          const s = steps[index]!;
          for (let i = 0; i < s.delay; i++) await new Promise((resolve) => setImmediate(resolve));
          handled.push({ id: u.update_id, chat: s.chat });
          if (s.result === 'throw') throw new Error('journal unavailable');
          return s.result as 'ack' | 'closed';
        });
        // Each chat's updates were handled in batch order, and stop at the first one not taken.
        for (const chat of new Set(steps.map((s) => s.chat))) {
          const ofChat = updates.filter((_, i) => steps[i]!.chat === chat).map((u) => u.update_id);
          const firstUntaken = ofChat.findIndex((id) => steps[id - 1000]!.result !== 'ack');
          const expected = firstUntaken === -1 ? ofChat : ofChat.slice(0, firstUntaken + 1);
          expect(handled.filter((h) => h.chat === chat).map((h) => h.id)).toEqual(expected);
        }
        expect(handled).toHaveLength(outcomes.filter((o) => o !== 'skipped').length);
        // The offset acknowledges exactly the all-ack prefix of the batch.
        const prefix = outcomes.findIndex((o) => o !== 'ack');
        const taken = prefix === -1 ? updates.length : prefix;
        expect(offset).toBe(taken === 0 ? undefined : updates[taken - 1]!.update_id + 1);
        for (let i = 0; i < taken; i++) expect(steps[i]!.result).toBe('ack');
      }),
      { numRuns: 200 },
    );
  });
});
