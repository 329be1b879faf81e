import type { Target } from '../../src/core/types.js';
import { chatTypeOf, type MessageView, mentionsUser } from './normalize.js';

/** Who the Slack channel answers, from `plugins.slack`. */
export interface AccessPolicy {
  /** User ids; "*" everyone; empty nobody. */
  allowFrom: string[];
  /** Channel ids (public, private, group DMs) the bot answers in; "*" all; empty none. DMs are not gated by it. */
  channels: string[];
  /** In channels, answer only when the bot is mentioned. */
  requireMention: boolean;
  /** Take messages from other bots. */
  allowBots: boolean;
  /** Take a user's edit of a message as new input. */
  editedMessages: boolean;
}

/** Why a message was taken or not (also the `decision` label of the inbound metric). */
export type AccessDecision = 'accept' | 'self' | 'bot' | 'subtype' | 'sender' | 'channel' | 'mention';

/** Subtypes that are still a user's new message; edits, deletes, joins and the rest are not. */
const messageSubtypes = new Set(['file_share', 'thread_broadcast', 'me_message']);

const allows = (list: string[], id: string | undefined): boolean =>
  list.includes('*') || (id !== undefined && list.includes(id));

/** Decides whether a message event becomes an inbound. */
export function decideAccess(view: MessageView, self: { userId: string; botId?: string }, policy: AccessPolicy): AccessDecision {
  if (view.user === self.userId || (self.botId !== undefined && view.botId === self.botId)) return 'self';
  const fromBot = view.botId !== undefined || view.subtype === 'bot_message';
  if (fromBot && !policy.allowBots) return 'bot';
  if (view.subtype !== undefined && !messageSubtypes.has(view.subtype) && view.subtype !== 'bot_message') return 'subtype';
  // Edits only when asked for, and only of the text (Slack also sends one for an unfurled link).
  if (view.edit && (!policy.editedMessages || view.edit.previousText === view.text)) return 'subtype';
  const sender = view.user ?? view.botId;
  if (!allows(policy.allowFrom, sender)) return 'sender';
  if (chatTypeOf(view) === 'dm') return 'accept';
  if (!allows(policy.channels, view.channel)) return 'channel';
  if (policy.requireMention && view.eventType !== 'app_mention' && !mentionsUser(view.text, self.userId)) return 'mention';
  return 'accept';
}

/** Whether an agent may send to `target`: an allowed channel, or a chat a message was taken from. */
export function allowsTarget(target: Target, policy: AccessPolicy, knownChats: ReadonlySet<string>): boolean {
  return knownChats.has(target.chatId) || (!target.chatId.startsWith('D') && allows(policy.channels, target.chatId));
}
