// bench/web: messages/s and latency through the web channel's HTTP API + SSE with the echo agent
// (delayMs 0), the daemon a real `switchboard start` process on SQLite, at 1, 100 and 1,000 chats.
// Latency: POST sent → reply event received. The load generator shares the machine's 2 cores.
// Last line (at 100 chats): {"bench":"web","msgsPerSec","p50Ms","p99Ms"}.
import { createParser } from 'eventsource-parser';
import { startDaemonProcess } from './support/daemon-process.js';
import { percentile, printResult, printTable, round } from './support/report.js';

const store = process.argv.includes('--memory') ? 'memory' : 'sqlite';
const levels = [
  { chats: 1, perChat: 400 },
  { chats: 100, perChat: 30 },
  { chats: 1000, perChat: 5 },
];

interface LevelResult {
  chats: number;
  messages: number;
  msgsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

async function runLevel(base: string, chats: number, perChat: number, tag: string): Promise<LevelResult> {
  const pending = new Map<string, number>();
  const latencies: number[] = [];
  const controllers: AbortController[] = [];
  let received = 0;
  let allReceived: () => void = () => {};
  const done = new Promise<void>((resolve) => (allReceived = resolve));
  const total = chats * perChat;

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
          const sentAt = pending.get(key);
          if (sentAt === undefined) return;
          pending.delete(key);
          latencies.push(performance.now() - sentAt);
          if (++received === total) allReceived();
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

  const started = performance.now();
  await Promise.all(
    Array.from({ length: chats }, async (_, c) => {
      for (let m = 0; m < perChat; m++) {
        const text = `${tag}-${c}-${m}`;
        pending.set(text, performance.now());
        const response = await fetch(`${base}/api/chats/${tag}-${c}/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text }),
        });
        if (response.status !== 202) throw new Error(`POST ${response.status}: ${await response.text()}`);
        await response.arrayBuffer();
      }
    }),
  );
  await done;
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

const daemon = await startDaemonProcess({ store: { driver: store }, web: { maxChatsPerClient: 0 } });
try {
  await runLevel(daemon.webUrl, 10, 20, 'warmup');
  const results: LevelResult[] = [];
  for (const level of levels) results.push(await runLevel(daemon.webUrl, level.chats, level.perChat, `c${level.chats}`));
  console.log(`store: ${store}`);
  printTable(results.map((r) => ({ ...r })));
  const at100 = results.find((r) => r.chats === 100)!;
  printResult('web', { msgsPerSec: at100.msgsPerSec, p50Ms: at100.p50Ms, p99Ms: at100.p99Ms });
} finally {
  await daemon.stop();
}
