import { Counter, Gauge, type Registry } from 'prom-client';
import { CounterTally, OneLabelHistogram, type TallyCell } from './tallies.js';

/** Where the gauges that are read at scrape time come from (the scheduler). */
export interface GaugeSource {
  turnsRunning(): number;
  sessionsLive(): number;
  sessionQueueDepth(): number;
}

/** The core's metrics (issue names, DESIGN.md words). One set per daemon registry. */
export interface CoreMetrics {
  /** The gauges `turnsRunning`, `sessionsLive` and `sessionQueueDepth` are read from `source` when scraped. */
  readGaugesFrom(source: GaugeSource): void;
  /** A channel's count of `switchboard_inbound_messages_total` (added to the counter when scraped). */
  inboundOf(channel: string): TallyCell;
  inboundMessages: Counter<'channel'>;
  turnsRunning: Gauge;
  turnDuration: OneLabelHistogram;
  sessionQueueDepth: Gauge;
  sessionsLive: Gauge;
  repliesSent: Counter<'channel'>;
  sendsRetried: Counter<'channel'>;
  sendsFailed: Counter<'channel' | 'reason'>;
  dedupeSuppressed: Counter<'reason'>;
  refusedBusy: Counter<'channel'>;
  turnsAborted: Counter<'reason'>;
  turnsAbandoned: Counter;
  turnErrors: Counter;
  pluginRestarts: Counter<'plugin'>;
  duplicatesIgnored: Counter<'channel'>;
}

/** Registers the core metrics on `registry`. */
export function createCoreMetrics(registry: Registry): CoreMetrics {
  const registers = [registry];
  let source: GaugeSource | undefined;
  const read = (name: keyof GaugeSource) =>
    function collect(this: Gauge) {
      if (source) this.set(source[name]());
    };
  const inbound = new CounterTally();
  return {
    readGaugesFrom: (gauges) => {
      source = gauges;
    },
    inboundOf: (channel) => inbound.cell(channel),
    inboundMessages: new Counter({
      name: 'switchboard_inbound_messages_total',
      help: 'Inbound messages accepted, by channel',
      labelNames: ['channel'],
      registers,
      collect(this: Counter<'channel'>) {
        inbound.flushInto(this, 'channel');
      },
    }),
    turnsRunning: new Gauge({
      name: 'switchboard_turns_running',
      help: 'Turns running now',
      registers,
      collect: read('turnsRunning'),
    }),
    turnDuration: new OneLabelHistogram(
      'switchboard_turn_duration_seconds',
      'Turn duration, by outcome',
      'outcome',
      [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registry,
    ),
    sessionQueueDepth: new Gauge({
      name: 'switchboard_session_queue_depth',
      help: 'Messages waiting in session queues (all sessions)',
      registers,
      collect: read('sessionQueueDepth'),
    }),
    sessionsLive: new Gauge({
      name: 'switchboard_sessions_live',
      help: 'Sessions with a live group',
      registers,
      collect: read('sessionsLive'),
    }),
    repliesSent: new Counter({
      name: 'switchboard_replies_sent_total',
      help: 'Message parts delivered to a platform, by channel',
      labelNames: ['channel'],
      registers,
    }),
    sendsRetried: new Counter({
      name: 'switchboard_sends_retried_total',
      help: 'Sends retried after a transient failure, by channel',
      labelNames: ['channel'],
      registers,
    }),
    sendsFailed: new Counter({
      name: 'switchboard_sends_failed_total',
      help: 'Sends given up after a permanent failure, by channel and reason',
      labelNames: ['channel', 'reason'],
      registers,
    }),
    dedupeSuppressed: new Counter({
      name: 'switchboard_dedupe_suppressions_total',
      help: 'Final answers not sent by the per-round dedupe, by reason',
      labelNames: ['reason'],
      registers,
    }),
    refusedBusy: new Counter({
      name: 'switchboard_refused_busy_total',
      help: 'Messages refused because their session backlog was full, by channel',
      labelNames: ['channel'],
      registers,
    }),
    turnsAborted: new Counter({
      name: 'switchboard_turns_aborted_total',
      help: 'Turns aborted, by reason (stop, interrupt, timeout, shutdown)',
      labelNames: ['reason'],
      registers,
    }),
    turnsAbandoned: new Counter({
      name: 'switchboard_turns_abandoned_total',
      help: 'Aborted turns ended without their agent, which did not stop within the grace time',
      registers,
    }),
    turnErrors: new Counter({ name: 'switchboard_turn_errors_total', help: 'Turns whose agent threw', registers }),
    pluginRestarts: new Counter({
      name: 'switchboard_plugin_restarts_total',
      help: 'Plugin start retries after a failure, by plugin',
      labelNames: ['plugin'],
      registers,
    }),
    duplicatesIgnored: new Counter({
      name: 'switchboard_duplicates_ignored_total',
      help: 'Platform redeliveries recognised and ignored, by channel',
      labelNames: ['channel'],
      registers,
    }),
  };
}
