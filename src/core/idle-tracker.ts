import type { Session } from './session.js';

/**
 * Expires sessions idle for `idleMs` with ONE interval, not a timer per session: a Map keeps idle
 * sessions in the order they became idle (re-inserting moves one to the end), so a sweep only looks
 * at the expired head. O(1) per transition, whatever the number of sessions.
 */
export class IdleTracker {
  private readonly idleSessions = new Map<Session, true>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly idleMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  markIdle(session: Session): void {
    session.idleSince = this.now();
    this.idleSessions.delete(session);
    this.idleSessions.set(session, true);
    this.timer ??= setInterval(() => this.sweep(), Math.max(1, Math.min(this.idleMs / 4, 1000))).unref();
  }

  markBusy(session: Session): void {
    this.idleSessions.delete(session);
  }

  get size(): number {
    return this.idleSessions.size;
  }

  /** Expires every session idle for at least `idleMs`. */
  sweep(): void {
    const deadline = this.now() - this.idleMs;
    for (const session of this.idleSessions.keys()) {
      if (session.idleSince > deadline) break;
      this.idleSessions.delete(session);
      // A session is only here while idle; expiring completes its group and frees everything.
      if (session.idle) session.expire?.();
    }
    if (this.idleSessions.size === 0) this.stopTimer();
  }

  /** Stops the sweep (shutdown). */
  close(): void {
    this.stopTimer();
    this.idleSessions.clear();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
