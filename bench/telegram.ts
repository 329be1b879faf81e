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
import { comparedRows, giveUpAfter, headlineFigures, type Level, ReplyWaiters, runLevels } from './support/closed-loop.js';
import { startPluginDaemon } from './support/plugin-daemon.js';
import { gc, printResult, printTable, round } from './support/report.js';
import { startBareEchoBot } from './support/telegram-bare.js';

const token = '123456:BENCH-token';
const levels: Level[] = [
  { conversations: 1, perConversation: 300 },
  { conversations: 10, perConversation: 50 },
  { conversations: 100, perConversation: 10 },
];
const warmup: Level = { conversations: 10, perConversation: 5 };
const firstUserId = 10_000;
giveUpAfter('telegram', 150_000);

/** A fake Telegram whose delivered messages resolve the waiter of their text, and a load run on it. */
async function startFake() {
  const waiters = new ReplyWaiters();
  const fake = await FakeTelegram.start({ token, onSendMessage: (sent) => waiters.arrived(sent.plain) });
  const run = () =>
    runLevels(waiters, warmup, levels, (c, text) =>
      fake.pushMessage({ from: { id: firstUserId + c, first_name: `User${c}`, username: `user${c}` }, text }),
    );
  return { fake, run };
}

/** API requests per delivered message, excluding getUpdates and the one-time start calls. */
function requestsPerMessage(fake: FakeTelegram): { perMessage: number; typingPerMessage: number } {
  const replies = fake.callsOf('sendMessage').length;
  const typing = fake.callsOf('sendChatAction').length;
  return { perMessage: round((replies + typing) / fake.sent.length), typingPerMessage: round(typing / fake.sent.length) };
}

async function bare() {
  const { fake, run } = await startFake();
  const bot = await startBareEchoBot(fake.apiRoot, token);
  try {
    const results = await run();
    return { results, ...requestsPerMessage(fake), getUpdates: fake.callsOf('getUpdates').length };
  } finally {
    bot.stop('bench done');
    await fake.close();
  }
}

async function gateway(store: 'sqlite' | 'memory') {
  const { fake, run } = await startFake();
  let daemon: Daemon | undefined;
  try {
    daemon = await startPluginDaemon(telegramPlugin as unknown as AnyPluginDefinition, store, {
      token,
      apiRoot: fake.apiRoot,
      allowFrom: ['*'],
      pollingTimeoutSec: 30,
      rateLimit: { enabled: false },
    });
    const results = await run();
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

const totalMessages = warmup.conversations * warmup.perConversation + levels.reduce((sum, level) => sum + level.conversations * level.perConversation, 0);
console.log('closed loop, one message in flight per chat; latency = fake update queued/answered to getUpdates -> sendMessage received');
console.log('plugin rateLimit disabled; echo agent delayMs 0; typing only for turns over workingIndicatorDelayMs (1 s): none here');
console.log(
  `API requests per message: gateway ${sqlite.perMessage} (sendMessage + ${sqlite.typingPerMessage} sendChatAction typing), bare ${floor.perMessage} (sendMessage)` +
    `; getUpdates calls over ${totalMessages} messages: gateway ${sqlite.getUpdates}, bare ${floor.getUpdates}`,
);
printTable([
  ...comparedRows('bare', floor.results, floor.results),
  ...comparedRows('gw-memory', memory.results, floor.results),
  ...comparedRows('gw-sqlite', sqlite.results, floor.results),
]);
const at100 = levels.findIndex((level) => level.conversations === 100);
console.log('JSON line: switchboard on the sqlite store, at 100 chats');
printResult('telegram', headlineFigures(sqlite.results[at100]!, floor.results[at100]!));
