import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ChannelCapabilities } from '../core/capabilities.js';
import type { Turn } from '../core/turn.js';
import type { Inbound, Outbound, Target } from '../core/types.js';
import type { Store } from '../store/types.js';

/**
 * The plugin API. A plugin module default-exports `definePlugin({ name, kind, schema, create })`.
 * The host validates the plugin's config against `schema` (a convict schema fragment, mounted at
 * `plugins.<name>`), then calls `create(context)` and `start(signal)`. Whatever the plugin registers
 * through its context (timers, stop hooks) is released by the host when the plugin stops.
 */

/** Convict schema fragment for a plugin's own keys (without `enabled` / `package`, which the host adds). */
export type ConfigSchema = Record<string, unknown>;

/** What `emit` did with an inbound. */
export type EmitResult =
  /** Journaled and queued: acknowledge it to the platform now. */
  | { status: 'accepted'; seq: number }
  /** Seen before (a platform redelivery): acknowledge, nothing else happens. */
  | { status: 'duplicate' }
  /** A control command (/stop, /new) handled at once, outside the queue. */
  | { status: 'control' }
  /** The gateway is shutting down and takes no new input: do NOT acknowledge; the platform will redeliver. */
  | { status: 'closed' };

/** The running gateway as a plugin sees it. */
export interface GatewayView {
  /** The running channel instance of that name, if it is enabled and started. */
  channel(name: string): ChannelInstance | undefined;
  /** Names of channel plugins that are running. */
  channelNames(): string[];
}

/** Given to `create`. */
export interface PluginContext<C = Record<string, unknown>> {
  /** The plugin's name (its key under `plugins`). */
  readonly name: string;
  /** The plugin's validated config (`plugins.<name>`), secrets included: never log it. */
  readonly config: C;
  /** Child logger with `plugin: name`. Tokens are redacted by the host's logger. */
  readonly log: Logger;
  /** The daemon's Prometheus registry; name metrics `switchboard_<plugin>_...`. */
  readonly metrics: Registry;
  readonly store: Store;
  /** Gateway-wide settings a plugin may need to agree with the core. */
  readonly gateway: GatewayView;
  /**
   * Channels call this for every message that passed their access checks. Resolves once the message
   * is durably journaled (or recognised as a duplicate); acknowledge the platform only then.
   */
  emit(inbound: Inbound): Promise<EmitResult>;
  /** Runs `fn` when the plugin stops (after `stop()`), in reverse order of registration. */
  onStop(fn: () => void | Promise<void>): void;
  /** `setInterval` that the host clears when the plugin stops. */
  setInterval(fn: () => void, ms: number): void;
  /** Aborted when the plugin stops. */
  readonly signal: AbortSignal;
}

/** Platform message id of a sent part, when the platform returns one. */
export interface SendResult {
  platformMessageId?: string;
}

/** Passed to `indicateWorking` when a turn for a chat of this channel starts. */
export interface WorkingIndicator {
  target: Target;
  turnId: string;
  /** Platform id of the message that triggered the turn (Slack puts a reaction on it). */
  triggerId?: string;
  /** Aborted when the turn ends, whatever the outcome: stop the indicator then. */
  signal: AbortSignal;
}

/** Health of a running channel, shown in `/readyz` and on the status page. */
export type ChannelHealth = { state: 'running' } | { state: 'degraded'; reason: string };

/** A running channel plugin. */
export interface ChannelInstance {
  readonly kind: 'channel';
  readonly capabilities: ChannelCapabilities;
  /** Connects and starts receiving. Throw to report a failed start (the host retries with backoff). */
  start(signal: AbortSignal): Promise<void>;
  /** Stops receiving; sends already in flight may finish. */
  stop(): Promise<void>;
  /**
   * Sends one part. Throw `TransientError` (with `retryAfterMs` when the platform gave one) to have
   * the outbox retry it, `PermanentError` to have it recorded as failed.
   */
  send(outbound: Outbound): Promise<SendResult>;
  /**
   * Renders agent Markdown to the platform's format and splits it into parts of at most
   * `capabilities.maxMessageLength`. Without it the core splits plain text.
   */
  render?(markdown: string): string[];
  /** Shows "working" (typing, a reaction) until `indicator.signal` aborts. */
  indicateWorking?(indicator: WorkingIndicator): void;
  /** Whether an agent may send to this target (the channel's allowlist). Without it, agents may only answer the origin. */
  allowsTarget?(target: Target): boolean;
  /** Current health; omitted means running once started. */
  health?(): ChannelHealth;
}

/** A running agent plugin. */
export interface AgentInstance {
  readonly kind: 'agent';
  /** True if the agent takes messages that arrive during a turn (`Turn.drainSteering`). */
  readonly acceptsSteering?: boolean;
  start?(signal: AbortSignal): Promise<void>;
  stop?(): Promise<void>;
  /** Runs one turn. Must observe `turn.signal`. A thrown error is logged and the chat gets a short apology. */
  run(turn: Turn): Promise<void>;
}

/** Any running plugin. */
export type PluginInstance = ChannelInstance | AgentInstance;

/** A plugin definition, the default export of a plugin module. */
export interface PluginDefinition<C = Record<string, unknown>, K extends 'channel' | 'agent' = 'channel' | 'agent'> {
  /** Default name; the config key under `plugins` may rename a third-party plugin. */
  readonly name: string;
  readonly kind: K;
  /** One line shown by `switchboard plugins`. */
  readonly description?: string;
  /** Convict schema fragment for `plugins.<name>`. Mark secrets `sensitive: true`. */
  readonly schema: ConfigSchema;
  /** Keys (within the plugin's config) that must be set when the plugin is enabled, e.g. tokens. */
  readonly required?: readonly string[];
  /**
   * Checks across keys that a schema cannot express (e.g. "a token is required when bound beyond
   * loopback"), for an enabled plugin, before anything starts. Returns the problem as
   * `{ key, message }` (key relative to the plugin's config), or undefined when the config is fine.
   */
  validate?(config: C): { key: string; message: string } | undefined;
  create(
    context: PluginContext<C>,
  ): K extends 'channel' ? ChannelInstance : K extends 'agent' ? AgentInstance : PluginInstance;
}

/** Declares a plugin. Typed helper; returns its argument. */
export function definePlugin<C, K extends 'channel' | 'agent'>(
  definition: PluginDefinition<C, K>,
): PluginDefinition<C, K> {
  return definition;
}

/**
 * A definition of any config type, as the host holds them. (`never` because a definition's `create`
 * takes its own config type: only `never` is assignable to every config.)
 */
export type AnyPluginDefinition = PluginDefinition<never>;
