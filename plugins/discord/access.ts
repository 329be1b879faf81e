import type { Target } from '../../src/core/types.js';
import { addressesBot, type MessageView } from './normalize.js';

/** The access settings of the Discord channel (a slice of its config). */
export interface AccessPolicy {
  /** User ids allowed to talk to the bot; `"*"` everyone; empty nobody (unless `roles` lets them in). */
  allowFrom: readonly string[];
  /** Role ids whose members are allowed, in guilds (in addition to `allowFrom`). */
  roles: readonly string[];
  /** Guild ids the bot answers in; `"*"` every guild; empty no guild (DMs only). */
  guilds: readonly string[];
  /** Channel ids (a thread is matched by its own id or its parent's); `"*"` every channel; empty none. DMs are not channels here. */
  channels: readonly string[];
  /** In guilds, answer only messages that mention the bot or reply to it. */
  requireMention: boolean;
  /** Take messages written by other bots and webhooks. */
  allowBots: boolean;
}

/** Why a message was not emitted (a metric label), or `accept`. */
export type AccessDecision = 'accept' | 'self' | 'bot' | 'sender' | 'guild' | 'channel' | 'mention';

const allows = (list: readonly string[], id: string | undefined): boolean =>
  list.includes('*') || (id !== undefined && list.includes(id));

/**
 * Decides whether a message reaches the gateway. Order matters only for the reported reason: the
 * bot's own messages first (never answered, whatever the config), then bots, then where, then who,
 * then mention gating (guilds only; a DM is always addressed to the bot).
 */
export function decideAccess(view: MessageView, botId: string, policy: AccessPolicy): AccessDecision {
  if (view.author.id === botId) return 'self';
  if ((view.author.bot || view.webhookId !== undefined) && !policy.allowBots) return 'bot';
  if (!view.isDm) {
    if (!allows(policy.guilds, view.guildId)) return 'guild';
    if (!allows(policy.channels, view.channelId) && !allows(policy.channels, view.parentId)) return 'channel';
  }
  const byRole = !view.isDm && view.roleIds.some((role) => policy.roles.includes(role));
  if (!allows(policy.allowFrom, view.author.id) && !byRole) return 'sender';
  if (!view.isDm && policy.requireMention && !addressesBot(view, botId)) return 'mention';
  return 'accept';
}

/**
 * Whether an agent may send to a target: a channel (or thread of a channel) on the `channels`
 * allowlist, or a chat the bot has accepted a message from (`knownChats`, e.g. DM channels).
 */
export function allowsTarget(target: Target, policy: AccessPolicy, knownChats: ReadonlySet<string>): boolean {
  if (knownChats.has(target.chatId)) return true;
  if (policy.guilds.length === 0) return false;
  return allows(policy.channels, target.chatId) || (target.threadId !== undefined && allows(policy.channels, target.threadId));
}
