/**
 * The global turn limiter: at most `limit` turns at once, granted strictly first come first served.
 *
 * Why not `mergeMap(fn, N)`: RxJS 7 drains its backlog with `Array.shift()` and removes inner
 * subscriptions with `indexOf` + `splice`, so a burst costs quadratic time; and
 * `mergeMap(group => group.pipe(concatMap(run)), N)` limits GROUPS, starving session N+1 forever.
 * Here each session holds at most one request at a time (its next turn), so FIFO over requests is
 * round-robin over sessions with work. The queue is a ring buffer: O(1) per request and grant, and
 * it holds the grantees themselves (no closure per request).
 */
/** Who waits for a slot: a session. */
export interface SlotGrantee {
  slotGranted(): void;
}

export class TurnLimiter {
  private running = 0;
  private queue: Array<SlotGrantee | undefined> = new Array(1024);
  private head = 0;
  private size = 0;

  constructor(private limit: number) {
    if (!(limit >= 1)) throw new RangeError(`maxParallelTurns must be >= 1, got ${limit}`);
  }

  /** Turns running now. */
  get active(): number {
    return this.running;
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.size;
  }

  /** Calls `grantee.slotGranted()` when a slot is free (synchronously if one is free now). The grantee must `release()` once. */
  request(grantee: SlotGrantee): void {
    if (this.running < this.limit && this.size === 0) {
      this.running++;
      grantee.slotGranted();
      return;
    }
    if (this.size === this.queue.length) this.grow();
    this.queue[(this.head + this.size) & (this.queue.length - 1)] = grantee;
    this.size++;
  }

  /** Frees a slot and hands it to the oldest waiting request. */
  release(): void {
    this.running--;
    this.drain();
  }

  /** Changes the limit (config reload); extra slots are granted at once. */
  setLimit(limit: number): void {
    this.limit = limit;
    this.drain();
  }

  private drain(): void {
    while (this.running < this.limit && this.size > 0) {
      const grantee = this.queue[this.head]!;
      this.queue[this.head] = undefined;
      this.head = (this.head + 1) & (this.queue.length - 1);
      this.size--;
      this.running++;
      grantee.slotGranted();
    }
  }

  private grow(): void {
    const next: Array<SlotGrantee | undefined> = new Array(this.queue.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = this.queue[(this.head + i) & (this.queue.length - 1)];
    this.queue = next;
    this.head = 0;
  }
}
