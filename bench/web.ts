// bench/web: messages/s and latency through the web channel's HTTP API + SSE with the echo agent
// (delayMs 0), the daemon a real `switchboard start` process on SQLite, at 1, 100 and 1,000 chats.
// Each chat is a closed loop (next message after the reply). Latency: POST sent → reply event received. The load generator shares the machine's 2 cores.
// Baseline, same run: the same HTTP + SSE surface with no gateway behind it (bench/support/bare-web).
// Last line (at 100 chats): {"bench":"web","msgsPerSec","p50Ms","p99Ms","bareMsgsPerSec","ratio"}.
import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createParser } from 'eventsource-parser';
import { freePort, startDaemonProcess } from './support/daemon-process.js';
import { percentile, printResult, printTable, round } from './support/report.js';

const store = process.argv.includes('--memory') ? 'memory' : 'sqlite';
const levels = [
  { chats: 1, perChat: 500 },
  { chats: 100, perChat: 40 },
  { chats: 1000, perChat: 6 },
];

// node:http with keep-alive: fetch (undici) costs the load generator several times more CPU per request.
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

function post(url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      response.resume();
      response.on('end', () => (response.statusCode === 202 ? resolve() : reject(new Error(`POST ${response.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface LevelResult {
  chats: number;
  messages: number;
  msgsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

async function runLevel(base: string, chats: number, perChat: number, tag: string): Promise<LevelResult> {
  // Closed loop per chat, like people chatting: a chat sends its next message once the reply to
  // the previous one arrived. Latency is then the gateway's service time, not a client-made backlog.
  const waiting = new Map<string, { sentAt: number; resolve: () => void }>();
  const latencies: number[] = [];
  const controllers: AbortController[] = [];

  await Promise.all(
    Array.from({ length: chats }, async (_, c) => {
      const controller = new AbortController();
      controllers.push(controller);
      const response = await fetch(`${base}/api/chats/${tag}-${c}/events`, { signal: controller.signal });
      const parser = createParser({
        onEvent: (event) => {
          const data = JSON.parse(event.data) as { type: string; text?: string };
          if (data.type !== 'reply') return;
          const key = data.text!.slice('echo: '.length);
          const entry = waiting.get(key);
          if (!entry) return;
          waiting.delete(key);
          latencies.push(performance.now() - entry.sentAt);
          entry.resolve();
        },
      });
      const decoder = new TextDecoder();
      void (async () => {
        try {
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
        } catch {
          // aborted at the end
        }
      })();
    }),
  );

  const total = chats * perChat;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: chats }, async (_, c) => {
      for (let m = 0; m < perChat; m++) {
        const text = `${tag}-${c}-${m}`;
        const replied = new Promise<void>((resolve) => waiting.set(text, { sentAt: performance.now(), resolve }));
        await post(`${base}/api/chats/${tag}-${c}/messages`, JSON.stringify({ text }));
        await replied;
      }
    }),
  );
  const elapsed = performance.now() - started;
  for (const controller of controllers) controller.abort();
  latencies.sort((a, b) => a - b);
  return {
    chats,
    messages: total,
    msgsPerSec: round(total / (elapsed / 1000), 0),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
  };
}

async function runAll(base: string): Promise<LevelResult[]> {
  await runLevel(base, 10, 20, 'warmup');
  const results: LevelResult[] = [];
  for (const level of levels) results.push(await runLevel(base, level.chats, level.perChat, `c${level.chats}`));
  return results;
}

const barePort = await freePort();
const bare = fork(fileURLToPath(new URL('./support/bare-web.js', import.meta.url)), [String(barePort)]);
await new Promise((resolve) => bare.once('message', resolve));
const floor = await runAll(`http://127.0.0.1:${barePort}`);
bare.kill();

const daemon = await startDaemonProcess({ store: { driver: store }, web: { maxChatsPerClient: 0 } });
let results: LevelResult[];
try {
  results = await runAll(daemon.webUrl);
} finally {
  await daemon.stop();
}
console.log(`switchboard (store: ${store}) vs the bare HTTP+SSE floor`);
printTable(
  results.map((r, i) => ({
    ...r,
    bareMsgsPerSec: floor[i]!.msgsPerSec,
    bareP50Ms: floor[i]!.p50Ms,
    ratio: round(r.msgsPerSec / floor[i]!.msgsPerSec),
  })),
);
const at100 = results.findIndex((r) => r.chats === 100);
printResult('web', {
  msgsPerSec: results[at100]!.msgsPerSec,
  p50Ms: results[at100]!.p50Ms,
  p99Ms: results[at100]!.p99Ms,
  bareMsgsPerSec: floor[at100]!.msgsPerSec,
  ratio: round(results[at100]!.msgsPerSec / floor[at100]!.msgsPerSec),
});
