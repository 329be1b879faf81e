import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { CoreMetrics } from '../admin/metrics.js';
import type { AgentInstance, ChannelInstance } from '../plugins/api.js';
import type { Inbox, Outbox } from '../store/types.js';
import { type AbortReason, abortReasonOf, TurnAbortedError } from './errors.js';
import { RoundRecord } from './round.js';
import type { Router } from './router.js';
import type { QueuedMessage, RunningTurn } from './session.js';
import type { SendOutcome, Turn } from './turn.js';
import { type Inbound, originOf, type Target } from './types.js';

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
  /** Tells a chat something outside a turn's rounds (apology, timeout notice). */
  notify(target: Target, text: string, key: string): void;
  /** Called when a turn ends, after its messages were finished (for tests and the status page). */
  onTurnEnd?(turnId: string): void;
  onError?(error: { message: string; sessionKey: string; turnId: string }): void;
}

const processTag = randomBytes(3).toString('hex');
let turnCounter = 0;

/** User-facing notices. */
export const notices = {
  apology: 'Sorry, something went wrong while answering. Please try again.',
  timeout: (ms: number) => `Sorry, that took too long (over ${Math.round(ms / 1000)} s) and was stopped.`,
};

/**
 * Starts turns for the scheduler: builds the {@link Turn} an agent sees, journals the messages as
 * running, shows the channel's working indicator, enforces `turnTimeoutMs`, and on the end marks
 * the messages done or failed and hands untaken steering input back to the session.
 */
export class TurnRunner {
  constructor(private readonly options: TurnRunnerOptions) {}

  start(messages: QueuedMessage[], done: (untaken: readonly QueuedMessage[]) => void): RunningTurn {
    const options = this.options;
    const id = `t-${processTag}-${(++turnCounter).toString(36)}`;
    const first = messages[0]!;
    const sessionKey = first.sessionKey;
    const origin = originOf(first.inbound);
    const controller = new AbortController();
    const signal = controller.signal;
    const startedAt = Date.now();
    const inbounds: Inbound[] = messages.map((message) => message.inbound);
    const seqs = messages.map((message) => message.seq);
    const steering: QueuedMessage[] = [];
    let steeringWaiter: (() => void) | undefined;
    let round = 0;
    let record = new RoundRecord();
    let replayedRound = first.replayed;
    let ended = false;
    let log: Logger | undefined;
    const roundKeyBase = `${sessionKey}#${first.seq}`;
    const triggerId = inbounds[inbounds.length - 1]!.id;
    // Channels that reply-quote the trigger parse their own id shape back out of it.
    const replyToId = triggerId;

    const deliver = async (target: Target | undefined, text: string, final: boolean): Promise<SendOutcome> => {
      const roundKey = `${roundKeyBase}#${round}`;
      if (replayedRound) {
        // A replayed round may already have placed sends before the crash: rebuild its record.
        replayedRound = false;
        for (const sent of await options.outbox.roundRecord(roundKey)) record.record(sent.target, sent.replyText);
      }
      return options.router.deliver({
        roundKey,
        record,
        turnId: id,
        origin,
        target: target ?? origin,
        text,
        final,
        replyToId,
      });
    };

    const turn: Turn = {
      id,
      sessionKey,
      origin,
      messages: inbounds,
      signal,
      get round() {
        return round;
      },
      get log() {
        log ??= options.log.child({ channel: origin.channel, sessionKey, turnId: id });
        return log;
      },
      reply: (text, target) => deliver(target, text, true),
      send: (target, text) => deliver(target, text, false),
      drainSteering() {
        if (steering.length === 0) return [];
        const taken = steering.splice(0);
        for (const message of taken) seqs.push(message.seq);
        void options.inbox.markRunning(taken.map((message) => message.seq));
        round++;
        record = new RoundRecord();
        return taken.map((message) => message.inbound);
      },
      steeringAvailable() {
        if (steering.length > 0 || ended) return Promise.resolve();
        return new Promise<void>((resolve) => {
          const previous = steeringWaiter;
          steeringWaiter = () => {
            previous?.();
            resolve();
          };
        });
      },
    };

    const abort = (reason: AbortReason) => {
      if (!signal.aborted) controller.abort(new TurnAbortedError(reason));
    };
    const timeout = setTimeout(() => abort('timeout'), options.turnTimeoutMs);
    timeout.unref();

    void options.inbox.markRunning(seqs);
    options.metrics.turnsRunning.inc();
    const indicator = this.indicateWorking(origin, id, triggerId);

    const finish = async (error: unknown) => {
      ended = true;
      clearTimeout(timeout);
      indicator?.abort();
      steeringWaiter?.();
      const reason = abortReasonOf(signal);
      const untaken = steering.splice(0);
      let outcome: string;
      if (reason === 'shutdown') {
        // Left as running in the journal: replayed at the next start.
        outcome = 'shutdown';
      } else if (reason) {
        outcome = reason;
        options.metrics.turnsAborted.inc({ reason });
        if (reason === 'timeout')
          options.notify(origin, notices.timeout(options.turnTimeoutMs), `${roundKeyBase}#timeout`);
        await options.inbox.finish(seqs, 'failed');
      } else if (error !== undefined) {
        outcome = 'error';
        const message = error instanceof Error ? error.message : String(error);
        turn.log.error({ err: error }, 'agent failed');
        options.metrics.turnErrors.inc();
        options.onError?.({ message, sessionKey, turnId: id });
        options.notify(origin, notices.apology, `${roundKeyBase}#apology`);
        await options.inbox.finish(seqs, 'failed');
      } else {
        outcome = 'done';
        await options.inbox.finish(seqs, 'done');
      }
      options.metrics.turnsRunning.dec();
      options.metrics.turnDuration.observe({ outcome }, (Date.now() - startedAt) / 1000);
      options.onTurnEnd?.(id);
      // After /stop the untaken steering input is dropped with the rest of the queue.
      if (reason === 'stop' && untaken.length > 0) {
        await options.inbox.cancelQueued(untaken.map((message) => message.seq));
        done([]);
      } else {
        done(untaken);
      }
    };

    const agent = options.agent();
    (signal.aborted ? Promise.resolve() : Promise.resolve().then(() => agent.run(turn))).then(
      () => finish(undefined),
      (error: unknown) => finish(signal.aborted ? undefined : error),
    );

    return {
      id,
      startedAt,
      get steeringBacklog() {
        return steering.length;
      },
      steer(message) {
        if (ended || signal.aborted) return false;
        steering.push(message);
        steeringWaiter?.();
        steeringWaiter = undefined;
        return true;
      },
      abort,
    };
  }

  private indicateWorking(origin: Target, turnId: string, triggerId: string): AbortController | undefined {
    const channel = this.options.channel(origin.channel);
    if (!channel?.indicateWorking) return undefined;
    const controller = new AbortController();
    try {
      channel.indicateWorking({ target: origin, turnId, triggerId, signal: controller.signal });
    } catch (error) {
      this.options.log.warn({ err: error, channel: origin.channel, turnId }, 'working indicator failed');
    }
    return controller;
  }
}
