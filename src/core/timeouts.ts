import type { ActiveTurn } from './active-turn.js';

/**
 * Aborts turns that run longer than `timeoutMs`, with ONE interval for all of them: every turn gets
 * the same timeout, so start order is deadline order and a sweep only looks at the oldest turns.
 */
export class TurnTimeouts {
  private readonly running = new Map<ActiveTurn, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {}

  add(turn: ActiveTurn): void {
    this.running.set(turn, Date.now() + this.timeoutMs);
    this.timer ??= setInterval(() => this.sweep(), Math.max(1, Math.min(this.timeoutMs / 5, 1000))).unref();
  }

  delete(turn: ActiveTurn): void {
    this.running.delete(turn);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [turn, deadline] of this.running) {
      if (deadline > now) break;
      this.running.delete(turn);
      turn.abort('timeout');
    }
    if (this.running.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
