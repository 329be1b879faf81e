import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OpenMessages } from '../../src/store/open-messages.js';
import type { JournaledMessage } from '../../src/store/types.js';

const message = (seq: number): JournaledMessage => ({
  seq,
  sessionKey: 's',
  inbound: { id: String(seq), channel: 'c', chat: { id: 'c', type: 'dm' }, sender: { id: 'u', name: 'u', isBot: false }, text: '', mentionsBot: true, receivedAt: 0 },
});

type Step = { add: number } | { removeEvery: number; offset: number } | { removeSeq: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ add: fc.integer({ min: 1, max: 1500 }) }),
  fc.record({ removeEvery: fc.integer({ min: 1, max: 5 }), offset: fc.nat({ max: 4 }) }),
  fc.record({ removeSeq: fc.integer({ min: -5, max: 6000 }) }),
);

describe('OpenMessages', () => {
  it('holds exactly the added and not removed messages, in seq order, across chunks (property)', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        const open = new OpenMessages();
        const model = new Set<number>();
        let next = 1;
        for (const s of steps) {
          if ('add' in s) {
            for (let i = 0; i < s.add; i++, next++) {
              open.add(message(next));
              model.add(next);
            }
          } else if ('removeEvery' in s) {
            for (const seq of [...model]) {
              if (seq % s.removeEvery === s.offset % s.removeEvery) {
                open.remove(seq);
                model.delete(seq);
              }
            }
          } else {
            open.remove(s.removeSeq);
            model.delete(s.removeSeq);
          }
          expect([...open.values()].map((m) => m.seq)).toEqual([...model].sort((a, b) => a - b));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('lets go of finished chunks, oldest first, kept only behind a message still open', () => {
    const open = new OpenMessages();
    for (let seq = 1; seq <= 5000; seq++) open.add(message(seq));
    expect(open.chunksHeld).toBe(5);
    for (let seq = 2; seq <= 5000; seq++) open.remove(seq);
    expect(open.chunksHeld).toBe(5); // seq 1 holds them
    open.remove(1);
    expect(open.chunksHeld).toBe(1); // the chunk still being filled
    for (let seq = 5001; seq <= 6200; seq++) open.add(message(seq));
    for (let seq = 5001; seq <= 6200; seq++) open.remove(seq);
    expect(open.chunksHeld).toBe(1);
    expect([...open.values()]).toEqual([]);
  });

  it('refuses a seq out of order, and ignores removing one twice', () => {
    const open = new OpenMessages();
    open.add(message(1));
    expect(() => open.add(message(3))).toThrow(/expected seq 2, got 3/);
    open.remove(1);
    open.remove(1);
    open.add(message(2));
    expect([...open.values()].map((m) => m.seq)).toEqual([2]);
  });
});
