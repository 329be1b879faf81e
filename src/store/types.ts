import type { Inbound, Target } from '../core/types.js';

/**
 * The store the core owns the shape of. Today: SQLite (`store/sqlite`) or memory (`store/memory`);
 * tomorrow possibly a broker, so the inbox speaks in "accepted / unfinished / finished", not SQL.
 */

/**
 * A result a store gives at once or later: the memory store answers synchronously (it sits on the
 * pipeline's hot path, where a promise per call is most of the cost), SQLite with a promise. Callers
 * `await` it, or test `instanceof Promise` to stay synchronous when they can.
 */
export type MaybePromise<T> = T | Promise<T>;

/** State of a journaled inbound message. */
export type MessageState = 'queued' | 'running' | 'done' | 'failed' | 'refused';

/** An inbound as the inbox journaled it. */
export interface JournaledMessage {
  /** Increasing in acceptance order, over all sessions; per-session order is `seq` order. */
  seq: number;
  sessionKey: string;
  inbound: Inbound;
}

/** Journal of accepted inbound messages. */
export interface Inbox {
  /**
   * Journals one inbound; resolves once it is durable (the channel acknowledges the platform after
   * this). Resolves `null` when `(channel, inbound.id)` was journaled before: a redelivery.
   */
  accept(inbound: Inbound, sessionKey: string): MaybePromise<JournaledMessage | null>;
  /** Messages still queued or running, in `seq` order; replayed at startup before new input. */
  unfinished(): Promise<JournaledMessage[]>;
  /** Resolves after every `accept` called before it has resolved (orders a control command after them). */
  barrier(): MaybePromise<void>;
  /** A turn started for these messages. */
  markRunning(seqs: readonly number[]): MaybePromise<void>;
  /**
   * A turn ended for these messages (`refused`: the session's backlog was full), at `at` (epoch ms;
   * now when omitted: the caller that already read the clock passes its reading).
   */
  finish(seqs: readonly number[], state: Exclude<MessageState, 'queued' | 'running'>, at?: number): MaybePromise<void>;
  /** Drops journaled messages that are queued (not yet running) for a session: what /stop cancels. */
  cancelQueued(seqs: readonly number[]): MaybePromise<void>;
}

/** One part of a reply, placed in the outbox before it is sent. */
export interface OutboxEntry {
  /**
   * Idempotency key: a second entry with the same key is not added. The router builds it from the
   * round (stable across a replay), the target, the text and the part, so a replayed round never
   * sends what its first run already placed. It starts with `<roundKey>|` (stores find a round's
   * rows by that prefix).
   */
  key: string;
  /** Identifies the round across replays (`sessionKey#firstSeq#round`). */
  roundKey: string;
  turnId: string;
  target: Target;
  /** Whole reply text before rendering, for rebuilding a round's dedupe record after a restart. */
  replyText: string;
  /** Rendered text of this part. */
  text: string;
  part: number;
  parts: number;
  replyToId?: string;
  /** Part of a round's final answer (not an interim message): a replay counts these per target. */
  final?: boolean;
}

/** One reply a round placed in the outbox (its parts counted once). */
export interface RoundSend {
  target: Target;
  replyText: string;
  final: boolean;
}

/** State of an outbox row. */
export type OutboxState = 'pending' | 'sent' | 'failed';

/** A row of the outbox. */
export interface OutboxRow extends OutboxEntry {
  id: number;
  state: OutboxState;
  attempts: number;
  /** Epoch ms before which the row is not retried. */
  nextAttemptAt: number;
  platformMessageId?: string;
  error?: string;
}

/** Durable queue of outgoing message parts. */
export interface Outbox {
  /** Adds entries whose key is new, in one transaction; returns the rows added (known keys are skipped). */
  enqueue(entries: readonly OutboxEntry[]): Promise<OutboxRow[]>;
  /** Every pending row in id order (resumed at startup). */
  pending(): Promise<OutboxRow[]>;
  markSent(id: number, platformMessageId?: string): Promise<void>;
  /** Counts an attempt and sets when to try again. */
  markRetry(id: number, nextAttemptAt: number, error: string): Promise<void>;
  markFailed(id: number, reason: string): Promise<void>;
  /** What a round already placed (any state): target and whole reply text, to rebuild its dedupe record. */
  roundRecord(roundKey: string): Promise<RoundSend[]>;
}

/** One entry of a session's conversation history. */
export interface HistoryEntry {
  role: 'user' | 'assistant' | 'tool';
  content: string;
  /** Sender name for user entries, tool name for tool entries. */
  name?: string;
  at: number;
}

/** Conversation history per session, for agents that want it. */
export interface History {
  append(sessionKey: string, entries: readonly HistoryEntry[]): Promise<void>;
  /** The last `limit` entries, oldest first. */
  recent(sessionKey: string, limit: number): Promise<HistoryEntry[]>;
  /** `/new`: the session starts over. */
  reset(sessionKey: string): Promise<void>;
}

/** Everything durable. */
export interface Store {
  readonly kind: 'memory' | 'sqlite';
  readonly inbox: Inbox;
  readonly outbox: Outbox;
  readonly history: History;
  /** Removes done messages and sent/failed rows older than `olderThanMs` (epoch ms). */
  prune(olderThanMs: number): Promise<{ messages: number; outbox: number }>;
  close(): Promise<void>;
}
