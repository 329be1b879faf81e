/**
 * bench/store: messages/s through the whole pipeline (emit -> journal -> session queues -> agent
 * replying once -> outbox -> channel) with the durable SQLite store vs the in-memory store, same run,
 * a burst of 20,000 messages over 1,000 sessions; then the added latency of the journal write
 * (emit -> durable) at a steady 2,000 messages/s, p50/p99 for both stores.
 * Goal: durable >= 0.5 of memory and >= 5,000 messages/s. Last line:
 * {"bench":"store","msgsPerSec","memoryMsgsPerSec","ratio","p99WriteMs"}.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentInstance, ChannelInstance } from '../src/plugins/api.js';
import { createMemoryStore } from '../src/store/memory.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/types.js';
import { benchGateway, benchInbound } from './support/gateway.js';
import { gc, percentile, printResult, printTable, round } from './support/report.js';

const sessions = 1_000;
const burstSize = 20_000;
const steadyCount = 4_000;
const steadyRate = 2_000;
const replyOnce: AgentInstance = {
  kind: 'agent',
  run: async (turn) => {
    await turn.reply('ok');
  },
};

async function sqliteStore(): Promise<Store> {
  return openStore({ driver: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'switchboard-bench-')), 'bench.db') });
}

/** Sends of a sink channel, counted; resolves `all` once `expected` arrived. */
function countingSink(expected: number) {
  let sent = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((resolve) => (resolveAll = resolve));
  const channel: ChannelInstance = {
    kind: 'channel',
    capabilities: { maxMessageLength: 4096, format: 'plain', threads: false, typing: false, edits: false },
    start: async () => {},
    stop: async () => {},
    send: async () => {
      if (++sent === expected) resolveAll();
      return {};
    },
  };
  return { channel, all };
}

/** Waits for the last turns to record their end and the outbox to record the last sends. */
async function settle(gateway: ReturnType<typeof benchGateway>): Promise<void> {
  while (gateway.scheduler.turnsRunning > 0) await new Promise((resolve) => setTimeout(resolve, 1));
  await gateway.dispatcher.flush(5000);
}

async function burst(store: Store, tag: string): Promise<number> {
  const sink = countingSink(burstSize);
  const gateway = benchGateway(store, replyOnce, { maxParallelTurns: 64 }, sink.channel);
  gc();
  const began = performance.now();
  const emits: Array<Promise<unknown>> = [];
  for (let i = 0; i < burstSize; i++) emits.push(gateway.emit(benchInbound(i, sessions, tag)));
  await Promise.all(emits);
  await sink.all;
  const elapsed = performance.now() - began;
  await settle(gateway);
  gateway.close();
  gateway.scheduler.close();
  gateway.dispatcher.close();
  await store.close();
  return burstSize / (elapsed / 1000);
}

async function steady(store: Store, tag: string): Promise<number[]> {
  const sink = countingSink(steadyCount);
  const gateway = benchGateway(store, replyOnce, { maxParallelTurns: 64 }, sink.channel);
  const latencies: number[] = [];
  const interval = 1000 / steadyRate;
  const began = performance.now();
  const emits: Array<Promise<unknown>> = [];
  for (let i = 0; i < steadyCount; i++) {
    const due = began + i * interval;
    while (performance.now() < due) await new Promise((resolve) => setImmediate(resolve));
    const sentAt = performance.now();
    emits.push(gateway.emit(benchInbound(i, sessions, tag)).then(() => latencies.push(performance.now() - sentAt)));
  }
  await Promise.all(emits);
  await sink.all;
  await settle(gateway);
  gateway.close();
  gateway.scheduler.close();
  gateway.dispatcher.close();
  await store.close();
  return latencies.sort((a, b) => a - b);
}

// Warm up both paths, then alternate so neither always runs on a hotter or cooler machine.
await burst(createMemoryStore(), 'warm-m');
await burst(await sqliteStore(), 'warm-s');
const memoryRuns: number[] = [];
const sqliteRuns: number[] = [];
for (let run = 0; run < 3; run++) {
  memoryRuns.push(await burst(createMemoryStore(), `m${run}`));
  sqliteRuns.push(await burst(await sqliteStore(), `s${run}`));
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const memoryMsgsPerSec = median(memoryRuns);
const msgsPerSec = median(sqliteRuns);
const memoryLatency = await steady(createMemoryStore(), 'steady-m');
const sqliteLatency = await steady(await sqliteStore(), 'steady-s');

printTable([
  {
    store: 'memory',
    burstMsgsPerSec: round(memoryMsgsPerSec, 0),
    writeP50Ms: round(percentile(memoryLatency, 50), 3),
    writeP99Ms: round(percentile(memoryLatency, 99), 3),
  },
  {
    store: 'sqlite',
    burstMsgsPerSec: round(msgsPerSec, 0),
    writeP50Ms: round(percentile(sqliteLatency, 50), 3),
    writeP99Ms: round(percentile(sqliteLatency, 99), 3),
  },
]);
printResult('store', {
  msgsPerSec: round(msgsPerSec, 0),
  memoryMsgsPerSec: round(memoryMsgsPerSec, 0),
  ratio: round(msgsPerSec / memoryMsgsPerSec),
  p99WriteMs: round(percentile(sqliteLatency, 99), 3),
});
