import type { Logger } from 'pino';
import type { CoreMetrics } from '../admin/metrics.js';
import type { BusySession } from '../admin/status.js';
import type { AgentInstance, ChannelInstance, EmitResult } from '../plugins/api.js';
import type { JournaledMessage, Store } from '../store/types.js';
import { ArrivalRate } from './arrival-rate.js';
import { parseControl } from './control.js';
import { Dispatcher } from './dispatcher.js';
import { journalQuietly } from './journal.js';
import { type FinalReplyDedupe, RoundRecord } from './round.js';
import { Router } from './router.js';
import { Scheduler } from './scheduler.js';
import type { QueuedMessage, QueueMode } from './session.js';
import { type SessionScope, sessionKeyOf } from './session-key.js';
import { TurnRunner } from './turn-runner.js';
import { type Inbound, originOf, type Target } from './types.js';

/** `gateway.*` settings the core uses. */
export interface GatewaySettings {
  sessionScope: SessionScope;
  queueMode: QueueMode;
  maxParallelTurns: number;
  maxQueuedPerSession: number;
  sessionIdleMs: number;
  turnTimeoutMs: number;
  workingIndicatorDelayMs: number;
  finalReplyDedupe: FinalReplyDedupe;
  busyReply: string;
}

/** What the gateway needs from the plugin host. */
export interface GatewayOptions {
  settings: GatewaySettings;
  store: Store;
  metrics: CoreMetrics;
  log: Logger;
  agent(): AgentInstance;
  channel(name: string): ChannelInstance | undefined;
  /** Per-channel `sessionScope` override ('' or undefined: inherit). */
  sessionScopeOf(channel: string): SessionScope | undefined;
  /** Per-channel `workingIndicatorDelayMs` override (negative or undefined: inherit). */
  workingDelayOf?(channel: string): number | undefined;
  onError?(error: { message: string; sessionKey?: string; turnId?: string }): void;
}

const closedResult: EmitResult = Object.freeze({ status: 'closed' });
const duplicateResult: EmitResult = Object.freeze({ status: 'duplicate' });
const controlResult: EmitResult = Object.freeze({ status: 'control' });

/** Replies to control commands. */
export const controlReplies = {
  stopped: (dropped: number) =>
    dropped > 0 ? `Stopped. Dropped ${dropped} queued message${dropped === 1 ? '' : 's'}.` : 'Stopped.',
  droppedOnly: (dropped: number) =>
    `Nothing was running. Dropped ${dropped} queued message${dropped === 1 ? '' : 's'}.`,
  nothing: 'Nothing to stop.',
  newSession: 'Started a new conversation.',
};

/**
 * The core pipeline put together: `emit` journals an inbound and feeds the scheduler; control
 * commands are split off before the queue; turns run through the runner; replies go through the
 * router and the outbox to the channels.
 */
export class Gateway {
  readonly scheduler: Scheduler;
  readonly dispatcher: Dispatcher;
  private readonly router: Router;
  private closed = false;
  private readonly arrivals = new ArrivalRate();

  constructor(private readonly options: GatewayOptions) {
    const { store, metrics, log, settings } = options;
    this.dispatcher = new Dispatcher({ channel: options.channel, outbox: store.outbox, metrics, log });
    this.router = new Router({
      channel: options.channel,
      outbox: store.outbox,
      dispatcher: this.dispatcher,
      metrics,
      finalReplyDedupe: settings.finalReplyDedupe,
    });
    const runner = new TurnRunner({
      agent: options.agent,
      channel: options.channel,
      inbox: store.inbox,
      outbox: store.outbox,
      router: this.router,
      metrics,
      log,
      turnTimeoutMs: settings.turnTimeoutMs,
      workingDelayOf: (channel) => {
        const own = options.workingDelayOf?.(channel);
        return own !== undefined && own >= 0 ? own : settings.workingIndicatorDelayMs;
      },
      notify: (target, text, key) => void this.notify(target, text, key),
      ...(options.onError ? { onError: options.onError } : {}),
    });
    this.scheduler = new Scheduler(
      {
        queueMode: settings.queueMode,
        maxParallelTurns: settings.maxParallelTurns,
        maxQueuedPerSession: settings.maxQueuedPerSession,
        sessionIdleMs: settings.sessionIdleMs,
        acceptsSteering: settings.queueMode === 'steer' && options.agent().acceptsSteering === true,
      },
      {
        startTurn: (messages, owner) => runner.start(messages, owner),
        refuse: (message) => this.refuse(message),
        cancel: (messages) => journalQuietly(store.inbox.cancelQueued(messages.map((message) => message.seq)), log),
      },
    );
    // Read when scraped: cheaper than keeping gauges up to date on every turn.
    const scheduler = this.scheduler;
    metrics.readGaugesFrom({
      turnsRunning: () => scheduler.turnsRunning,
      sessionsLive: () => scheduler.sessionsLive,
      sessionQueueDepth: () => scheduler.queuedTotal,
    });
  }

  /** Resends what the outbox still holds, then replays unfinished messages in per-session order. */
  async recover(): Promise<{ replayed: number; resent: number }> {
    const pending = await this.options.store.outbox.pending();
    this.dispatcher.resume(pending);
    const unfinished = await this.options.store.inbox.unfinished();
    for (const message of unfinished) this.scheduler.push({ ...message, replayed: true });
    return { replayed: unfinished.length, resent: pending.length };
  }

  /**
   * The channel entry point (PluginContext.emit). When the store journals synchronously (memory),
   * the message reaches its session before `emit` returns; with SQLite, once its write is durable.
   */
  emit(inbound: Inbound): Promise<EmitResult> {
    if (this.closed) return Promise.resolve(closedResult);
    try {
      const scope = this.options.sessionScopeOf(inbound.channel) ?? this.options.settings.sessionScope;
      const sessionKey = this.scheduler.liveKey(sessionKeyOf(inbound, scope));
      const command = parseControl(inbound.text);
      if (command) return this.controlAfterEarlierAccepts(command, sessionKey, inbound);
      const journaled = this.options.store.inbox.accept(inbound, sessionKey);
      if (journaled instanceof Promise) return journaled.then((message) => this.accepted(inbound, sessionKey, message));
      return Promise.resolve(this.accepted(inbound, sessionKey, journaled));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private accepted(inbound: Inbound, sessionKey: string, journaled: JournaledMessage | null): EmitResult {
    if (!journaled) {
      this.options.metrics.duplicatesIgnored.inc({ channel: inbound.channel });
      return duplicateResult;
    }
    this.options.metrics.inboundOf(inbound.channel).count++;
    this.arrivals.count();
    // A message journaled while we were closing stays queued in the journal for the next start.
    if (!this.closed) this.scheduler.push(journaled);
    return { status: 'accepted', seq: journaled.seq };
  }

  /**
   * Messages emitted before a control command reach the session first: "/stop" stops what was sent
   * before it. With a synchronous store, at once: a turn started in the same tick is stopped before
   * its agent runs.
   */
  private controlAfterEarlierAccepts(command: 'stop' | 'new', sessionKey: string, inbound: Inbound): Promise<EmitResult> {
    const earlier = this.options.store.inbox.barrier();
    const controlled =
      earlier instanceof Promise
        ? earlier.then(() => this.control(command, sessionKey, inbound))
        : this.control(command, sessionKey, inbound);
    return controlled.then(() => controlResult);
  }

  /** Stops taking input (shutdown); `emit` answers `closed` from now on. */
  close(): void {
    this.closed = true;
    this.arrivals.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sessions with work, for the status page. */
  busySessions(): BusySession[] {
    return this.scheduler.busySessions().map((session) => {
      const turn = session.runningTurn;
      return {
        sessionKey: session.key,
        queued: session.queued,
        running: turn !== undefined,
        ...(turn ? { turnId: turn.id, since: turn.startedAt } : {}),
      };
    });
  }

  /** Inbound messages per second over the last minute. */
  messagesPerSecond(): number {
    return this.arrivals.perSecond();
  }

  /** Sends a gateway notice (not part of an agent round) to a chat, through the outbox. */
  async notify(target: Target, text: string, key: string): Promise<void> {
    try {
      await this.router.deliver({
        roundKey: `notice:${key}`,
        record: new RoundRecord(),
        turnId: 'gateway',
        origin: target,
        target,
        text,
        final: false,
      });
    } catch (error) {
      this.options.log.error({ err: error, channel: target.channel }, 'could not send a notice');
    }
  }

  private async control(command: 'stop' | 'new', sessionKey: string, inbound: Inbound): Promise<void> {
    const origin = originOf(inbound);
    const key = `${inbound.channel}:${inbound.id}`;
    this.options.log.info({ channel: inbound.channel, sessionKey, command }, 'control command');
    if (command === 'new') {
      await this.options.store.history.reset(sessionKey);
      void this.notify(origin, controlReplies.newSession, key);
      return;
    }
    const { aborted, dropped } = this.scheduler.stop(sessionKey);
    const text = aborted
      ? controlReplies.stopped(dropped)
      : dropped > 0
        ? controlReplies.droppedOnly(dropped)
        : controlReplies.nothing;
    void this.notify(origin, text, key);
  }

  private refuse(message: QueuedMessage): void {
    const { inbound } = message;
    this.options.metrics.refusedBusy.inc({ channel: inbound.channel });
    this.options.log.warn(
      { channel: inbound.channel, sessionKey: message.sessionKey },
      'session backlog full: refused',
    );
    journalQuietly(this.options.store.inbox.finish([message.seq], 'refused'), this.options.log);
    void this.notify(originOf(inbound), this.options.settings.busyReply, `busy:${inbound.channel}:${inbound.id}`);
  }
}
