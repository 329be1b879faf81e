import type { Logger } from 'pino';
import type { CoreMetrics } from '../admin/metrics.js';
import type { ChannelInstance } from '../plugins/api.js';
import type { Outbox, OutboxRow } from '../store/types.js';
import { backoffMs } from './backoff.js';
import { PermanentError, TransientError } from './errors.js';
import { targetKey } from './types.js';

/** Outcome of delivering one outbox row. */
export type Delivery = { status: 'sent' } | { status: 'failed'; reason: string };

/** Settings of the dispatcher. */
export interface DispatcherOptions {
  channel(name: string): ChannelInstance | undefined;
  outbox: Outbox;
  metrics: CoreMetrics;
  log: Logger;
  /** Transient failures after which a row is given up (default 10). */
  maxAttempts?: number;
  backoff?: (attempt: number) => number;
}

/** One target's ordered queue: one send in flight, parts and replies in outbox order. */
interface Lane {
  readonly key: string;
  readonly rows: OutboxRow[];
  busy: boolean;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Sends outbox rows to their channels: in order per target, one in flight per target, parallel
 * across targets. Transient failures wait the platform's retry-after (or backoff) and retry;
 * permanent ones are recorded and skipped. A row is marked sent only after the platform accepted
 * it, so after a crash only the one send in flight per target can be repeated.
 */
export class Dispatcher {
  private readonly lanes = new Map<string, Lane>();
  private readonly waiters = new Map<number, (delivery: Delivery) => void>();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly maxAttempts: number;
  private readonly backoff: (attempt: number) => number;
  private inFlight = 0;

  constructor(private readonly options: DispatcherOptions) {
    this.maxAttempts = options.maxAttempts ?? 10;
    this.backoff = options.backoff ?? ((attempt) => backoffMs(attempt));
  }

  /** Queues rows (already in the outbox); resolves when each is sent or failed. */
  deliver(rows: readonly OutboxRow[]): Promise<Delivery[]> {
    return Promise.all(
      rows.map(
        (row) =>
          new Promise<Delivery>((resolve) => {
            this.waiters.set(row.id, resolve);
            this.enqueue(row);
          }),
      ),
    );
  }

  /** Queues rows found pending at startup (nobody waits for them). */
  resume(rows: readonly OutboxRow[]): void {
    for (const row of rows) this.enqueue(row);
  }

  /** A channel (re)started: retry lanes that were parked because it was not running. */
  channelStarted(name: string): void {
    for (const lane of this.lanes.values()) if (lane.rows[0]?.target.channel === name) this.pump(lane);
  }

  /** Rows not yet sent or failed. */
  get pendingCount(): number {
    let count = 0;
    for (const lane of this.lanes.values()) count += lane.rows.length;
    return count;
  }

  /** Resolves when nothing is pending, or after `timeoutMs`. */
  flush(timeoutMs: number): Promise<boolean> {
    if (this.pendingCount === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Stops retry timers (shutdown). Pending rows stay in the outbox for the next start. */
  close(): void {
    for (const lane of this.lanes.values()) if (lane.timer) clearTimeout(lane.timer);
    this.lanes.clear();
  }

  private enqueue(row: OutboxRow): void {
    const key = targetKey(row.target);
    let lane = this.lanes.get(key);
    if (!lane) this.lanes.set(key, (lane = { key, rows: [], busy: false, timer: undefined }));
    lane.rows.push(row);
    this.pump(lane);
  }

  private pump(lane: Lane): void {
    if (lane.busy || lane.timer) return;
    const row = lane.rows[0];
    if (!row) {
      this.lanes.delete(lane.key);
      if (this.lanes.size === 0 && this.inFlight === 0)
        this.idleWaiters.splice(0).forEach((wake) => {
          wake();
        });
      return;
    }
    // A retry time recorded before a restart (a platform's retry_after) still holds.
    const waitMs = row.nextAttemptAt - Date.now();
    if (waitMs > 0) {
      lane.timer = setTimeout(() => {
        lane.timer = undefined;
        this.pump(lane);
      }, waitMs);
      return;
    }
    const channel = this.options.channel(row.target.channel);
    if (!channel) return; // parked until channelStarted()
    lane.busy = true;
    this.inFlight++;
    const outbound = {
      target: row.target,
      text: row.text,
      part: row.part,
      parts: row.parts,
      turnId: row.turnId,
      idempotencyKey: `sb${row.id}`,
      ...(row.replyToId !== undefined ? { replyToId: row.replyToId } : {}),
    };
    channel.send(outbound).then(
      (result) => this.settled(lane, row, () => this.sent(row, result.platformMessageId)),
      (error: unknown) => this.settled(lane, row, () => this.failed(lane, row, error)),
    );
  }

  private async settled(lane: Lane, row: OutboxRow, record: () => Promise<boolean>): Promise<void> {
    let done = true;
    try {
      done = await record();
    } catch (error) {
      this.options.log.error({ err: error, outboxId: row.id }, 'outbox: could not record a send result');
    }
    this.inFlight--;
    lane.busy = false;
    if (done) lane.rows.shift();
    this.pump(lane);
  }

  /**
   * The platform took the row: its waiter (the agent's reply) is told at once, but the lane's next
   * row waits until the row is recorded as sent, so after a crash at most one send per target is
   * repeated.
   */
  private async sent(row: OutboxRow, platformMessageId: string | undefined): Promise<boolean> {
    const recorded = this.options.outbox.markSent(row.id, platformMessageId);
    this.options.metrics.repliesSent.inc({ channel: row.target.channel });
    this.settle(row.id, { status: 'sent' });
    await recorded;
    return true;
  }

  /** Returns false when the row stays at the head of its lane for a retry. */
  private async failed(lane: Lane, row: OutboxRow, error: unknown): Promise<boolean> {
    const reason = error instanceof Error ? error.message : String(error);
    const channel = row.target.channel;
    row.attempts++;
    if (error instanceof PermanentError || row.attempts >= this.maxAttempts) {
      await this.options.outbox.markFailed(row.id, reason);
      this.options.metrics.sendsFailed.inc({
        channel,
        reason: error instanceof PermanentError ? 'permanent' : 'attempts',
      });
      this.options.log.warn({ channel, roundKey: row.roundKey, turnId: row.turnId, outboxId: row.id, reason }, 'send failed for good');
      this.settle(row.id, { status: 'failed', reason });
      return true;
    }
    const delay =
      error instanceof TransientError && error.retryAfterMs !== undefined
        ? error.retryAfterMs
        : this.backoff(row.attempts);
    row.nextAttemptAt = Date.now() + delay;
    await this.options.outbox.markRetry(row.id, row.nextAttemptAt, reason);
    this.options.metrics.sendsRetried.inc({ channel });
    this.options.log.info(
      { channel, roundKey: row.roundKey, turnId: row.turnId, outboxId: row.id, delayMs: delay, reason },
      'send will be retried',
    );
    return false;
  }

  private settle(id: number, delivery: Delivery): void {
    const waiter = this.waiters.get(id);
    if (waiter) {
      this.waiters.delete(id);
      waiter(delivery);
    }
  }
}
