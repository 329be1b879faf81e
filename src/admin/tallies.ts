import type { Counter, Histogram, Registry } from 'prom-client';

/**
 * Metrics counted on the hot path (per message, per turn) as plain numbers, handed to Prometheus
 * when scraped. prom-client hashes the label values on every `inc`/`observe`; at hundreds of
 * thousands of turns per second that was a tenth of the pipeline's time.
 */

/** One label value's count, added to its counter at the next scrape. */
export interface TallyCell {
  count: number;
}

/** Per-label counts of a one-label counter; `flushInto` runs in the counter's `collect`. */
export class CounterTally {
  private readonly cells = new Map<string, TallyCell>();

  cell(labelValue: string): TallyCell {
    let cell = this.cells.get(labelValue);
    if (!cell) this.cells.set(labelValue, (cell = { count: 0 }));
    return cell;
  }

  flushInto(counter: Counter<string>, labelName: string): void {
    for (const [value, cell] of this.cells) {
      if (cell.count === 0) continue;
      counter.inc({ [labelName]: value }, cell.count);
      cell.count = 0;
    }
  }
}

/** One label value's series of a {@link OneLabelHistogram}. */
export class HistogramSeries {
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  readonly counts: Float64Array;
  sum = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
  }
}

/**
 * A Prometheus histogram with one label, registered on a prom-client registry and exposed in the
 * same text as prom-client's own (cumulative `_bucket` series with `le`, `_sum`, `_count`), whose
 * `observe` is a bucket search and two additions.
 */
export class OneLabelHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelName: string,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    // The registry only calls get() and reset(); its type lists prom-client's own classes.
    registry.registerMetric(this as unknown as Histogram);
  }

  labels(value: string): HistogramSeries {
    let series = this.series.get(value);
    if (!series) this.series.set(value, (series = new HistogramSeries(this.bounds)));
    return series;
  }

  get() {
    const values: Array<{ labels: Record<string, string | number>; sharedLabels: Record<string, string>; value: number; metricName: string }> = [];
    for (const [labelValue, series] of this.series) {
      const sharedLabels = { [this.labelName]: labelValue };
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += series.counts[i]!;
        values.push({ labels: { le: this.bounds[i]! }, sharedLabels, value: cumulative, metricName: `${this.name}_bucket` });
      }
      const count = cumulative + series.counts[this.bounds.length]!;
      values.push({ labels: { le: '+Inf' }, sharedLabels, value: count, metricName: `${this.name}_bucket` });
      values.push({ labels: {}, sharedLabels, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels, value: count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  reset(): void {
    this.series.clear();
  }
}
