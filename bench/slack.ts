// bench/slack: end to end through the fake Slack (Web API over HTTP + Socket Mode WebSocket on
// 127.0.0.1, test/fakes/slack) with the echo agent (delayMs 0): messages/s and p50/p99 latency at 1,
// 10 and 100 channels in Socket Mode, the plugin's per-conversation send pacing disabled
// (`minSendIntervalMs: 0`) and `requireMention: false` (one `message` envelope per user message, no
// `app_mention` twin). The daemon runs in-process (like test/plugins/slack/e2e.test.ts), on the SQLite
// store (the default, used by the JSON line) and on the memory store, with the default working
// reaction (reactions.add + reactions.remove around each turn); a third gateway pass on sqlite without
// it (`workingReaction: ''`) shows what those two calls cost. The fake and the load generator share
// the daemon's process (and the machine's cores).
// Baseline, same run: a bare @slack/bolt echo app in Socket Mode (the plugin's client and receiver
// options, `say({ text: 'echo: ' + text, thread_ts })`) on a second fake instance. Bolt acknowledges
// an envelope before its listener runs; the plugin only once the message is journaled.
// Load: each channel is a closed loop (one message in flight per channel: the next is pushed once the
// reply to the previous one was posted), all channels concurrently. Both bots answer a top-level
// channel message in a thread under it. Latency: the fake sending the events_api envelope -> the fake
// receiving the chat.postMessage whose text is the echo (matched by its text).
// Last line (at 100 channels, gateway on sqlite with the working reaction): {"bench":"slack",
// "msgsPerSec","p50Ms","p99Ms","bareP50Ms","bareP99Ms","ratioP50"}, ratioP50 = gateway p50 / bare p50.
import slackPlugin from '../plugins/slack/index.js';
import type { AnyPluginDefinition } from '../src/plugins/api.js';
import type { Daemon } from '../src/daemon.js';
import { FakeSlack } from '../test/fakes/slack/server.js';
import { startTestDaemon } from '../test/support/daemon.js';
import { waitFor } from '../test/support/wait.js';
import { startBareEchoApp } from './support/slack-bare.js';
import { gc, percentile, printResult, printTable, round } from './support/report.js';

const botToken = 'xoxb-fake';
const appToken = 'xapp-fake';
interface Level {
  channels: number;
  perChannel: number;
}
const levels: Level[] = [
  { channels: 1, perChannel: 300 },
  { channels: 10, perChannel: 50 },
  { channels: 100, perChannel: 20 },
];
const maxChannels = Math.max(...levels.map((level) => level.channels));
const channelId = (c: number) => `C0BENCH${String(c).padStart(3, '0')}`;

// A reply that never comes would hang the run: fail loudly instead.
setTimeout(() => {
  console.error('bench/slack: no result after 150 s, giving up');
  process.exit(1);
}, 150_000).unref();

interface LevelResult {
  channels: number;
  messages: number;
  msgsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

/** A fake Slack whose posted messages resolve the waiter registered for their text. */
async function startFake() {
  const waiting = new Map<string, (at: number) => void>();
  const fake = await FakeSlack.start({
    onPostMessage: (posted) => {
      const at = performance.now();
      const resolve = waiting.get(posted.text);
      if (!resolve) return;
      waiting.delete(posted.text);
      resolve(at);
    },
  });
  return { fake, waiting };
}

type Target = Awaited<ReturnType<typeof startFake>>;

async function runLevel({ fake, waiting }: Target, channels: number, perChannel: number, tag: string): Promise<LevelResult> {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: channels }, async (_, c) => {
      const channel = channelId(c);
      for (let m = 0; m < perChannel; m++) {
        const text = `${tag}x${c}x${m}`;
        const replied = new Promise<number>((resolve) => waiting.set(`echo: ${text}`, resolve));
        const sentAt = performance.now();
        fake.userMessage({ channel, text });
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

async function runAll(target: Target): Promise<LevelResult[]> {
  // Up to the top level's concurrency: the first burst of 100 makes the Web API client (undici) open
  // ~100 connections to the fake, a one-time cost that would otherwise land in the 100-channel level.
  await runLevel(target, maxChannels, 2, 'warmup');
  const results: LevelResult[] = [];
  for (const level of levels) {
    gc();
    results.push(await runLevel(target, level.channels, level.perChannel, `c${level.channels}`));
  }
  return results;
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
  const target = await startFake();
  const app = await startBareEchoApp(target.fake.apiUrl, botToken, appToken);
  try {
    const results = await runAll(target);
    return { results, ...(await callsPerMessage(target.fake)) };
  } finally {
    await app.stop();
    await target.fake.close();
  }
}

async function gateway(store: 'sqlite' | 'memory', workingReaction?: string) {
  const target = await startFake();
  const { fake } = target;
  let daemon: Daemon | undefined;
  try {
    daemon = await startTestDaemon({
      plugins: { slack: slackPlugin as unknown as AnyPluginDefinition },
      config: {
        // The test default path is a fresh temp directory; only the driver changes.
        store: { driver: store },
        plugins: {
          echo: { enabled: true, delayMs: 0 },
          slack: {
            enabled: true,
            botToken,
            appToken,
            apiUrl: fake.apiUrl,
            allowFrom: ['*'],
            requireMention: false,
            minSendIntervalMs: 0,
            ...(workingReaction !== undefined ? { workingReaction } : {}),
          },
        },
      },
    });
    const running = daemon;
    await waitFor(() => running.status().plugins.find((p) => p.name === 'slack')?.state === 'running', 'slack running', 20_000);
    const results = await runAll(target);
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
const noReaction = await gateway('sqlite', '');
gc();

const rows = (bot: string, results: LevelResult[]) =>
  results.map((r, i) => ({
    bot,
    ...r,
    bareP50Ms: floor.results[i]!.p50Ms,
    ratioP50: round(r.p50Ms / floor.results[i]!.p50Ms),
    ratioMsgsPerSec: round(r.msgsPerSec / floor.results[i]!.msgsPerSec),
  }));

console.log('Socket Mode, closed loop, one message in flight per channel; latency = fake events_api envelope sent -> chat.postMessage received');
console.log('plugin minSendIntervalMs 0, requireMention false; echo agent delayMs 0');
console.log(
  `Web API calls per message: gateway ${sqlite.perMessage} (chat.postMessage + ${sqlite.reactionsPerMessage} reactions.add/remove), ` +
    `without the working reaction ${noReaction.perMessage}, bare ${floor.perMessage} (chat.postMessage)`,
);
printTable([
  ...rows('bare', floor.results),
  ...rows('gw-memory', memory.results),
  ...rows('gw-sqlite', sqlite.results),
  ...rows('gw-sqlite-noreact', noReaction.results),
]);
const at100 = levels.findIndex((level) => level.channels === 100);
const result = sqlite.results[at100]!;
const base = floor.results[at100]!;
console.log('JSON line: switchboard on the sqlite store (working reaction on, the default), at 100 channels');
printResult('slack', {
  msgsPerSec: result.msgsPerSec,
  p50Ms: result.p50Ms,
  p99Ms: result.p99Ms,
  bareP50Ms: base.p50Ms,
  bareP99Ms: base.p99Ms,
  ratioP50: round(result.p50Ms / base.p50Ms),
});
