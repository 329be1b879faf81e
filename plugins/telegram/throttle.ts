import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Proactive rate limiting of sends, so bursts queue instead of running into 429s. Telegram's own
 * limits: about 1 message per second per chat, 20 per minute per group, 30 per second overall.
 * Sliding windows: a send may go when every window it counts in has room. The decision is the pure
 * {@link SendThrottle.reserve}; {@link SendThrottle.acquire} only waits for it.
 */

/** Limits of the throttle (the `rateLimit` config). */
export interface ThrottleLimits {
  perChatPerSecond: number;
  perGroupPerMinute: number;
  globalPerSecond: number;
}

interface Window {
  key: string;
  limit: number;
  windowMs: number;
}

/** Per-chat, per-group and global sliding windows of recent sends. */
export class SendThrottle {
  private readonly sends = new Map<string, number[]>();
  constructor(private readonly limits: ThrottleLimits) {}

  /**
   * Records a send to `chatId` at `now` and returns 0 if every window has room; otherwise records
   * nothing and returns how many ms to wait before asking again.
   */
  reserve(chatId: string, isGroup: boolean, now: number): number {
    const windows: Window[] = [
      { key: '*', limit: this.limits.globalPerSecond, windowMs: 1000 },
      { key: `chat:${chatId}`, limit: this.limits.perChatPerSecond, windowMs: 1000 },
    ];
    if (isGroup) windows.push({ key: `group:${chatId}`, limit: this.limits.perGroupPerMinute, windowMs: 60_000 });
    let waitMs = 0;
    for (const window of windows) {
      if (window.limit <= 0) continue;
      const recent = this.recent(window, now);
      if (recent.length >= window.limit) waitMs = Math.max(waitMs, recent[recent.length - window.limit]! + window.windowMs - now);
    }
    if (waitMs > 0) return waitMs;
    for (const window of windows) if (window.limit > 0) this.recent(window, now).push(now);
    return 0;
  }

  /** Waits until a send to `chatId` may go, then records it. Rejects when `signal` aborts. */
  async acquire(chatId: string, isGroup: boolean, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const waitMs = this.reserve(chatId, isGroup, Date.now());
      if (waitMs === 0) return;
      await sleep(waitMs, undefined, signal ? { signal } : {});
    }
  }

  /** Timestamps within the window (older ones dropped). */
  private recent(window: Window, now: number): number[] {
    let list = this.sends.get(window.key);
    if (!list) {
      if (this.sends.size > 10_000) this.sweep(now);
      list = [];
      this.sends.set(window.key, list);
    }
    let drop = 0;
    while (drop < list.length && list[drop]! <= now - window.windowMs) drop++;
    if (drop > 0) list.splice(0, drop);
    return list;
  }

  /** Forgets chats with no send in the longest window, so memory stays bounded. */
  private sweep(now: number): void {
    for (const [key, list] of this.sends) if (list.length === 0 || list[list.length - 1]! <= now - 60_000) this.sends.delete(key);
  }
}
