import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Turn } from '../../src/core/turn.js';
import type { AgentInstance } from '../../src/plugins/api.js';
import { waitFor } from '../support/wait.js';
import { gatewayHarness, inbound } from './gateway-harness.js';

/**
 * Through the whole gateway (journal, scheduler, turn runner, router, outbox, channel): whatever
 * the interleaving, every message gets exactly one final reply, at its own origin, and each chat's
 * replies come in the order its messages arrived (DESIGN.md invariants 1, 2 and 7).
 */
describe('delivery (property)', () => {
  it('one final reply per message, to its origin, in per-chat order, for any arrivals and agent timings', async () => {
    const arrival = fc.record({ chat: fc.integer({ min: 0, max: 5 }), thread: fc.constantFrom(undefined, 't1'), delayMs: fc.integer({ min: 0, max: 4 }) });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(arrival, { minLength: 1, maxLength: 40 }), async (limit, arrivals) => {
        const delays = new Map<string, number>();
        const agent: AgentInstance = {
          kind: 'agent',
          async run(turn: Turn) {
            const message = turn.messages[0]!;
            await sleep(delays.get(message.id) ?? 0);
            await turn.reply(`re ${message.id}`);
          },
        };
        const harness = gatewayHarness(agent, { maxParallelTurns: limit });
        try {
          await Promise.all(
            arrivals.map((a, i) => {
              const id = `m${i}`;
              delays.set(id, a.delayMs);
              return harness.gateway.emit(inbound(`c${a.chat}`, `text ${i}`, { id, chat: { id: `c${a.chat}`, type: 'group', ...(a.thread ? { threadId: a.thread } : {}) } }));
            }),
          );
          await waitFor(() => harness.chat.sent.length >= arrivals.length, 'a reply per message', 10_000);
          await sleep(5); // a duplicate would show now
          expect(harness.chat.sent).toHaveLength(arrivals.length);
          for (const [i, a] of arrivals.entries()) {
            const replies = harness.chat.sent.filter((o) => o.text === `re m${i}`);
            expect(replies).toHaveLength(1);
            expect(replies[0]!.target).toEqual({ channel: 'chat', chatId: `c${a.chat}`, ...(a.thread ? { threadId: a.thread } : {}) });
          }
          // Per session (chat + thread), replies in arrival order.
          const sessions = new Map<string, string[]>();
          for (const [i, a] of arrivals.entries()) {
            const key = `c${a.chat}/${a.thread ?? ''}`;
            sessions.set(key, [...(sessions.get(key) ?? []), `re m${i}`]);
          }
          for (const [key, expected] of sessions) {
            const [chatId, thread] = key.split('/');
            const got = harness.chat.sent.filter((o) => o.target.chatId === chatId && (o.target.threadId ?? '') === thread).map((o) => o.text);
            expect(got, key).toEqual(expected);
          }
        } finally {
          await harness.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('/stop in the same tick as the message: the turn is stopped before its agent runs, the session goes on', async () => {
    const ran: string[] = [];
    const agent: AgentInstance = {
      kind: 'agent',
      async run(turn: Turn) {
        ran.push(turn.messages[0]!.text);
        await turn.reply(`re: ${turn.messages[0]!.text}`);
      },
    };
    const harness = gatewayHarness(agent);
    try {
      const first = harness.gateway.emit(inbound('c', 'starting'));
      const stop = harness.gateway.emit(inbound('c', '/stop'));
      await Promise.all([first, stop]);
      await waitFor(() => harness.chat.sent.length === 1, 'the stop answer');
      await harness.gateway.emit(inbound('c', 'later'));
      await waitFor(() => harness.chat.sent.length === 2, 'the next answer');
      expect(ran).not.toContain('starting');
      expect(harness.chat.textsTo('c')[1]).toBe('re: later');
      expect(await harness.store.inbox.unfinished()).toEqual([]);
    } finally {
      await harness.close();
    }
  });
});
