import type { Logger } from 'pino';
import type { Inbound, Target } from './types.js';

/** What became of one send through the router. */
export type SendOutcome =
  | { status: 'sent'; parts: number }
  | { status: 'suppressed'; reason: SuppressReason }
  | { status: 'refused'; reason: string };

/** Why the router did not send a final answer (counted in `switchboard_dedupe_suppressions_total{reason}`). */
export type SuppressReason = 'empty' | 'no_reply' | 'same_text' | 'target_already_sent';

/** The token an agent answers with when it has nothing (more) to say. */
export const NO_REPLY = 'NO_REPLY';

/**
 * One run of the agent for one session. An agent plugin's `run(turn)` receives it.
 *
 * Replies are routed to {@link Turn.origin} by default. A turn is made of rounds: a round is one
 * pass from input (the turn's messages, or messages taken with {@link Turn.drainSteering}) to its
 * final answer. The router remembers, per round, what was sent to which target, so a final answer
 * that repeats what the message tool already delivered is sent once.
 */
export interface Turn {
  /** Unique id, logged as `turnId`. */
  readonly id: string;
  readonly sessionKey: string;
  /** Where the turn's first message came from; the default target of every reply. */
  readonly origin: Target;
  /** The inbound messages this turn answers, in arrival order (more than one in `collect` mode). */
  readonly messages: readonly Inbound[];
  /** Fires on /stop, interrupt, turn timeout and shutdown. Pass it to every I/O call. */
  readonly signal: AbortSignal;
  /** Current round number, from 0. */
  readonly round: number;
  /** Child logger carrying `channel`, `sessionKey` and `turnId`. */
  readonly log: Logger;
  /**
   * The final answer of the current round, to the origin (or `target`). Not sent when empty, when
   * it is `NO_REPLY`, or when the target already received the same text in this round.
   */
  reply(text: string, target?: Target): Promise<SendOutcome>;
  /**
   * An interim message (what an agent's "message" tool calls): sent now, recorded in the round.
   * `target` defaults to the origin. A target on a channel that is not running, or that the
   * channel's allowlist refuses, is `refused`.
   */
  send(target: Target | undefined, text: string): Promise<SendOutcome>;
  /**
   * Messages of this session that arrived while the turn ran (queue mode `steer`, for agents with
   * `acceptsSteering`). Taking them starts a new round.
   */
  drainSteering(): Inbound[];
  /** Resolves when steering input is waiting (at once if some already is), or never if none comes. */
  steeringAvailable(): Promise<void>;
}
