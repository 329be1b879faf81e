// bench/telegram: end to end through the fake Telegram Bot API (real HTTP on 127.0.0.1,
// test/fakes/telegram; getUpdates is a real long poll) with the echo agent (delayMs 0): messages/s and
// p50/p99 latency at 1, 10 and 100 private chats, the plugin's proactive send throttle disabled
// (`rateLimit.enabled: false`). The daemon runs in-process (like test/plugins/telegram/e2e.test.ts),
// on the SQLite store (the default, used by the JSON line) and on the memory store; the fake and the
// load generator share its process (and the machine's cores).
// Baseline, same run: a bare telegraf echo bot (long polling, `ctx.reply('echo: ' + text)`) on a
// second fake instance.
// Load: each chat is a closed loop (one message in flight per chat: the next is pushed once the reply
// to the previous one was delivered), all chats concurrently. Latency: the fake making the update
// available (pushMessage, which also answers a held getUpdates) -> the fake recording the sendMessage
// whose text is the echo (matched by its plain text).
// Last line (at 100 chats, gateway on sqlite): {"bench":"telegram","msgsPerSec","p50Ms","p99Ms",
// "bareP50Ms","bareP99Ms","ratioP50"}, ratioP50 = gateway p50 / bare p50.
import telegramPlugin from '../plugins/telegram/index.js';
import type { AnyPluginDefinition } from '../src/plugins/api.js';
import type { Daemon } from '../src/daemon.js';
import { FakeTelegram } from '../test/fakes/telegram/server.js';
import { startTestDaemon } from '../test/support/daemon.js';
import { waitFor } from '../test/support/wait.js';
import { startBareEchoBot } from './support/telegram-bare.js';
import { gc, percentile, printResult, printTable, round } from './support/report.js';

const token = '123456:BENCH-token';
interface Level {
  chats: number;
  perChat: number;
}
const levels: Level[] = [
  { chats: 1, perChat: 300 },
  { chats: 10, perChat: 50 },
  { chats: 100, perChat: 10 },
];
const firstUserId = 10_000;

// A reply that never comes would hang the run: fail loudly instead.
setTimeout(() => {
  console.error('bench/telegram: no result after 150 s, giving up');
  process.exit(1);
}, 150_000).unref();

interface LevelResult {
  chats: number;
  messages: number;
  msgsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

/** A fake Telegram whose delivered messages resolve the waiter registered for their text. */
async function startFake() {
  const waiting = new Map<string, (at: number) => void>();
  const fake = await FakeTelegram.start({
    token,
    onSendMessage: (sent) => {
      const at = performance.now();
      const resolve = waiting.get(sent.plain);
      if (!resolve) return;
      waiting.delete(sent.plain);
      resolve(at);
    },
  });
  return { fake, waiting };
}

type Target = Awaited<ReturnType<typeof startFake>>;

async function runLevel({ fake, waiting }: Target, chats: number, perChat: number, tag: string): Promise<LevelResult> {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: chats }, async (_, c) => {
      const from = { id: firstUserId + c, first_name: `User${c}`, username: `user${c}` };
      for (let m = 0; m < perChat; m++) {
        const text = `${tag}x${c}x${m}`;
        const replied = new Promise<number>((resolve) => waiting.set(`echo: ${text}`, resolve));
        const sentAt = performance.now();
        fake.pushMessage({ from, text });
        latencies.push((await replied) - sentAt);
      }
    }),
  );
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const messages = chats * perChat;
  return {
    chats,
    messages,
    msgsPerSec: round(messages / (elapsed / 1000), 1),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
  };
}

async function runAll(target: Target): Promise<LevelResult[]> {
  await runLevel(target, 10, 5, 'warmup');
  const results: LevelResult[] = [];
  for (const level of levels) {
    gc();
    results.push(await runLevel(target, level.chats, level.perChat, `c${level.chats}`));
  }
  return results;
}

/** API requests per delivered message, excluding getUpdates and the one-time start calls. */
function requestsPerMessage(fake: FakeTelegram): { perMessage: number; typingPerMessage: number } {
  const replies = fake.callsOf('sendMessage').length;
  const typing = fake.callsOf('sendChatAction').length;
  return { perMessage: round((replies + typing) / fake.sent.length), typingPerMessage: round(typing / fake.sent.length) };
}

async function bare() {
  const target = await startFake();
  const bot = await startBareEchoBot(target.fake.apiRoot, token);
  try {
    const results = await runAll(target);
    return { results, ...requestsPerMessage(target.fake), getUpdates: target.fake.callsOf('getUpdates').length };
  } finally {
    bot.stop('bench done');
    await target.fake.close();
  }
}

async function gateway(store: 'sqlite' | 'memory') {
  const target = await startFake();
  const { fake } = target;
  let daemon: Daemon | undefined;
  try {
    daemon = await startTestDaemon({
      plugins: { telegram: telegramPlugin as unknown as AnyPluginDefinition },
      config: {
        // The test default path is a fresh temp directory; only the driver changes.
        store: { driver: store },
        plugins: {
          echo: { enabled: true, delayMs: 0 },
          telegram: {
            enabled: true,
            token,
            apiRoot: fake.apiRoot,
            allowFrom: ['*'],
            pollingTimeoutSec: 30,
            // One typing indicator per turn (a turn lasts milliseconds here).
            typingIntervalMs: 600_000,
            rateLimit: { enabled: false },
          },
        },
      },
    });
    const running = daemon;
    await waitFor(() => running.status().plugins.find((p) => p.name === 'telegram')?.state === 'running', 'telegram running', 20_000);
    const results = await runAll(target);
    return { results, ...requestsPerMessage(fake), getUpdates: fake.callsOf('getUpdates').length };
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

const rows = (bot: string, results: LevelResult[]) =>
  results.map((r, i) => ({
    bot,
    ...r,
    bareP50Ms: floor.results[i]!.p50Ms,
    ratioP50: round(r.p50Ms / floor.results[i]!.p50Ms),
    ratioMsgsPerSec: round(r.msgsPerSec / floor.results[i]!.msgsPerSec),
  }));

const totalMessages = 50 + levels.reduce((sum, level) => sum + level.chats * level.perChat, 0);
console.log('closed loop, one message in flight per chat; latency = fake update queued/answered to getUpdates -> sendMessage received');
console.log('plugin rateLimit disabled, typingIntervalMs 600000; echo agent delayMs 0');
console.log(
  `API requests per message: gateway ${sqlite.perMessage} (sendMessage + ${sqlite.typingPerMessage} sendChatAction typing), bare ${floor.perMessage} (sendMessage)` +
    `; getUpdates calls over ${totalMessages} messages: gateway ${sqlite.getUpdates}, bare ${floor.getUpdates}`,
);
printTable([...rows('bare', floor.results), ...rows('gw-memory', memory.results), ...rows('gw-sqlite', sqlite.results)]);
const at100 = levels.findIndex((level) => level.chats === 100);
const result = sqlite.results[at100]!;
const base = floor.results[at100]!;
console.log('JSON line: switchboard on the sqlite store, at 100 chats');
printResult('telegram', {
  msgsPerSec: result.msgsPerSec,
  p50Ms: result.p50Ms,
  p99Ms: result.p99Ms,
  bareP50Ms: base.p50Ms,
  bareP99Ms: base.p99Ms,
  ratioP50: round(result.p50Ms / base.p50Ms),
});
