// Only Observable: the package root loads all of RxJS (~220 modules, ~100 ms of startup); this
// subpath is in rxjs 7's package exports.
import { Observable } from 'rxjs/internal/Observable';
import type { Subscriber } from 'rxjs/internal/Subscriber';
import type { Subscription } from 'rxjs/internal/Subscription';
import { IdleTracker } from './idle-tracker.js';
import { TurnLimiter } from './limiter.js';
import {
  type QueuedMessage,
  type QueueMode,
  type RunningTurn,
  Session,
  type SessionEffects,
  type StopOutcome,
  type TurnOwner,
} from './session.js';

/** Settings of the scheduler (from `gateway.*`). */
export interface SchedulerOptions {
  queueMode: QueueMode;
  maxParallelTurns: number;
  maxQueuedPerSession: number;
  sessionIdleMs: number;
  /** Whether the agent takes steering input (queue mode `steer`). */
  acceptsSteering: boolean;
  now?: () => number;
}

/** What the scheduler needs from the turn runner and the router. */
export interface SchedulerHandlers {
  /** Starts a turn; it tells `owner.turnEnded` when it ends. */
  startTurn(messages: QueuedMessage[], owner: TurnOwner): RunningTurn;
  refuse(message: QueuedMessage): void;
  cancel(messages: QueuedMessage[]): void;
}

/**
 * The session-ordered turn pipeline (DESIGN.md "The flow"): one stream of journaled messages,
 * grouped by session key into a {@link Session} per key (each serving its messages in order, like a
 * per-group `concatMap`), a group released once the session has been idle for `sessionIdleMs`, and
 * one FIFO {@link TurnLimiter} shared by all sessions.
 *
 * A group's lifetime is driven by the session itself, not by a timer from the last arrival: it can
 * only expire while its session has nothing running and nothing queued, so a late message can never
 * open a second group (and a second concurrent turn) for a session that is still busy.
 */
export class Scheduler {
  /**
   * The stream's one subscriber, fed directly. A `Subject` would do the same with a closure, an
   * iterator and its result objects per message (rxjs 7's CommonJS build): ~6% of a burst's profile.
   */
  private input!: Subscriber<QueuedMessage>;
  private readonly sessions = new Map<string, Session>();
  private readonly limiter: TurnLimiter;
  private readonly idleTracker: IdleTracker;
  private readonly subscription: Subscription;
  private readonly effects: SessionEffects;

  constructor(
    private readonly options: SchedulerOptions,
    handlers: SchedulerHandlers,
  ) {
    this.limiter = new TurnLimiter(options.maxParallelTurns);
    this.idleTracker = new IdleTracker(options.sessionIdleMs, options.now);
    const limiter = this.limiter;
    this.effects = {
      requestSlot: (session) => limiter.request(session),
      releaseSlot: () => limiter.release(),
      startTurn: (session, messages) => handlers.startTurn(messages, session),
      refuse: (message) => handlers.refuse(message),
      cancel: (messages) => handlers.cancel(messages),
      idle: (session) => this.idleTracker.markIdle(session),
      busy: (session) => this.idleTracker.markBusy(session),
    };
    this.subscription = new Observable<QueuedMessage>((subscriber) => {
      this.input = subscriber;
    }).subscribe((message) => this.sessionFor(message.sessionKey).arrive(message));
  }

  /** Feeds one journaled message (in per-session arrival order). */
  push(message: QueuedMessage): void {
    this.input.next(message);
  }

  /**
   * The live session's own copy of `key` (or `key` when none is live): a journaled message keeps
   * that one, so a queued backlog holds one key string per session, not one per message, and the
   * session lookup compares the same string.
   */
  liveKey(key: string): string {
    return this.sessions.get(key)?.key ?? key;
  }

  /** /stop for one session. */
  stop(sessionKey: string): StopOutcome {
    const session = this.sessions.get(sessionKey);
    return session ? session.stop() : { aborted: false, dropped: 0 };
  }

  /** Live sessions (groups not yet expired). */
  get sessionsLive(): number {
    return this.sessions.size;
  }

  get turnsRunning(): number {
    return this.limiter.active;
  }

  /** Messages waiting in all sessions. */
  get queuedTotal(): number {
    let total = 0;
    for (const session of this.sessions.values()) total += session.queued;
    return total;
  }

  /** Sessions with a running turn or queued messages. */
  busySessions(): Session[] {
    const busy: Session[] = [];
    for (const session of this.sessions.values()) if (!session.idle) busy.push(session);
    return busy;
  }

  /** Running turns (for shutdown). */
  runningTurns(): RunningTurn[] {
    const turns: RunningTurn[] = [];
    for (const session of this.sessions.values()) if (session.runningTurn) turns.push(session.runningTurn);
    return turns;
  }

  /** Expires idle sessions now (tests, and a final sweep). */
  sweepIdle(): void {
    this.idleTracker.sweep();
  }

  setMaxParallelTurns(limit: number): void {
    this.limiter.setLimit(limit);
  }

  close(): void {
    this.idleTracker.close();
    this.input.complete();
    this.subscription.unsubscribe();
    this.sessions.clear();
  }

  /**
   * The group of a session key, opened on its first message. Like RxJS `groupBy` with a duration,
   * but the group is released in O(1): `groupBy` keeps every live group's duration subscription in
   * one array and removes it with `indexOf` + `splice`, which measured 3.3 s to expire 100,000
   * sessions (quadratic); here the idle tracker deletes one Map entry.
   */
  private sessionFor(key: string): Session {
    let session = this.sessions.get(key);
    if (!session) {
      session = new Session(
        key,
        this.options.queueMode,
        this.options.maxQueuedPerSession,
        this.options.acceptsSteering,
        this.effects,
      );
      const created = session;
      created.expire = () => {
        if (this.sessions.get(key) === created) this.sessions.delete(key);
      };
      this.sessions.set(key, session);
    }
    return session;
  }
}
