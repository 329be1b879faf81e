import type { AbortReason } from '../../src/core/errors.js';
import { Scheduler, type SchedulerOptions } from '../../src/core/scheduler.js';
import type { QueuedMessage, RunningTurn } from '../../src/core/session.js';

/** A turn as the harness sees it: which messages, and how to end it. */
export interface HarnessTurn {
  id: string;
  sessionKey: string;
  seqs: number[];
  startedAt: number;
  aborted: AbortReason | undefined;
  steered: QueuedMessage[];
  end(): void;
}

/**
 * Drives a real {@link Scheduler} synchronously: messages arrive when the test says, turns end when
 * the test says. Records every start, refusal and cancellation, and checks the invariants on the fly.
 */
export class SchedulerHarness {
  readonly scheduler: Scheduler;
  readonly running = new Map<string, HarnessTurn>();
  readonly started: HarnessTurn[] = [];
  readonly refused: QueuedMessage[] = [];
  readonly cancelled: QueuedMessage[] = [];
  readonly violations: string[] = [];
  maxConcurrent = 0;
  private seq = 0;
  private clock = 0;
  private turnIds = 0;

  constructor(options: Partial<SchedulerOptions> & { acceptsSteering?: boolean } = {}) {
    this.scheduler = new Scheduler(
      {
        queueMode: options.queueMode ?? 'queue',
        maxParallelTurns: options.maxParallelTurns ?? 4,
        maxQueuedPerSession: options.maxQueuedPerSession ?? 100,
        sessionIdleMs: options.sessionIdleMs ?? 60_000,
        acceptsSteering: options.acceptsSteering ?? false,
        now: () => this.clock,
      },
      {
        startTurn: (messages, owner) => this.start(messages, (untaken) => owner.turnEnded(untaken)),
        refuse: (message) => this.refused.push(message),
        cancel: (messages) => this.cancelled.push(...messages),
      },
    );
  }

  arrive(sessionKey: string, text = ''): QueuedMessage {
    const message: QueuedMessage = {
      seq: ++this.seq,
      sessionKey,
      inbound: {
        id: String(this.seq),
        channel: 'test',
        chat: { id: sessionKey, type: 'dm' },
        sender: { id: 'u', name: 'u', isBot: false },
        text,
        mentionsBot: true,
        receivedAt: this.clock,
      },
    };
    this.scheduler.push(message);
    return message;
  }

  /** Ends the running turn of a session (the oldest running turn when none given). */
  end(sessionKey?: string): boolean {
    const turn = sessionKey ? this.running.get(sessionKey) : this.running.values().next().value;
    if (!turn) return false;
    turn.end();
    return true;
  }

  advance(ms: number): void {
    this.clock += ms;
  }

  close(): void {
    this.scheduler.close();
  }

  private start(messages: QueuedMessage[], done: (untaken: readonly QueuedMessage[]) => void): RunningTurn {
    const sessionKey = messages[0]!.sessionKey;
    if (this.running.has(sessionKey)) this.violations.push(`two turns of ${sessionKey} at once`);
    const turn: HarnessTurn = {
      id: `turn-${++this.turnIds}`,
      sessionKey,
      seqs: messages.map((message) => message.seq),
      startedAt: this.clock,
      aborted: undefined,
      steered: [],
      end: () => {
        if (this.running.get(sessionKey) !== turn) return;
        this.running.delete(sessionKey);
        done([]);
      },
    };
    this.running.set(sessionKey, turn);
    this.started.push(turn);
    this.maxConcurrent = Math.max(this.maxConcurrent, this.running.size);
    return {
      id: turn.id,
      startedAt: this.clock,
      steeringBacklog: 0,
      steer: (message) => {
        turn.steered.push(message);
        return true;
      },
      abort: (reason) => {
        turn.aborted ??= reason;
      },
    };
  }
}
