/**
 * bench/pipeline: a burst of 100,000 messages over 1,000 sessions through the pipeline (emit ->
 * journal (memory) -> session queues -> FIFO limiter -> no-op agent), maxParallelTurns 64, against a
 * plain-JavaScript FIFO semaphore loop fed the same burst (the in-process floor); the same with
 * 1,000,000 messages to show linear cost (each figure the median of five interleaved runs, each
 * run warm: see `warm`);
 * latency at a steady rate; heap per idle session. Every burst is built before the clock starts
 * (the same message objects for each side): only pushing it through is timed. Also, for where the
 * time goes: the scheduler alone, and a global semaphore without per-session order.
 */

import { Scheduler } from '../src/core/scheduler.js';
import type { Inbound } from '../src/core/types.js';
import type { AgentInstance } from '../src/plugins/api.js';
import { createMemoryStore } from '../src/store/memory.js';
import { benchGateway, benchInbound, drained } from './support/gateway.js';
import { gc, percentile, printResult, printTable, round } from './support/report.js';

const sessions = 1_000;
const limit = 64;
const noop: AgentInstance = { kind: 'agent', run: async () => {} };

/**
 * A burst of `messages` messages over the sessions, built before a measurement starts; ids from
 * `from` on (a platform never repeats one, and the journal would refuse it as a redelivery).
 */
function burstOf(messages: number, from = 0): Inbound[] {
  const burst = new Array<Inbound>(messages);
  for (let i = 0; i < messages; i++) burst[i] = benchInbound(from + i, sessions);
  gc();
  return burst;
}

/** One side of the comparison: serves a burst and answers its rate; `close` ends its state. */
interface Side {
  serve(burst: readonly Inbound[]): Promise<number>;
  close?(): unknown;
}

/** A side with no state of its own between bursts (the plain-JS loops). */
const stateless = (serve: (burst: readonly Inbound[]) => Promise<number>) => (): Side => ({ serve });

/**
 * Each side is measured warm, as a running daemon meets a burst: the same code, with the same state
 * (the pipeline's gateway, store and sessions), has just served a burst of the same size, untimed.
 * A cold first burst pays one-off costs (tables and heap growing, fresh memory faulted in at
 * 10-20 us a page on our VMs) that say nothing about the cost per message, and how many of them a
 * run pays depends on what ran before it. Measured cold after a throwaway burst of another kind,
 * one bench's floor runs spread 1.4-3.9 M msg/s, and the ratio came out 0.18-0.34 over ten benches
 * of one day; measured warm, 0.21-0.34 over sixteen, fifteen of them within 0.21-0.27.
 */
async function warm(open: (messages: number) => Side, messages: number): Promise<number> {
  const side = open(messages);
  try {
    await side.serve(burstOf(messages));
    return await side.serve(burstOf(messages, messages));
  } finally {
    await side.close?.();
  }
}

/**
 * The floor: per-session FIFO queues (keyed by the session key) and a global FIFO semaphore in
 * plain JavaScript, each message handed to the same no-op agent, in per-session order like the
 * pipeline. Written tight (a queue object per session with its own completion callback, read by
 * index, no closure per message), so the ratio is against the least such a loop can cost.
 */
async function floor(burst: readonly Inbound[]): Promise<number> {
  interface Queue {
    readonly items: Inbound[];
    head: number;
    readonly done: () => void;
  }
  const queues = new Map<string, Queue>();
  const waiting: Queue[] = [];
  let waitingHead = 0;
  let running = 0;
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const start = (queue: Queue) => {
    running++;
    void noop.run(queue.items[queue.head++] as never).then(queue.done);
  };
  const queueFor = (key: string): Queue => {
    const queue: Queue = {
      items: [],
      head: 0,
      done: () => {
        running--;
        done++;
        if (queue.head < queue.items.length) waiting.push(queue);
        else queues.delete(key);
        while (running < limit && waitingHead < waiting.length) start(waiting[waitingHead++]!);
        if (done === burst.length) finish();
      },
    };
    queues.set(key, queue);
    return queue;
  };
  const began = performance.now();
  for (const inbound of burst) {
    const key = `${inbound.channel}:${inbound.chat.id}`;
    const queue = queues.get(key);
    if (queue) queue.items.push(inbound);
    else {
      const fresh = queueFor(key);
      fresh.items.push(inbound);
      if (running < limit) start(fresh);
      else waiting.push(fresh);
    }
  }
  await finished;
  return burst.length / ((performance.now() - began) / 1000);
}

/** A lighter loop, for scale: the global FIFO semaphore alone, with no per-session order. */
async function semaphoreOnly(burst: readonly Inbound[]): Promise<number> {
  const queue: Inbound[] = [];
  let head = 0;
  let running = 0;
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const run = (inbound: Inbound) => {
    running++;
    noop.run(inbound as never).then(() => {
      running--;
      done++;
      if (head < queue.length) run(queue[head++]);
      if (done === burst.length) finish();
    });
  };
  const began = performance.now();
  for (const inbound of burst) {
    if (running < limit) run(inbound);
    else queue.push(inbound);
  }
  await finished;
  return burst.length / ((performance.now() - began) / 1000);
}

/**
 * The scheduler alone (session groups + FIFO limiter), for where the time goes: turns that end on
 * the next microtask, no journal, no turn runner (no AbortSignal, metrics, timeouts or agent call).
 */
function schedulerOnly(messages: number): Side {
  let ended = 0;
  let expected = 0;
  let finish!: () => void;
  const scheduler = new Scheduler(
    { queueMode: 'queue', maxParallelTurns: limit, maxQueuedPerSession: Math.ceil(messages / sessions) + 1, sessionIdleMs: 300_000, acceptsSteering: false },
    {
      startTurn: (queued, owner) => {
        void Promise.resolve().then(() => {
          ended += queued.length;
          owner.turnEnded([]);
          if (ended === expected) finish();
        });
        return { id: 't', startedAt: 0, steeringBacklog: 0, steer: () => false, abort: () => undefined };
      },
      refuse: () => undefined,
      cancel: () => undefined,
    },
  );
  let seq = 0;
  const serve = async (burst: readonly Inbound[]): Promise<number> => {
    ended = 0;
    expected = burst.length;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const began = performance.now();
    for (let i = 0; i < burst.length; i++) {
      const inbound = burst[i]!;
      scheduler.push({ seq: ++seq, sessionKey: `bench:${inbound.chat.id}`, inbound });
    }
    await finished;
    return burst.length / ((performance.now() - began) / 1000);
  };
  return { serve, close: () => scheduler.close() };
}

/** The pipeline: one gateway (memory store, counting no-op agent) that serves every burst given. */
function pipeline(messages: number): Side {
  const store = createMemoryStore();
  let answered = 0;
  let expected = 0;
  let allAnswered!: () => void;
  const counting: AgentInstance = {
    kind: 'agent',
    run: async (turn) => {
      answered += turn.messages.length;
      if (answered === expected) allAnswered();
    },
  };
  const gateway = benchGateway(store, counting, { maxQueuedPerSession: Math.ceil(messages / sessions) + 1 });
  const serve = async (burst: readonly Inbound[]): Promise<number> => {
    answered = 0;
    expected = burst.length;
    const finished = new Promise<void>((resolve) => (allAnswered = resolve));
    const began = performance.now();
    // Like the floor, the burst is not held in an array of promises: each emit is fire-and-forget.
    for (const inbound of burst) void gateway.emit(inbound);
    await finished;
    await drained(gateway);
    return burst.length / ((performance.now() - began) / 1000);
  };
  const close = async () => {
    gateway.scheduler.close();
    await store.close();
  };
  return { serve, close };
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

/**
 * Five runs of each measurement, interleaved (the machines are noisy), each one warm (see `warm`).
 * Every run is kept, for the spread.
 */
async function interleaved<K extends string>(measures: Record<K, () => Promise<number>>): Promise<Record<K, number[]>> {
  const runs = {} as Record<K, number[]>;
  for (let i = 0; i < 5; i++) {
    for (const key in measures) (runs[key] ??= []).push(await measures[key]());
  }
  return runs;
}

/** "median (min-max)" of some rates. */
function spread(values: readonly number[]): string {
  const k = (value: number) => `${Math.round(value / 1000)}k`;
  return `${k(median(values))} (${k(Math.min(...values))}-${k(Math.max(...values))})`;
}

async function main(): Promise<void> {
  // Warm-up so every side runs optimized code.
  for (let i = 0; i < 2; i++) {
    await warm(stateless(floor), 100_000);
    await warm(stateless(semaphoreOnly), 100_000);
    await warm(pipeline, 100_000);
    await warm(schedulerOnly, 100_000);
  }
  const runs = await interleaved({
    floorRate: () => warm(stateless(floor), 100_000),
    semaphoreRate: () => warm(stateless(semaphoreOnly), 100_000),
    schedulerRate: () => warm(schedulerOnly, 100_000),
    rate: () => warm(pipeline, 100_000),
    rate1M: () => warm(pipeline, 1_000_000),
  });
  const floorRate = median(runs.floorRate);
  const semaphoreRate = median(runs.semaphoreRate);
  const schedulerRate = median(runs.schedulerRate);
  const rate = median(runs.rate);
  const rate1M = median(runs.rate1M);
  const { p50, p99 } = await latency();
  const heap = await heapPerSession();
  printTable([
    { case: 'floor: per-session FIFO + FIFO semaphore, plain JS, the same 100k burst', msgsPerSec: Math.round(floorRate), runs: spread(runs.floorRate) },
    { case: 'global FIFO semaphore alone (no per-session order), the same burst', msgsPerSec: Math.round(semaphoreRate), runs: spread(runs.semaphoreRate) },
    { case: 'scheduler alone (groups + limiter), 100k burst', msgsPerSec: Math.round(schedulerRate), runs: spread(runs.schedulerRate) },
    { case: 'pipeline, 100k burst / 1k sessions', msgsPerSec: Math.round(rate), runs: spread(runs.rate) },
    { case: 'pipeline, 1M burst / 1k sessions', msgsPerSec: Math.round(rate1M), runs: spread(runs.rate1M) },
  ]);
  console.log(
    `ratio pipeline / floor, round by round: ${runs.rate.map((r, i) => round(r / runs.floorRate[i]!, 3)).join(', ')}`,
  );
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
    semaphoreOnlyMsgsPerSec: Math.round(semaphoreRate),
    ratioToSemaphoreOnly: round(rate / semaphoreRate, 3),
    schedulerMsgsPerSec: Math.round(schedulerRate),
    schedulerRatio: round(schedulerRate / floorRate, 3),
  });
}

await main();
