import type { Target } from '../../src/core/types.js';
import { addressesBot, type BotIdentity, type TgMessage } from './normalize.js';

/**
 * Who may talk to the bot, and when a group message is for it. Plain functions over the message, so
 * every rule is tested without a server.
 */

/** The access settings of the channel. */
export interface AccessPolicy {
  /** User ids, chat ids (as strings) or `@usernames`; "*" everyone; empty nobody. */
  allowFrom: readonly string[];
  requireMention: boolean;
  editedMessages: boolean;
  allowBots: boolean;
}

/** What to do with a message. */
export type AccessDecision =
  | 'accept'
  /** The sender is not in allowFrom: tell them (rate-limited), emit nothing. */
  | 'refuse'
  /** A group message not addressed to the bot. */
  | 'not-addressed'
  | 'bot'
  | 'edited'
  | 'self';

/** Normalizes config entries (YAML may give numbers) to strings; usernames lower-cased with "@". */
export function normalizeAllowFrom(list: readonly unknown[]): string[] {
  return list.map((entry) => {
    const value = String(entry).trim();
    return value.startsWith('@') ? value.toLowerCase() : value;
  });
}

/** Whether the sender or the chat is listed in allowFrom. */
export function isAllowed(allowFrom: readonly string[], message: TgMessage): boolean {
  if (allowFrom.includes('*')) return true;
  const from = message.from;
  if (from && allowFrom.includes(String(from.id))) return true;
  if (from?.username && allowFrom.includes(`@${from.username.toLowerCase()}`)) return true;
  return allowFrom.includes(String(message.chat.id));
}

/**
 * Decides about one message. Group messages not addressed to the bot are ignored silently before the
 * allowlist is consulted, so people chatting in a group never get refusal replies.
 */
export function decideAccess(message: TgMessage, edited: boolean, bot: BotIdentity, policy: AccessPolicy): AccessDecision {
  if (message.from?.id === bot.id) return 'self';
  if (edited && !policy.editedMessages) return 'edited';
  if (message.from?.is_bot === true && !policy.allowBots) return 'bot';
  if (message.chat.type !== 'private' && policy.requireMention && !addressesBot(message, bot)) return 'not-addressed';
  return isAllowed(policy.allowFrom, message) ? 'accept' : 'refuse';
}

/** Whether an agent may send to a target: its chat is in allowFrom (or "*"). */
export function allowsTarget(allowFrom: readonly string[], target: Target): boolean {
  return allowFrom.includes('*') || allowFrom.includes(target.chatId);
}

/** Remembers when each sender was last told they are refused, so they are told at most once per window. */
export class RefusalLimiter {
  private readonly last = new Map<string, number>();
  constructor(private readonly windowMs = 10 * 60_000) {}

  /** True if a refusal may be sent to this sender now (and records it). */
  take(senderId: string, now = Date.now()): boolean {
    const previous = this.last.get(senderId);
    if (previous !== undefined && now - previous < this.windowMs) return false;
    this.last.set(senderId, now);
    // Bounded memory: forget entries older than the window once the map grows.
    if (this.last.size > 10_000) for (const [id, at] of this.last) if (now - at >= this.windowMs) this.last.delete(id);
    return true;
  }
}

/** The refusal text: short, and with the id the owner needs to add to allowFrom. */
export function refusalText(message: TgMessage): string {
  const id = message.from?.id ?? message.chat.id;
  return `Sorry, you are not allowed to use this bot. Your Telegram id is ${id}.`;
}
