import type { Logger } from 'pino';
import type { CoreMetrics } from '../admin/metrics.js';
import type { AgentInstance, ChannelInstance } from '../plugins/api.js';
import type { Inbox, Outbox } from '../store/types.js';
import { ActiveTurn, type TurnServices } from './active-turn.js';
import type { Router } from './router.js';
import { afterJournal, journalQuietly } from './journal.js';
import type { QueuedMessage, RunningTurn, TurnOwner } from './session.js';
import { TurnTimeouts } from './timeouts.js';
import type { SendOutcome } from './turn.js';
import type { Target } from './types.js';

/** Settings of the turn runner. */
export interface TurnRunnerOptions {
  agent(): AgentInstance;
  channel(name: string): ChannelInstance | undefined;
  inbox: Inbox;
  outbox: Outbox;
  router: Router;
  metrics: CoreMetrics;
  log: Logger;
  turnTimeoutMs: number;
  /** How long a turn of this channel runs before its working indicator is shown (ms; 0: at once). */
  workingDelayOf(channel: string): number;
  /** Tells a chat something outside a turn's rounds (apology, timeout notice). */
  notify(target: Target, text: string, key: string): void;
  onError?(error: { message: string; sessionKey: string; turnId: string }): void;
}

const resolved = Promise.resolve();

/** How long an aborted agent may take to settle before its turn is ended without it. */
export const abortGraceMs = 2000;

/** User-facing notices. */
export const notices = {
  apology: 'Sorry, something went wrong while answering. Please try again.',
  timeout: (ms: number) => `Sorry, that took too long (over ${Math.round(ms / 1000)} s) and was stopped.`,
};

/**
 * Starts turns for the scheduler: journals the messages as running, shows the channel's working
 * indicator, enforces `turnTimeoutMs`, runs the agent, and at the end marks the messages done or
 * failed and hands untaken steering input back to the session.
 */
export class TurnRunner implements TurnServices {
  readonly log: Logger;
  private readonly timeouts: TurnTimeouts;
  private readonly durations: Record<
    'done' | 'error' | 'stop' | 'interrupt' | 'timeout' | 'shutdown',
    { observe(v: number): void }
  >;

  /** Turns started in this tick whose agents have not been called yet (two lists, swapped per tick). */
  private starting: ActiveTurn[] = [];
  private spare: ActiveTurn[] = [];

  /** Turn start/end lines are debug-level: checked once, not per turn (a child logger per turn costs). */
  private readonly debug: boolean;

  constructor(private readonly options: TurnRunnerOptions) {
    this.log = options.log;
    this.debug = options.log.isLevelEnabled('debug');
    this.timeouts = new TurnTimeouts(options.turnTimeoutMs);
    const histogram = options.metrics.turnDuration;
    this.durations = {
      done: histogram.labels('done'),
      error: histogram.labels('error'),
      stop: histogram.labels('stop'),
      interrupt: histogram.labels('interrupt'),
      timeout: histogram.labels('timeout'),
      shutdown: histogram.labels('shutdown'),
    };
  }

  start(messages: QueuedMessage[], owner: TurnOwner): RunningTurn {
    const turn = new ActiveTurn(this, messages, owner);
    journalQuietly(this.options.inbox.markRunning(turn.seqs), this.log);
    this.timeouts.add(turn);
    turn.indicator = this.indicateWorking(turn);
    if (this.debug) turn.log.debug({ messages: turn.seqs.length }, 'turn started');
    // The agent runs on a later microtask, not inside the scheduler's call that started the turn:
    // the session holds the turn before anything can end it. One microtask for all turns started
    // in the same tick (no closure per turn).
    // (A resolved promise's `then`, not `queueMicrotask`: Node wraps each of those in an
    // AsyncResource, which cost more than the turn's own bookkeeping once turns end one per tick.)
    this.starting.push(turn);
    if (this.starting.length === 1) void resolved.then(this.runStarting);
    return turn;
  }

  /**
   * An aborted turn whose agent has not settled `abortGraceMs` later (it ignores its AbortSignal)
   * is ended anyway, so its session and its turn slot go on; what that agent sends later is refused.
   */
  aborted(turn: ActiveTurn): void {
    setTimeout(() => {
      if (turn.ended) return;
      turn.log.warn({ reason: turn.abortReason, graceMs: abortGraceMs }, 'agent did not stop when aborted; its turn is ended without it');
      this.options.metrics.turnsAbandoned.inc();
      this.end(turn, undefined);
    }, abortGraceMs).unref();
  }

  deliver(turn: ActiveTurn, target: Target, text: string, final: boolean): Promise<SendOutcome> {
    if (turn.ended) return Promise.resolve({ status: 'refused', reason: 'the turn has ended' });
    return this.rebuildReplayedRound(turn).then(() =>
      this.options.router.deliver({
        roundKey: turn.roundKey,
        record: turn.record,
        turnId: turn.id,
        origin: turn.origin,
        target,
        text,
        final,
        replyToId: turn.triggerId,
      }),
    );
  }

  took(messages: readonly QueuedMessage[]): void {
    journalQuietly(this.options.inbox.markRunning(messages.map((message) => message.seq)), this.log);
  }

  /** Runs the agents of the turns started since the last call. */
  private readonly runStarting = () => {
    const turns = this.starting;
    this.starting = this.spare;
    const agent = this.options.agent();
    for (const turn of turns) this.runAgent(turn, agent);
    turns.length = 0;
    this.spare = turns;
  };

  private runAgent(turn: ActiveTurn, agent: AgentInstance): void {
    if (turn.abortReason) {
      this.end(turn, undefined);
      return;
    }
    let settled: Promise<void>;
    try {
      settled = Promise.resolve(agent.run(turn));
    } catch (error) {
      this.end(turn, error ?? 'unknown error');
      return;
    }
    settled.then(
      () => this.end(turn, undefined),
      (error: unknown) => this.end(turn, turn.abortReason ? undefined : (error ?? 'unknown error')),
    );
  }

  /**
   * Ends a turn once: when its agent settles, or when an aborted agent does not (abandoned). An
   * unexpected throw is logged; the session is not told twice (that would free its slot twice).
   */
  private end(turn: ActiveTurn, error: unknown): void {
    if (turn.ending) return;
    turn.ending = true;
    try {
      this.finish(turn, error);
    } catch (failure) {
      this.log.error({ err: failure, turnId: turn.id }, 'could not record the end of a turn');
    }
  }

  /** A replayed round may have placed sends before the crash: its record is rebuilt from the outbox. */
  private async rebuildReplayedRound(turn: ActiveTurn): Promise<void> {
    if (!turn.replayedRound) return;
    turn.replayedRound = false;
    for (const sent of await this.options.outbox.roundRecord(turn.roundKey))
      turn.record.recordReplayed(sent.target, sent.replyText, sent.final);
  }

  /**
   * Counts and journals how the turn ended, tells the chat of a timeout or failure, and hands the
   * session the steering input its agent never took. A failed journal write leaves the message
   * `running`: it is replayed at restart.
   */
  private finish(turn: ActiveTurn, error: unknown): void {
    const { inbox, metrics } = this.options;
    const untaken = turn.end();
    this.timeouts.delete(turn);
    turn.indicator?.abort();
    const reason = turn.abortReason;
    const outcome = reason ?? (error === undefined ? 'done' : 'error');
    if (reason && reason !== 'shutdown') metrics.turnsAborted.inc({ reason });
    if (reason === 'timeout') {
      this.options.notify(turn.origin, notices.timeout(this.options.turnTimeoutMs), `${turn.roundKeyBase}#timeout`);
    } else if (outcome === 'error') {
      const message = error instanceof Error ? error.message : String(error);
      turn.log.error({ err: error }, 'agent failed');
      metrics.turnErrors.inc();
      this.options.onError?.({ message, sessionKey: turn.sessionKey, turnId: turn.id });
      this.options.notify(turn.origin, notices.apology, `${turn.roundKeyBase}#apology`);
    }
    // A turn stopped by shutdown stays running in the journal: replayed at the next start. Other
    // ends are journaled without waiting: the write is ordered before anything the next turn
    // journals (the store keeps call order), and a crash before it is durable replays the message,
    // whose answer the outbox does not send twice.
    const endedAt = Date.now();
    if (reason !== 'shutdown') journalQuietly(inbox.finish(turn.seqs, outcome === 'done' ? 'done' : 'failed', endedAt), this.log);
    if (this.debug) turn.log.debug({ outcome }, 'turn ended');
    this.durations[outcome].observe((endedAt - turn.startedAt) / 1000);
    this.release(turn, untaken);
  }

  /** The session goes on. After /stop the untaken steering input is dropped with the rest of its queue. */
  private release(turn: ActiveTurn, untaken: readonly QueuedMessage[]): void {
    if (turn.abortReason !== 'stop' || untaken.length === 0) {
      turn.owner.turnEnded(untaken);
      return;
    }
    const cancelled = this.options.inbox.cancelQueued(untaken.map((message) => message.seq));
    afterJournal(cancelled, () => turn.owner.turnEnded(), this.log);
  }

  /**
   * Starts the channel's working indicator once the turn has run `workingDelayOf(channel)` ms (a
   * turn that ends sooner shows none: its answer is the sign of life, and the platform call is
   * spared). The returned controller ends it (or cancels it before it started).
   */
  private indicateWorking(turn: ActiveTurn): AbortController | undefined {
    const channel = this.options.channel(turn.messages[0]!.channel);
    const indicate = channel?.indicateWorking?.bind(channel);
    if (!indicate) return undefined;
    const controller = new AbortController();
    const begin = () => {
      try {
        indicate({ target: turn.origin, turnId: turn.id, triggerId: turn.triggerId, signal: controller.signal });
      } catch (error) {
        this.options.log.warn({ err: error, channel: turn.origin.channel, turnId: turn.id }, 'working indicator failed');
      }
    };
    const delayMs = this.options.workingDelayOf(turn.messages[0]!.channel);
    if (delayMs <= 0) {
      begin();
      return controller;
    }
    const timer = setTimeout(begin, delayMs);
    controller.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
    return controller;
  }
}
