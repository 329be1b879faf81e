/**
 * The gateway's vocabulary (see DESIGN.md "Names"). Channel plugins produce {@link Inbound}s,
 * the core groups them by session key and runs {@link Turn}s, and every outbound message carries
 * its {@link Target}: nothing is ever sent "to the current chat".
 */

/** Kind of conversation a message came from. */
export type ChatType = 'dm' | 'group' | 'channel';

/** Where a message was written: the platform chat and, when it has one, the thread or topic. */
export interface Chat {
  /** Platform chat id, as a string (Telegram's numeric ids are stringified). */
  id: string;
  type: ChatType;
  /** Thread / forum topic id inside the chat (Telegram `message_thread_id`, Slack `thread_ts`, Discord thread channel id). */
  threadId?: string;
}

/** Who wrote a message. */
export interface Sender {
  id: string;
  /** Display name, for agents that address people. */
  name: string;
  /** Platform username without "@", when the platform has one. */
  username?: string;
  isBot: boolean;
}

/** Metadata of a file that came with a message (the bytes are not fetched by the gateway). */
export interface Attachment {
  kind: 'image' | 'file' | 'audio' | 'video' | 'other';
  name?: string;
  mimeType?: string;
  size?: number;
  /** Platform file id or URL, enough for an agent to fetch it through the platform's API. */
  ref?: string;
}

/** A normalized platform message. */
export interface Inbound {
  /** Unique per channel: the platform message id (or update id). Used for idempotent journaling. */
  id: string;
  /** Name of the channel plugin that received it. */
  channel: string;
  chat: Chat;
  sender: Sender;
  /** Message text, with a leading mention of the bot removed by the channel. */
  text: string;
  /** True when the bot was mentioned, replied to, or addressed by a command. */
  mentionsBot: boolean;
  /** Platform id of the message this one replies to. */
  replyToId?: string;
  attachments?: Attachment[];
  /** Epoch milliseconds when the gateway received it. */
  receivedAt: number;
}

/** Where a message goes. */
export interface Target {
  channel: string;
  chatId: string;
  threadId?: string;
}

/** One part of a reply, ready for a channel's `send`: already rendered to the channel's format and split to its limit. */
export interface Outbound {
  target: Target;
  /** Platform-formatted text of this part (see the channel's `render`). */
  text: string;
  /** 0-based part number and the number of parts of the reply this part belongs to. */
  part: number;
  parts: number;
  turnId: string;
  /** Platform id of the message that triggered the turn, for channels that reply-quote it. */
  replyToId?: string;
  /**
   * Stable for this part across retries and restarts (the outbox row). A channel whose platform can
   * drop a repeated send (Discord `nonce` + `enforce_nonce`) passes it on, making the send exactly-once.
   */
  idempotencyKey: string;
}

/** The origin of an inbound: the target a reply to it goes to. */
export function originOf(inbound: Inbound): Target {
  const target: Target = { channel: inbound.channel, chatId: inbound.chat.id };
  if (inbound.chat.threadId !== undefined) target.threadId = inbound.chat.threadId;
  return target;
}

/** A stable string for a target, used as a map key and in logs. */
export function targetKey(target: Target): string {
  return target.threadId === undefined
    ? `${target.channel}:${target.chatId}`
    : `${target.channel}:${target.chatId}:${target.threadId}`;
}
