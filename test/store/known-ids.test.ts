import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KnownIds } from '../../src/store/known-ids.js';

type Op = { add: string; generation: number } | { forgetBefore: number };

const id = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.nat({ max: 300 }).map(String),
  fc.constantFrom('', '0', '00', '1700000000.000100', '1234567890123456789', 'é', '\u{1F600}'),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ add: id, generation: fc.nat({ max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ forgetBefore: fc.nat({ max: 7 }) }) },
);

describe('KnownIds', () => {
  it('answers as a Map of id -> last generation would, through growth and forgetting (property)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), fc.constantFrom(1, 2, 16), (ops, slotsPerShard) => {
        const table = new KnownIds(slotsPerShard);
        const model = new Map<string, number>();
        for (const step of ops) {
          if ('add' in step) {
            expect(table.add(step.add, step.generation)).toBe(!model.has(step.add));
            model.set(step.add, step.generation);
          } else {
            let forgotten = 0;
            for (const [known, generation] of model) {
              if (generation < step.forgetBefore) {
                model.delete(known);
                forgotten++;
              }
            }
            expect(table.forgetWhere((generation) => generation < step.forgetBefore)).toBe(forgotten);
          }
          expect(table.size).toBe(model.size);
        }
        // Every id the model knows is known (adding it again says so), every other is new.
        for (const [known, generation] of model) expect(table.add(known, generation)).toBe(false);
      }),
    );
  });

  it('tells 200,000 distinct ids from their repeats, and forgets them by generation', () => {
    const table = new KnownIds();
    let taken = 0;
    for (let i = 0; i < 200_000; i++) if (table.add(String(i), i < 100_000 ? 1 : 2)) taken++;
    expect(taken).toBe(200_000);
    let repeatsTaken = 0;
    for (let i = 0; i < 200_000; i += 7) if (table.add(String(i), i < 100_000 ? 1 : 2)) repeatsTaken++;
    expect(repeatsTaken).toBe(0);
    expect(table.forgetWhere((generation) => generation === 1)).toBe(100_000);
    expect(table.size).toBe(100_000);
    expect(table.add('5', 3)).toBe(true);
    expect(table.add('150000', 3)).toBe(false);
  });
});
