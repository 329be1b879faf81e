import type { ActiveTurn } from './active-turn.js';

/**
 * Aborts turns that run longer than `timeoutMs`, with ONE interval for all of them: every turn gets
 * the same timeout, so start order is deadline order and a sweep only looks at the oldest turns.
 * The running turns form an intrusive list through the turns themselves (no Map entry, no hashing
 * per turn: this sits on the path of every turn).
 */
export class TurnTimeouts {
  private head: ActiveTurn | undefined;
  private tail: ActiveTurn | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {}

  /** Lists a turn; its deadline is `timeoutMs` after its start. */
  add(turn: ActiveTurn): void {
    turn.deadline = turn.startedAt + this.timeoutMs;
    turn.timeoutPrev = this.tail;
    turn.timeoutNext = undefined;
    if (this.tail) this.tail.timeoutNext = turn;
    else this.head = turn;
    this.tail = turn;
    this.timer ??= setInterval(() => this.sweep(), Math.max(1, Math.min(this.timeoutMs / 5, 1000))).unref();
  }

  delete(turn: ActiveTurn): void {
    if (turn.deadline === 0) return; // not in the list (never added, or already swept)
    const { timeoutPrev: prev, timeoutNext: next } = turn;
    if (prev) prev.timeoutNext = next;
    else this.head = next;
    if (next) next.timeoutPrev = prev;
    else this.tail = prev;
    turn.timeoutPrev = undefined;
    turn.timeoutNext = undefined;
    turn.deadline = 0;
  }

  private sweep(): void {
    const now = Date.now();
    while (this.head && this.head.deadline <= now) {
      const turn = this.head;
      this.delete(turn);
      turn.abort('timeout');
    }
    if (!this.head && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
