// bench/discord: end to end through the fake Discord (REST + gateway WebSocket on 127.0.0.1,
// test/fakes/discord) with the echo agent (delayMs 0): messages/s and p50/p99 latency at 1, 10 and
// 100 guild text channels. The daemon runs in-process (like test/plugins/discord/e2e.test.ts), on the
// SQLite store (the default, used by the JSON line) and on the memory store; the fake and the load
// generator share its process (and the machine's cores).
// Baseline, same run: a bare discord.js echo bot (same client options as the plugin) on a second fake
// instance, replying `channel.send('echo: ' + content)` from `messageCreate`.
// Load: each channel is a closed loop (one message in flight per channel: the next is pushed once the
// reply to the previous one was created), all channels concurrently. Latency: the fake dispatching
// MESSAGE_CREATE -> the fake receiving the POST that creates the reply (matched by its text).
// Note: discord.js (@discordjs/rest) holds every client to 50 REST requests/s (globalRequestsPerSecond)
// and serializes requests per route (one channel's messages in order), so these are the ceilings of
// both bots; the plugin also POSTs a typing indicator at each turn start, a second request per message.
// So two passes: "capped" (discord.js as configured, what production does; the JSON line) and
// "uncapped" (the 50/s limiter lifted for both bots, in-process), which shows the gateway's own cost.
// Last line (at 100 channels): {"bench":"discord","msgsPerSec","p50Ms","p99Ms","ratioP50"},
// ratioP50 = gateway p50 / bare p50.
import discordPlugin from '../plugins/discord/index.js';
import type { AnyPluginDefinition } from '../src/plugins/api.js';
import type { Daemon } from '../src/daemon.js';
import { FakeDiscord } from '../test/fakes/discord/server.js';
import { startTestDaemon } from '../test/support/daemon.js';
import { waitFor } from '../test/support/wait.js';
import { setGlobalRequestsPerSecond, startBareEchoBot } from './support/discord-bare.js';
import { gc, percentile, printResult, printTable, round } from './support/report.js';

const token = 'fake-bot-token';
interface Level {
  channels: number;
  perChannel: number;
}
// Capped at 50 requests/s, a pass of the gateway takes ~12 s (2 requests per message).
const cappedLevels: Level[] = [
  { channels: 1, perChannel: 50 },
  { channels: 10, perChannel: 5 },
  { channels: 100, perChannel: 2 },
];
const uncappedLevels: Level[] = [
  { channels: 1, perChannel: 300 },
  { channels: 10, perChannel: 50 },
  { channels: 100, perChannel: 10 },
];
const maxChannels = 100;

// A reply that never comes would hang the run: fail loudly instead.
setTimeout(() => {
  console.error('bench/discord: no result after 150 s, giving up');
  process.exit(1);
}, 150_000).unref();

interface LevelResult {
  channels: number;
  messages: number;
  msgsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

/** A fake Discord whose created messages resolve the waiter registered for their text. */
async function startFake() {
  const waiting = new Map<string, (at: number) => void>();
  const fake = await FakeDiscord.start({
    token,
    textChannels: maxChannels,
    onMessageCreated: (created) => {
      const at = performance.now();
      const content = String(created.body.content);
      const resolve = waiting.get(content);
      if (!resolve) return;
      waiting.delete(content);
      resolve(at);
    },
  });
  return { fake, waiting };
}

type Target = Awaited<ReturnType<typeof startFake>>;

async function runLevel({ fake, waiting }: Target, channels: number, perChannel: number, tag: string): Promise<LevelResult> {
  const channelIds = fake.world.textChannels.slice(0, channels);
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    channelIds.map(async (channelId, c) => {
      for (let m = 0; m < perChannel; m++) {
        const text = `${tag}x${c}x${m}`;
        const replied = new Promise<number>((resolve) => waiting.set(`echo: ${text}`, resolve));
        const sentAt = performance.now();
        fake.sendUserMessage({ channelId, text });
        latencies.push((await replied) - sentAt);
      }
    }),
  );
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const messages = channels * perChannel;
  return {
    channels,
    messages,
    msgsPerSec: round(messages / (elapsed / 1000), 1),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
  };
}

async function runAll(target: Target, levels: Level[]): Promise<LevelResult[]> {
  await runLevel(target, 10, 3, 'warmup');
  const results: LevelResult[] = [];
  for (const level of levels) {
    gc();
    results.push(await runLevel(target, level.channels, level.perChannel, `c${level.channels}`));
  }
  return results;
}

async function bare(levels: Level[]): Promise<LevelResult[]> {
  const target = await startFake();
  const client = await startBareEchoBot(target.fake.apiBase, token);
  try {
    return await runAll(target, levels);
  } finally {
    await client.destroy();
    await target.fake.close();
  }
}

async function gateway(store: 'sqlite' | 'memory', levels: Level[]): Promise<{ results: LevelResult[]; restPerMessage: number }> {
  const target = await startFake();
  const { fake } = target;
  let daemon: Daemon | undefined;
  try {
    daemon = await startTestDaemon({
      plugins: { discord: discordPlugin as unknown as AnyPluginDefinition },
      config: {
        // The test default path is a fresh temp directory; only the driver changes.
        store: { driver: store },
        plugins: {
          echo: { enabled: true, delayMs: 0 },
          discord: { enabled: true, token, apiBase: fake.apiBase, allowFrom: ['*'], requireMention: false },
        },
      },
    });
    const running = daemon;
    await waitFor(() => running.status().plugins.find((p) => p.name === 'discord')?.state === 'running', 'discord running', 20_000);
    const results = await runAll(target, levels);
    if (fake.unknownRoutes.length > 0) throw new Error(`unknown routes: ${fake.unknownRoutes.join(', ')}`);
    const restPerMessage = round((fake.messageAttempts.length + fake.typing.length) / fake.created.length);
    return { results, restPerMessage };
  } finally {
    await daemon?.stop();
    await fake.close();
  }
}

async function pass(name: string, levels: Level[]) {
  const floor = await bare(levels);
  gc();
  const memory = await gateway('memory', levels);
  gc();
  const sqlite = await gateway('sqlite', levels);
  gc();
  const rows = (bot: string, results: LevelResult[]) =>
    results.map((r, i) => ({
      pass: name,
      bot,
      ...r,
      bareP50Ms: floor[i]!.p50Ms,
      ratioP50: round(r.p50Ms / floor[i]!.p50Ms),
      ratioMsgsPerSec: round(r.msgsPerSec / floor[i]!.msgsPerSec),
    }));
  return {
    floor,
    sqlite,
    rows: [...rows('bare', floor), ...rows('gw-memory', memory.results), ...rows('gw-sqlite', sqlite.results)],
  };
}

const capped = await pass('capped', cappedLevels);
setGlobalRequestsPerSecond(1_000_000);
const uncapped = await pass('uncapped', uncappedLevels);

console.log('closed loop, one message in flight per channel; latency = fake MESSAGE_CREATE -> reply POST received');
console.log('capped: discord.js global limit 50 REST requests/s (default); uncapped: limit lifted for both bots');
console.log(`REST requests per message: gateway ${capped.sqlite.restPerMessage} (reply + typing), bare 1`);
printTable([...capped.rows, ...uncapped.rows]);
const at100 = cappedLevels.findIndex((level) => level.channels === 100);
const result = capped.sqlite.results[at100]!;
console.log('JSON line: capped pass, switchboard on the sqlite store, at 100 channels');
printResult('discord', {
  msgsPerSec: result.msgsPerSec,
  p50Ms: result.p50Ms,
  p99Ms: result.p99Ms,
  ratioP50: round(result.p50Ms / capped.floor[at100]!.p50Ms),
});
