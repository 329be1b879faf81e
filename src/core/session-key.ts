import type { Inbound } from './types.js';

/** How messages are grouped into sessions (config `gateway.sessionScope`, overridable per channel). */
export type SessionScope = 'thread' | 'chat' | 'user';

/** Word used for a thread in session keys, per platform vocabulary (Telegram calls them topics). */
const threadWord: Readonly<Record<string, string>> = { telegram: 'topic' };

/**
 * The session key of an inbound: `thread` (default) groups by chat + thread/topic when the message
 * has one, else the chat; `chat` by chat; `user` by sender across chats of the channel.
 * Examples: `telegram:-100123:topic:7`, `slack:C024BE91L:thread:1700000000.000100`, `discord:813847`.
 */
export function sessionKeyOf(inbound: Inbound, scope: SessionScope): string {
  const channel = inbound.channel;
  if (scope === 'user') return `${channel}:user:${inbound.sender.id}`;
  const threadId = inbound.chat.threadId;
  if (scope === 'chat' || threadId === undefined) return `${channel}:${inbound.chat.id}`;
  return `${channel}:${inbound.chat.id}:${threadWord[channel] ?? 'thread'}:${threadId}`;
}
