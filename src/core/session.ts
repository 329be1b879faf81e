import type { AbortReason } from './errors.js';
import { Fifo } from './fifo.js';
import type { Inbound } from './types.js';

/** Per-session queue mode (config `gateway.queueMode`). */
export type QueueMode = 'queue' | 'interrupt' | 'collect' | 'steer';

/**
 * A journaled message on its way through the scheduler: the inbox's own record of it (no copy per
 * message), marked when replayed.
 */
export interface QueuedMessage {
  readonly seq: number;
  readonly sessionKey: string;
  readonly inbound: Inbound;
  /** Set when replayed from the journal at startup (its round may already have sent things). */
  readonly replayed?: true;
}

/** The scheduler's handle on a running turn. */
export interface RunningTurn {
  readonly id: string;
  readonly startedAt: number;
  /** Hands a message to the running turn (steer mode); false if the turn no longer takes input. */
  steer(message: QueuedMessage): boolean;
  /** Messages handed to the turn and not yet taken by the agent. */
  readonly steeringBacklog: number;
  abort(reason: AbortReason): void;
}

/** Who is told when a turn ends: `untaken` are steering messages its agent never took. */
export interface TurnOwner {
  turnEnded(untaken?: readonly QueuedMessage[]): void;
}

/** What a session asks of the world. The scheduler carries these out; tests record them. */
export interface SessionEffects {
  /** Ask the global limiter for a slot; call `session.slotGranted()` when granted. */
  requestSlot(session: Session): void;
  releaseSlot(): void;
  startTurn(session: Session, messages: QueuedMessage[]): RunningTurn;
  /** The backlog is full: the message is refused with a short busy reply. */
  refuse(message: QueuedMessage): void;
  /** /stop dropped these queued messages. */
  cancel(messages: QueuedMessage[]): void;
  /** The session has nothing running and nothing queued (it may expire after the idle time). */
  idle(session: Session): void;
  /** The session has work again. */
  busy(session: Session): void;
}

/** What /stop did. */
export interface StopOutcome {
  aborted: boolean;
  dropped: number;
}

/**
 * One session's queue: the decisions of what runs next, what is refused and what /stop cancels.
 * Never more than one turn at once (invariant 1) holds because `running` is the only slot a session
 * has, and a turn is started only from `slotGranted` when `running` is empty.
 */
export class Session implements TurnOwner {
  private readonly queue = new Fifo<QueuedMessage>();
  private running: RunningTurn | undefined;
  private waiting = false;
  private isIdle = true;
  /** Set by the scheduler: completes the session's group when the idle time is over. */
  expire: (() => void) | undefined;
  /** Position in the idle tracker (epoch ms the session became idle). */
  idleSince = 0;

  constructor(
    readonly key: string,
    private readonly mode: QueueMode,
    private readonly maxQueued: number,
    private readonly acceptsSteering: boolean,
    private readonly effects: SessionEffects,
  ) {}

  /** Messages waiting (including those handed to a running turn but not yet taken). */
  get queued(): number {
    return this.queue.length + (this.running?.steeringBacklog ?? 0);
  }

  get runningTurn(): RunningTurn | undefined {
    return this.running;
  }

  /** True when nothing runs, nothing waits for a slot and nothing is queued. */
  get idle(): boolean {
    return this.running === undefined && !this.waiting && this.queue.length === 0;
  }

  arrive(message: QueuedMessage): void {
    if (this.isIdle) {
      this.isIdle = false;
      this.effects.busy(this);
    }
    if (this.queued >= this.maxQueued) {
      this.effects.refuse(message);
      this.settle();
      return;
    }
    if (this.mode === 'steer' && this.acceptsSteering && this.running?.steer(message)) return;
    this.queue.push(message);
    if (this.mode === 'interrupt' && this.running) this.running.abort('interrupt');
    this.settle();
  }

  slotGranted(): void {
    this.waiting = false;
    if (this.queue.length === 0) {
      // /stop emptied the queue while we waited for the slot.
      this.effects.releaseSlot();
      this.settle();
      return;
    }
    const batch = this.mode === 'collect' || this.mode === 'interrupt' ? this.queue.takeAll() : [this.queue.shift()!];
    this.running = this.effects.startTurn(this, batch);
  }

  /** The running turn ended; `untaken` are steering messages the agent never took (they are queued first). */
  turnEnded(untaken: readonly QueuedMessage[] = []): void {
    this.running = undefined;
    if (untaken.length > 0) this.queue.pushFront(untaken);
    this.effects.releaseSlot();
    this.settle();
  }

  /** /stop: abort the running turn, drop everything queued. Never touches another session. */
  stop(): StopOutcome {
    const dropped = this.queue.takeAll();
    if (dropped.length > 0) this.effects.cancel(dropped);
    const aborted = this.running !== undefined;
    this.running?.abort('stop');
    this.settle();
    return { aborted, dropped: dropped.length };
  }

  /** Asks for a slot when there is work, or reports idleness when there is none. */
  private settle(): void {
    if (this.running !== undefined || this.waiting) return;
    if (this.queue.length > 0) {
      this.waiting = true;
      this.effects.requestSlot(this);
    } else if (!this.isIdle) {
      this.isIdle = true;
      this.effects.idle(this);
    }
  }
}
