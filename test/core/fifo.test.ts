import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fifo } from '../../src/core/fifo.js';

type Op = { push: number } | { shift: true } | { takeAll: true } | { pushFront: number[] };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ push: fc.integer() }) },
  { weight: 5, arbitrary: fc.constant({ shift: true as const }) },
  { weight: 1, arbitrary: fc.constant({ takeAll: true as const }) },
  { weight: 1, arbitrary: fc.record({ pushFront: fc.array(fc.integer(), { maxLength: 4 }) }) },
);

describe('Fifo', () => {
  it('behaves as an array used with push, shift, splice(0) and unshift (property)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 600 }), (ops) => {
        const fifo = new Fifo<number>();
        const model: number[] = [];
        for (const o of ops) {
          if ('push' in o) {
            fifo.push(o.push);
            model.push(o.push);
          } else if ('shift' in o) expect(fifo.shift()).toBe(model.shift());
          else if ('takeAll' in o) expect(fifo.takeAll()).toEqual(model.splice(0));
          else {
            fifo.pushFront(o.pushFront);
            model.unshift(...o.pushFront);
          }
          expect(fifo.length).toBe(model.length);
        }
        expect(fifo.takeAll()).toEqual(model);
      }),
    );
  });
});
