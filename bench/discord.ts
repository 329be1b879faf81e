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
// both bots. The plugin POSTs a typing indicator only for turns still running after
// `workingIndicatorDelayMs` (default 1 s), so none here: one request per message, like the bare bot.
// So two passes: "capped" (discord.js as configured, what production does; the JSON line) and
// "uncapped" (the 50/s limiter lifted for both bots, in-process), which shows the gateway's own cost.
// Last line (at 100 channels): {"bench":"discord","msgsPerSec","p50Ms","p99Ms","ratioP50"},
// ratioP50 = gateway p50 / bare p50.
import discordPlugin from '../plugins/discord/index.js';
import type { AnyPluginDefinition } from '../src/plugins/api.js';
import type { Daemon } from '../src/daemon.js';
import { FakeDiscord } from '../test/fakes/discord/server.js';
import { comparedRows, giveUpAfter, type Level, type LevelResult, ReplyWaiters, runLevels } from './support/closed-loop.js';
import { setGlobalRequestsPerSecond, startBareEchoBot } from './support/discord-bare.js';
import { startPluginDaemon } from './support/plugin-daemon.js';
import { gc, printResult, printTable, round } from './support/report.js';

const token = 'fake-bot-token';
// Capped at 50 requests/s, a pass takes ~6 s (one request per message).
const cappedLevels: Level[] = [
  { conversations: 1, perConversation: 50 },
  { conversations: 10, perConversation: 5 },
  { conversations: 100, perConversation: 2 },
];
const uncappedLevels: Level[] = [
  { conversations: 1, perConversation: 300 },
  { conversations: 10, perConversation: 50 },
  { conversations: 100, perConversation: 10 },
];
const warmup: Level = { conversations: 10, perConversation: 3 };
const maxChannels = 100;
giveUpAfter('discord', 150_000);

/** A fake Discord whose created messages resolve the waiter of their text, and a load run on it. */
async function startFake() {
  const waiters = new ReplyWaiters();
  const fake = await FakeDiscord.start({
    token,
    textChannels: maxChannels,
    onMessageCreated: (created) => waiters.arrived(String(created.body.content)),
  });
  const run = (levels: Level[]) =>
    runLevels(waiters, warmup, levels, (c, text) => fake.sendUserMessage({ channelId: fake.world.textChannels[c]!, text }));
  return { fake, run };
}

async function bare(levels: Level[]): Promise<LevelResult[]> {
  const { fake, run } = await startFake();
  const client = await startBareEchoBot(fake.apiBase, token);
  try {
    return await run(levels);
  } finally {
    await client.destroy();
    await fake.close();
  }
}

async function gateway(store: 'sqlite' | 'memory', levels: Level[]): Promise<{ results: LevelResult[]; restPerMessage: number }> {
  const { fake, run } = await startFake();
  let daemon: Daemon | undefined;
  try {
    daemon = await startPluginDaemon(discordPlugin as unknown as AnyPluginDefinition, store, {
      token,
      apiBase: fake.apiBase,
      allowFrom: ['*'],
      requireMention: false,
    });
    const results = await run(levels);
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
  const tag = { pass: name };
  return {
    floor,
    sqlite,
    rows: [
      ...comparedRows('bare', floor, floor, tag),
      ...comparedRows('gw-memory', memory.results, floor, tag),
      ...comparedRows('gw-sqlite', sqlite.results, floor, tag),
    ],
  };
}

const capped = await pass('capped', cappedLevels);
setGlobalRequestsPerSecond(1_000_000);
const uncapped = await pass('uncapped', uncappedLevels);

console.log('closed loop, one message in flight per channel; latency = fake MESSAGE_CREATE -> reply POST received');
console.log('capped: discord.js global limit 50 REST requests/s (default); uncapped: limit lifted for both bots');
console.log(`REST requests per message: gateway ${capped.sqlite.restPerMessage} (replies + typing), bare 1`);
printTable([...capped.rows, ...uncapped.rows]);
const at100 = cappedLevels.findIndex((level) => level.conversations === 100);
const result = capped.sqlite.results[at100]!;
console.log('JSON line: capped pass, switchboard on the sqlite store, at 100 channels');
printResult('discord', {
  msgsPerSec: result.msgsPerSec,
  p50Ms: result.p50Ms,
  p99Ms: result.p99Ms,
  ratioP50: round(result.p50Ms / capped.floor[at100]!.p50Ms),
});
