import type { Logger } from 'pino';
import { type AbortReason, TurnAbortedError } from './errors.js';
import { RoundRecord } from './round.js';
import type { QueuedMessage, RunningTurn, TurnOwner } from './session.js';
import type { SendOutcome, Turn } from './turn.js';
import { type Inbound, originOf, type Target } from './types.js';

/** What an active turn needs from its runner. */
export interface TurnServices {
  readonly log: Logger;
  deliver(turn: ActiveTurn, target: Target, text: string, final: boolean): Promise<SendOutcome>;
  /** Steering input was taken: journal it as running. */
  took(messages: readonly QueuedMessage[]): void;
  /** The turn was aborted (its agent should now settle). */
  aborted(turn: ActiveTurn): void;
}

const none: readonly QueuedMessage[] = [];

let processTag = Math.floor(Math.random() * 0xffffff).toString(16);
let counter = 0;

/** Makes turn ids unique per process (tests may reset the tag). */
export function setTurnIdTag(tag: string): void {
  processTag = tag;
}

/**
 * One running turn: the {@link Turn} its agent sees and the {@link RunningTurn} its session holds.
 * A class with methods (not a bag of closures), with its id, origin, round key, AbortController and
 * logger made when first asked for: a turn costs a few allocations, which matters at hundreds of
 * thousands of turns per second.
 */
export class ActiveTurn implements Turn, RunningTurn {
  readonly sessionKey: string;
  readonly messages: readonly Inbound[];
  readonly startedAt = Date.now();
  /** Journal seqs of every message this turn answers (grows when steering input is taken). */
  readonly seqs: number[];
  round = 0;
  /** The current round needs its record rebuilt from the outbox (first round of a replayed turn). */
  replayedRound: boolean;
  ended = false;
  /** The runner is ending the turn (its agent settled, or it was abandoned). */
  ending = false;
  abortReason: AbortReason | undefined;
  /** Ends the working indicator (set by the runner when the channel has one). */
  indicator: AbortController | undefined;
  /** The turn-timeout list (see TurnTimeouts): its deadline (0 when not listed) and neighbours. */
  deadline = 0;
  timeoutPrev: ActiveTurn | undefined;
  timeoutNext: ActiveTurn | undefined;
  private readonly number = ++counter;
  private idText: string | undefined;
  private originTarget: Target | undefined;
  private controller: AbortController | undefined;
  private currentRecord: RoundRecord | undefined;
  private steering: QueuedMessage[] | undefined;
  private steeringWaiter: (() => void) | undefined;
  private logger: Logger | undefined;

  constructor(
    private readonly services: TurnServices,
    queued: readonly QueuedMessage[],
    /** Told when the turn has ended (its session). */
    readonly owner: TurnOwner,
  ) {
    const first = queued[0]!;
    this.sessionKey = first.sessionKey;
    // One message is the common turn: array literals, not map() with its callbacks.
    this.messages = queued.length === 1 ? [first.inbound] : queued.map((message) => message.inbound);
    this.seqs = queued.length === 1 ? [first.seq] : queued.map((message) => message.seq);
    this.replayedRound = first.replayed === true;
  }

  /** Unique id, logged as `turnId`. */
  get id(): string {
    this.idText ??= `t-${processTag}-${this.number.toString(36)}`;
    return this.idText;
  }

  /** Where the first message came from. */
  get origin(): Target {
    this.originTarget ??= originOf(this.messages[0]!);
    return this.originTarget;
  }

  /** Platform id of the last message that triggered the turn. */
  get triggerId(): string {
    return this.messages[this.messages.length - 1]!.id;
  }

  /** Stable across a replay: `sessionKey#firstSeq`. */
  get roundKeyBase(): string {
    return `${this.sessionKey}#${this.seqs[0]}`;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason) this.controller.abort(new TurnAbortedError(this.abortReason));
    }
    return this.controller.signal;
  }

  get log(): Logger {
    this.logger ??= this.services.log.child({
      channel: this.origin.channel,
      sessionKey: this.sessionKey,
      turnId: this.id,
    });
    return this.logger;
  }

  /** The round's record of what was sent where. */
  get record(): RoundRecord {
    this.currentRecord ??= new RoundRecord();
    return this.currentRecord;
  }

  get roundKey(): string {
    return `${this.roundKeyBase}#${this.round}`;
  }

  reply(text: string, target?: Target): Promise<SendOutcome> {
    return this.services.deliver(this, target ?? this.origin, text, true);
  }

  send(target: Target | undefined, text: string): Promise<SendOutcome> {
    return this.services.deliver(this, target ?? this.origin, text, false);
  }

  drainSteering(): Inbound[] {
    const taken = this.steering;
    if (!taken || taken.length === 0) return [];
    this.steering = undefined;
    for (const message of taken) this.seqs.push(message.seq);
    this.services.took(taken);
    this.round++;
    this.currentRecord = undefined;
    return taken.map((message) => message.inbound);
  }

  steeringAvailable(): Promise<void> {
    if ((this.steering?.length ?? 0) > 0 || this.ended) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const previous = this.steeringWaiter;
      this.steeringWaiter = () => {
        previous?.();
        resolve();
      };
    });
  }

  get steeringBacklog(): number {
    return this.steering?.length ?? 0;
  }

  steer(message: QueuedMessage): boolean {
    if (this.ended || this.abortReason) return false;
    (this.steering ??= []).push(message);
    this.wakeSteering();
    return true;
  }

  abort(reason: AbortReason): void {
    if (this.abortReason || this.ended) return;
    this.abortReason = reason;
    this.controller?.abort(new TurnAbortedError(reason));
    this.services.aborted(this);
  }

  /** Marks the turn ended; returns the steering input the agent never took. */
  end(): readonly QueuedMessage[] {
    this.ended = true;
    this.wakeSteering();
    const untaken = this.steering ?? none;
    this.steering = undefined;
    return untaken;
  }

  private wakeSteering(): void {
    const wake = this.steeringWaiter;
    this.steeringWaiter = undefined;
    wake?.();
  }
}
