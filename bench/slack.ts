// bench/slack: end to end through the fake Slack (Web API over HTTP + Socket Mode WebSocket on
// 127.0.0.1, test/fakes/slack) with the echo agent (delayMs 0): messages/s and p50/p99 latency at 1,
// 10 and 100 channels in Socket Mode, the plugin's per-conversation send pacing disabled
// (`minSendIntervalMs: 0`) and `requireMention: false` (one `message` envelope per user message, no
// `app_mention` twin). The daemon runs in-process (like test/plugins/slack/e2e.test.ts), on the SQLite
// store (the default, used by the JSON line) and on the memory store, with the default working
// reaction, which by default (`workingIndicatorDelayMs` 1000) only turns running over a second get, so
// none here; a third gateway pass on sqlite with `workingIndicatorDelayMs: 0` puts it on every turn
// (reactions.add + reactions.remove) and shows what those two calls cost. The fake and the load generator share
// the daemon's process (and the machine's cores).
// Baseline, same run: a bare @slack/bolt echo app in Socket Mode (the plugin's client and receiver
// options, `say({ text: 'echo: ' + text, thread_ts })`) on a second fake instance. Bolt acknowledges
// an envelope before its listener runs; the plugin only once the message is journaled.
// Load: each channel is a closed loop (one message in flight per channel: the next is pushed once the
// reply to the previous one was posted), all channels concurrently. Both bots answer a top-level
// channel message in a thread under it. Latency: the fake sending the events_api envelope -> the fake
// receiving the chat.postMessage whose text is the echo (matched by its text).
// Last line (at 100 channels, gateway on sqlite, default settings): {"bench":"slack",
// "msgsPerSec","p50Ms","p99Ms","bareP50Ms","bareP99Ms","ratioP50"}, ratioP50 = gateway p50 / bare p50.
import slackPlugin from '../plugins/slack/index.js';
import type { AnyPluginDefinition } from '../src/plugins/api.js';
import type { Daemon } from '../src/daemon.js';
import { FakeSlack } from '../test/fakes/slack/server.js';
import { waitFor } from '../test/support/wait.js';
import { comparedRows, giveUpAfter, headlineFigures, type Level, ReplyWaiters, runLevels } from './support/closed-loop.js';
import { startPluginDaemon } from './support/plugin-daemon.js';
import { gc, printResult, printTable, round } from './support/report.js';
import { startBareEchoApp } from './support/slack-bare.js';

const botToken = 'xoxb-fake';
const appToken = 'xapp-fake';
const levels: Level[] = [
  { conversations: 1, perConversation: 300 },
  { conversations: 10, perConversation: 50 },
  { conversations: 100, perConversation: 20 },
];
// Up to the top level's concurrency: the first burst of 100 makes the Web API client (undici) open
// ~100 connections to the fake, a one-time cost that would otherwise land in the 100-channel level.
const warmup: Level = { conversations: 100, perConversation: 2 };
const channelId = (c: number) => `C0BENCH${String(c).padStart(3, '0')}`;
giveUpAfter('slack', 150_000);

/** A fake Slack whose posted messages resolve the waiter of their text, and a load run on it. */
async function startFake() {
  const waiters = new ReplyWaiters();
  const fake = await FakeSlack.start({ onPostMessage: (posted) => waiters.arrived(posted.text) });
  const run = () => runLevels(waiters, warmup, levels, (c, text) => fake.userMessage({ channel: channelId(c), text }));
  return { fake, run };
}

/** Web API calls per posted reply (excluding the one-time auth.test / apps.connections.open), and envelopes acknowledged. */
async function callsPerMessage(fake: FakeSlack) {
  const count = (method: string) => fake.calls.filter((call) => call.method === method).length;
  // Acknowledgements and reaction removals may trail the last reply by a moment.
  await waitFor(
    () => {
      const acked = new Set(fake.socket.acks.map((ack) => ack.envelopeId));
      return fake.socket.sent.every((e) => acked.has(e.envelopeId)) && count('reactions.add') === count('reactions.remove');
    },
    'every envelope acknowledged and every working reaction removed',
    10_000,
  );
  const replies = fake.posted.length;
  const reactions = count('reactions.add') + count('reactions.remove');
  if (fake.unknownMethods.length > 0) throw new Error(`unknown Web API methods: ${fake.unknownMethods.join(', ')}`);
  if (fake.socket.sent.some((e) => e.retryAttempt > 0)) throw new Error('the fake redelivered an envelope (not acknowledged within 3 s)');
  return {
    perMessage: round((count('chat.postMessage') + reactions + count('users.info')) / replies),
    reactionsPerMessage: round(reactions / replies),
  };
}

async function bare() {
  const { fake, run } = await startFake();
  const app = await startBareEchoApp(fake.apiUrl, botToken, appToken);
  try {
    const results = await run();
    return { results, ...(await callsPerMessage(fake)) };
  } finally {
    await app.stop();
    await fake.close();
  }
}

async function gateway(store: 'sqlite' | 'memory', overrides: Record<string, unknown> = {}) {
  const { fake, run } = await startFake();
  let daemon: Daemon | undefined;
  try {
    daemon = await startPluginDaemon(slackPlugin as unknown as AnyPluginDefinition, store, {
      botToken,
      appToken,
      apiUrl: fake.apiUrl,
      allowFrom: ['*'],
      requireMention: false,
      minSendIntervalMs: 0,
      ...overrides,
    });
    const results = await run();
    return { results, ...(await callsPerMessage(fake)) };
  } finally {
    await daemon?.stop();
    await fake.close();
  }
}

const floor = await bare();
gc();
const memory = await gateway('memory');
gc();
const sqlite = await gateway('sqlite');
gc();
const instant = await gateway('sqlite', { workingIndicatorDelayMs: 0 });
gc();

console.log('Socket Mode, closed loop, one message in flight per channel; latency = fake events_api envelope sent -> chat.postMessage received');
console.log('plugin minSendIntervalMs 0, requireMention false; echo agent delayMs 0');
console.log(
  `Web API calls per message: gateway ${sqlite.perMessage} (chat.postMessage + ${sqlite.reactionsPerMessage} reactions.add/remove + users.info once per user), ` +
    `with the reaction on every turn (workingIndicatorDelayMs 0) ${instant.perMessage}, bare ${floor.perMessage} (chat.postMessage)`,
);
printTable([
  ...comparedRows('bare', floor.results, floor.results),
  ...comparedRows('gw-memory', memory.results, floor.results),
  ...comparedRows('gw-sqlite', sqlite.results, floor.results),
  ...comparedRows('gw-sqlite-instant', instant.results, floor.results),
]);
const at100 = levels.findIndex((level) => level.conversations === 100);
console.log('JSON line: switchboard on the sqlite store (default settings), at 100 channels');
printResult('slack', headlineFigures(sqlite.results[at100]!, floor.results[at100]!));
