import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CounterTally, OneLabelHistogram } from '../../src/admin/tallies.js';

const bounds = [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300];

describe('metric tallies', () => {
  it('OneLabelHistogram exposes exactly what a prom-client Histogram does for the same observations (property)', async () => {
    const observation = fc.record({
      outcome: fc.constantFrom('done', 'error', 'stop'),
      seconds: fc.oneof(fc.constantFrom(0, ...bounds), fc.double({ min: 0, max: 1000, noNaN: true })),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(observation, { maxLength: 40 }), async (observations) => {
        const ours = new Registry();
        const theirs = new Registry();
        const histogram = new OneLabelHistogram('t_seconds', 'Turn time', 'outcome', bounds, ours);
        const reference = new Histogram({ name: 't_seconds', help: 'Turn time', labelNames: ['outcome'], buckets: bounds, registers: [theirs] });
        for (const { outcome, seconds } of observations) {
          histogram.labels(outcome).observe(seconds);
          reference.observe({ outcome }, seconds);
        }
        expect(await ours.metrics()).toBe(await theirs.metrics());
      }),
      { numRuns: 60 },
    );
  });

  it('CounterTally adds its counts to the counter when scraped, once', async () => {
    const registry = new Registry();
    const tally = new CounterTally();
    const counter = new Counter({
      name: 'in_total',
      help: 'In',
      labelNames: ['channel'],
      registers: [registry],
      collect(this: Counter<'channel'>) {
        tally.flushInto(this, 'channel');
      },
    });
    tally.cell('web').count += 3;
    tally.cell('slack').count++;
    expect(await registry.metrics()).toContain('in_total{channel="web"} 3');
    tally.cell('web').count++;
    const values = (await counter.get()).values.map((v) => [v.labels.channel, v.value]);
    expect(values).toEqual([
      ['web', 4],
      ['slack', 1],
    ]);
  });
});
