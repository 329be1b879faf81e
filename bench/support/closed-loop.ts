import { gc, percentile, round } from './report.js';

/** One load level: `conversations` chats/channels, each a closed loop of `perConversation` messages. */
export interface Level {
  conversations: number;
  perConversation: number;
}

/** What one level measured. */
export interface LevelResult {
  conversations: number;
  messages: number;
  msgsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Replies awaited by their text: a fake server's "reply received" hook calls {@link arrived}, which
 * resolves the waiter of that text with the moment it arrived.
 */
export class ReplyWaiters {
  private readonly waiting = new Map<string, (at: number) => void>();

  /** Resolves with the arrival time of the reply whose text is `text`. */
  waitFor(text: string): Promise<number> {
    return new Promise<number>((resolve) => this.waiting.set(text, resolve));
  }

  /** A reply reached the fake (unknown texts, from warm-up stragglers say, are ignored). */
  arrived(text: string): void {
    const at = performance.now();
    const resolve = this.waiting.get(text);
    if (!resolve) return;
    this.waiting.delete(text);
    resolve(at);
  }
}

/**
 * Runs one level: every conversation concurrently, each with one message in flight (the next is sent
 * once the echo of the previous one arrived). Latency: `send` -> the echo `echo: <text>` arrived.
 */
export async function runClosedLoop(
  waiters: ReplyWaiters,
  level: Level,
  tag: string,
  send: (conversation: number, text: string) => void,
): Promise<LevelResult> {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: level.conversations }, async (_, c) => {
      for (let m = 0; m < level.perConversation; m++) {
        const text = `${tag}x${c}x${m}`;
        const replied = waiters.waitFor(`echo: ${text}`);
        const sentAt = performance.now();
        send(c, text);
        latencies.push((await replied) - sentAt);
      }
    }),
  );
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const messages = level.conversations * level.perConversation;
  return {
    conversations: level.conversations,
    messages,
    msgsPerSec: round(messages / (elapsed / 1000), 1),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
  };
}

/** A warm-up level, then each level (after a GC) tagged by its size. */
export async function runLevels(
  waiters: ReplyWaiters,
  warmup: Level,
  levels: readonly Level[],
  send: (conversation: number, text: string) => void,
): Promise<LevelResult[]> {
  await runClosedLoop(waiters, warmup, 'warmup', send);
  const results: LevelResult[] = [];
  for (const level of levels) {
    gc();
    results.push(await runClosedLoop(waiters, level, `c${level.conversations}`, send));
  }
  return results;
}

/** Table rows of one bot's results next to the bare baseline's at the same levels. */
export function comparedRows(bot: string, results: readonly LevelResult[], bare: readonly LevelResult[], extra: Record<string, string> = {}) {
  return results.map((r, i) => ({
    ...extra,
    bot,
    ...r,
    bareP50Ms: bare[i]!.p50Ms,
    ratioP50: round(r.p50Ms / bare[i]!.p50Ms),
    ratioMsgsPerSec: round(r.msgsPerSec / bare[i]!.msgsPerSec),
  }));
}

/** The JSON line's figures at one level: the gateway's, the bare bot's, and their p50 ratio. */
export function headlineFigures(gateway: LevelResult, bare: LevelResult) {
  return {
    msgsPerSec: gateway.msgsPerSec,
    p50Ms: gateway.p50Ms,
    p99Ms: gateway.p99Ms,
    bareP50Ms: bare.p50Ms,
    bareP99Ms: bare.p99Ms,
    ratioP50: round(gateway.p50Ms / bare.p50Ms),
  };
}

/** Exits the benchmark when it produced no result in time (a reply that never comes would hang it). */
export function giveUpAfter(name: string, ms: number): void {
  setTimeout(() => {
    console.error(`bench/${name}: no result after ${ms / 1000} s, giving up`);
    process.exit(1);
  }, ms).unref();
}
