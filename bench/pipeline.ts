/**
 * bench/pipeline: a burst of 100,000 messages over 1,000 sessions through the pipeline (emit ->
 * journal (memory) -> session queues -> FIFO limiter -> no-op agent), maxParallelTurns 64, against a
 * plain-JavaScript FIFO semaphore loop fed the same burst (the in-process floor); the same with
 * 1,000,000 messages to show linear cost (each figure the median of three interleaved runs);
 * latency at a steady rate; heap per idle session. Also the scheduler alone (no journal, no turn
 * runner), to show where the pipeline's time goes.
 */

import { Scheduler } from '../src/core/scheduler.js';
import type { AgentInstance } from '../src/plugins/api.js';
import { createMemoryStore } from '../src/store/memory.js';
import { benchGateway, benchInbound, drained } from './support/gateway.js';
import { gc, percentile, printResult, printTable, round } from './support/report.js';

const sessions = 1_000;
const limit = 64;
const noop: AgentInstance = { kind: 'agent', run: async () => {} };

/**
 * The floor: per-session FIFO queues and a global FIFO semaphore in plain JavaScript, fed the same
 * burst as the pipeline (the same generated Inbound objects, keyed by their session key, each handed
 * to the same no-op agent). `integers` feeds it bare indices instead, the lighter loop quoted in
 * issue 2 ("about 1.5-4.5 M msg/s"): it holds no message objects, so it skips the allocation and
 * GC cost that any gateway holding a burst of real messages pays.
 */
async function floor(messages: number, integers = false): Promise<number> {
  const queues = new Map<string, unknown[]>();
  const waiting: string[] = [];
  let waitingHead = 0;
  let running = 0;
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const start = (key: string) => {
    running++;
    const queue = queues.get(key)!;
    noop.run(queue.shift() as never).then(() => {
      running--;
      done++;
      if (queue.length > 0) waiting.push(key);
      else queues.delete(key);
      while (running < limit && waitingHead < waiting.length) start(waiting[waitingHead++]!);
      if (done === messages) finish();
    });
  };
  const began = performance.now();
  for (let i = 0; i < messages; i++) {
    let key: string;
    let item: unknown;
    if (integers) {
      key = String(i % sessions);
      item = i;
    } else {
      const inbound = benchInbound(i, sessions);
      key = `${inbound.channel}:${inbound.chat.id}`;
      item = inbound;
    }
    let queue = queues.get(key);
    if (!queue) {
      queues.set(key, (queue = []));
      queue.push(item);
      if (running < limit) start(key);
      else waiting.push(key);
    } else queue.push(item);
  }
  await finished;
  return messages / ((performance.now() - began) / 1000);
}

/**
 * The scheduler alone (session groups + FIFO limiter), for where the time goes: turns that end on
 * the next microtask, no journal, no turn runner (no AbortSignal, metrics, timeouts or agent call).
 */
async function schedulerOnly(messages: number): Promise<number> {
  let ended = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const scheduler = new Scheduler(
    { queueMode: 'queue', maxParallelTurns: limit, maxQueuedPerSession: Math.ceil(messages / sessions) + 1, sessionIdleMs: 300_000, acceptsSteering: false },
    {
      startTurn: (queued, owner) => {
        void Promise.resolve().then(() => {
          ended += queued.length;
          owner.turnEnded([]);
          if (ended === messages) finish();
        });
        return { id: 't', startedAt: 0, steeringBacklog: 0, steer: () => false, abort: () => undefined };
      },
      refuse: () => undefined,
      cancel: () => undefined,
    },
  );
  const began = performance.now();
  for (let i = 0; i < messages; i++) {
    const inbound = benchInbound(i, sessions);
    scheduler.push({ seq: i + 1, sessionKey: `bench:${inbound.chat.id}`, inbound, replayed: false });
  }
  await finished;
  const rate = messages / ((performance.now() - began) / 1000);
  scheduler.close();
  return rate;
}

async function burst(messages: number): Promise<number> {
  const store = createMemoryStore();
  let answered = 0;
  let allAnswered!: () => void;
  const finished = new Promise<void>((resolve) => (allAnswered = resolve));
  const counting: AgentInstance = {
    kind: 'agent',
    run: async (turn) => {
      answered += turn.messages.length;
      if (answered === messages) allAnswered();
    },
  };
  const gateway = benchGateway(store, counting, { maxQueuedPerSession: Math.ceil(messages / sessions) + 1 });
  const began = performance.now();
  // Like the floor, the burst is not held in an array of promises: each emit is fire-and-forget.
  for (let i = 0; i < messages; i++) void gateway.emit(benchInbound(i, sessions));
  await finished;
  await drained(gateway);
  const rate = messages / ((performance.now() - began) / 1000);
  gateway.scheduler.close();
  await store.close();
  return rate;
}

/** Latency from emit to the end of the turn, at a steady rate well under capacity. */
async function latency(): Promise<{ p50: number; p99: number }> {
  const store = createMemoryStore();
  const started = new Map<string, number>();
  const latencies: number[] = [];
  const agent: AgentInstance = {
    kind: 'agent',
    run: async (turn) => {
      for (const message of turn.messages) latencies.push(performance.now() - started.get(message.id)!);
    },
  };
  const gateway = benchGateway(store, agent);
  for (let tick = 0; tick < 200; tick++) {
    for (let j = 0; j < 100; j++) {
      const i = tick * 100 + j;
      started.set(String(i), performance.now());
      void gateway.emit(benchInbound(i, sessions));
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await drained(gateway);
  gateway.scheduler.close();
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** Heap held per live idle session, and sessions left after the idle time. */
async function heapPerSession(): Promise<{ bytes: number; retained: number }> {
  const count = 100_000;
  const store = createMemoryStore();
  const gateway = benchGateway(store, noop, { sessionIdleMs: 50 });
  // The journal is not the pipeline's memory: finish rows are pruned by retention, not idleness.
  for (let i = 0; i < 1_000; i++) await gateway.emit(benchInbound(i, count));
  await drained(gateway);
  gc();
  const before = process.memoryUsage().heapUsed;
  const liveBefore = gateway.scheduler.sessionsLive;
  for (let i = 1_000; i < count; i++) await gateway.emit(benchInbound(i, count));
  await drained(gateway);
  await store.prune(Date.now() + 1);
  gc();
  const after = process.memoryUsage().heapUsed;
  const bytes = (after - before) / (gateway.scheduler.sessionsLive - liveBefore);
  await new Promise((resolve) => setTimeout(resolve, 120));
  gateway.scheduler.sweepIdle();
  const retained = gateway.scheduler.sessionsLive;
  gateway.scheduler.close();
  return { bytes, retained };
}

/** The median of some measurements. */
function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

/** Three runs of each measurement, interleaved (the machines are noisy). */
async function interleaved<K extends string>(measures: Record<K, () => Promise<number>>): Promise<Record<K, number>> {
  const runs = {} as Record<K, number[]>;
  for (let i = 0; i < 3; i++) for (const key in measures) (runs[key] ??= []).push(await measures[key]());
  const medians = {} as Record<K, number>;
  for (const key in runs) medians[key] = median(runs[key]);
  return medians;
}

async function main(): Promise<void> {
  // Warm-up so every side runs optimized code.
  await floor(20_000);
  await floor(20_000, true);
  await burst(20_000);
  await schedulerOnly(20_000);
  const {
    floorRate,
    integerFloorRate,
    schedulerRate,
    rate,
    rate1M,
  } = await interleaved({
    floorRate: () => floor(100_000),
    integerFloorRate: () => floor(100_000, true),
    schedulerRate: () => schedulerOnly(100_000),
    rate: () => burst(100_000),
    rate1M: () => burst(1_000_000),
  });
  const { p50, p99 } = await latency();
  const heap = await heapPerSession();
  printTable([
    { case: 'floor: plain FIFO semaphore, the same 100k burst', msgsPerSec: Math.round(floorRate) },
    { case: 'floor fed bare integers (no message objects)', msgsPerSec: Math.round(integerFloorRate) },
    { case: 'scheduler alone (groups + limiter), 100k burst', msgsPerSec: Math.round(schedulerRate) },
    { case: 'pipeline, 100k burst / 1k sessions', msgsPerSec: Math.round(rate) },
    { case: 'pipeline, 1M burst / 1k sessions', msgsPerSec: Math.round(rate1M) },
  ]);
  console.log(`steady-rate latency emit -> turn end: p50 ${round(p50, 3)} ms, p99 ${round(p99, 3)} ms`);
  console.log(
    `heap per live idle session: ${Math.round(heap.bytes)} B; sessions retained after expiry: ${heap.retained}`,
  );
  printResult('pipeline', {
    msgsPerSec: Math.round(rate),
    floorMsgsPerSec: Math.round(floorRate),
    ratio: round(rate / floorRate, 3),
    msgsPerSec1M: Math.round(rate1M),
    scaling: round(rate1M / rate, 3),
    p50Ms: round(p50, 3),
    p99Ms: round(p99, 3),
    heapBytesPerSession: Math.round(heap.bytes),
    sessionsRetainedAfterExpiry: heap.retained,
    integerFloorMsgsPerSec: Math.round(integerFloorRate),
    ratioToIntegerFloor: round(rate / integerFloorRate, 3),
    schedulerMsgsPerSec: Math.round(schedulerRate),
    schedulerRatio: round(schedulerRate / floorRate, 3),
  });
}

await main();
