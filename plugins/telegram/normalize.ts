import type { Attachment, ChatType, Inbound } from '../../src/core/types.js';

/**
 * Telegram update → {@link Inbound}. The Bot API payload is parsed at this edge into the few fields
 * the gateway reads ({@link TgMessage}), so the rest of the plugin works on plain, typed data.
 */

/** A Telegram user (`from`). */
export interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
}

/** A `MessageEntity`; offsets in UTF-16 units. */
export interface TgEntity {
  type: string;
  offset: number;
  length: number;
  user?: TgUser;
}

/** The fields of a Telegram `Message` the gateway reads. */
export interface TgMessage {
  message_id: number;
  date: number;
  chat: { id: number; type: 'private' | 'group' | 'supergroup' | 'channel'; title?: string; is_forum?: boolean };
  from?: TgUser;
  sender_chat?: { id: number; title?: string };
  message_thread_id?: number;
  is_topic_message?: boolean;
  text?: string;
  entities?: TgEntity[];
  caption?: string;
  caption_entities?: TgEntity[];
  reply_to_message?: TgMessage;
  edit_date?: number;
  photo?: Array<{ file_id: string; file_size?: number; width: number; height: number }>;
  document?: { file_id: string; file_name?: string; mime_type?: string; file_size?: number };
  audio?: { file_id: string; file_name?: string; mime_type?: string; file_size?: number };
  voice?: { file_id: string; mime_type?: string; file_size?: number };
  video?: { file_id: string; file_name?: string; mime_type?: string; file_size?: number };
  sticker?: { file_id: string; emoji?: string };
}

/** A Bot API update, narrowed to the message kinds the gateway takes. */
export interface TgUpdate {
  update_id: number;
  message?: TgMessage;
  edited_message?: TgMessage;
}

/** The bot itself, from getMe. */
export interface BotIdentity {
  id: number;
  username: string;
}

/** Narrows an untrusted JSON value to an update (undefined when it is not one). */
export function asUpdate(value: unknown): TgUpdate | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const update = value as { update_id?: unknown };
  return typeof update.update_id === 'number' ? (value as TgUpdate) : undefined;
}

/** The message of an update and whether it is an edit; undefined for update kinds the gateway ignores. */
export function messageOf(update: TgUpdate): { message: TgMessage; edited: boolean } | undefined {
  if (update.message) return { message: update.message, edited: false };
  if (update.edited_message) return { message: update.edited_message, edited: true };
  return undefined;
}

/** Text of a message: `text`, or the caption of a photo/document. */
export function textOf(message: TgMessage): { text: string; entities: TgEntity[] } {
  if (message.text !== undefined) return { text: message.text, entities: message.entities ?? [] };
  return { text: message.caption ?? '', entities: message.caption_entities ?? [] };
}

/** Maps Telegram chat types to the gateway's. */
export function chatTypeOf(message: TgMessage): ChatType {
  switch (message.chat.type) {
    case 'private':
      return 'dm';
    case 'channel':
      return 'channel';
    default:
      return 'group';
  }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Removes how the bot was addressed at the start: "/cmd@bot args" → "/cmd args", "@bot hi" → "hi".
 * `addressed` says whether the text named the bot (a command for another bot is not ours).
 */
export function stripAddressing(text: string, botUsername: string): { text: string; addressedByText: boolean } {
  const name = escapeRegExp(botUsername);
  const command = new RegExp(`^(/[A-Za-z0-9_]+)@${name}\\b`, 'i').exec(text);
  if (command) return { text: command[1]! + text.slice(command[0].length), addressedByText: true };
  const mention = new RegExp(`^\\s*@${name}\\b[\\s,:]*`, 'i').exec(text);
  if (mention) return { text: text.slice(mention[0].length), addressedByText: true };
  return { text, addressedByText: false };
}

/**
 * Whether a message addresses the bot: a mention of its @username (or a text_mention of it), a reply
 * to one of its messages, or a command ("/cmd", or "/cmd@bot" naming it, not another bot).
 */
export function addressesBot(message: TgMessage, bot: BotIdentity): boolean {
  if (message.chat.type === 'private') return true;
  const { text, entities } = textOf(message);
  const self = `@${bot.username}`.toLowerCase();
  for (const entity of entities) {
    const value = text.slice(entity.offset, entity.offset + entity.length);
    if (entity.type === 'mention' && value.toLowerCase() === self) return true;
    if (entity.type === 'text_mention' && entity.user?.id === bot.id) return true;
    if (entity.type === 'bot_command' && entity.offset === 0) {
      const at = value.indexOf('@');
      if (at < 0 || value.slice(at).toLowerCase() === self) return true;
    }
  }
  // Clients do not always send entities (or the message came through a bridge): check the text too.
  if (text.toLowerCase().includes(self)) return true;
  const reply = message.reply_to_message;
  // In forum topics every message "replies" to the topic's creation message: that is not a reply to the bot.
  return reply !== undefined && reply.from?.id === bot.id && reply.message_id !== message.message_thread_id;
}

/** Attachment metadata (the bytes stay on Telegram; `ref` is the file_id for getFile). */
export function attachmentsOf(message: TgMessage): Attachment[] {
  const attachments: Attachment[] = [];
  const largest = message.photo?.[message.photo.length - 1];
  if (largest) attachments.push(withSize({ kind: 'image', ref: largest.file_id }, largest.file_size));
  const doc = message.document;
  if (doc) attachments.push(withSize(named({ kind: 'file', ref: doc.file_id }, doc.file_name, doc.mime_type), doc.file_size));
  const audio = message.audio ?? message.voice;
  if (audio)
    attachments.push(withSize(named({ kind: 'audio', ref: audio.file_id }, message.audio?.file_name, audio.mime_type), audio.file_size));
  const video = message.video;
  if (video) attachments.push(withSize(named({ kind: 'video', ref: video.file_id }, video.file_name, video.mime_type), video.file_size));
  if (message.sticker) attachments.push({ kind: 'other', ref: message.sticker.file_id, name: message.sticker.emoji ?? 'sticker' });
  return attachments;
}

function named(attachment: Attachment, name: string | undefined, mimeType: string | undefined): Attachment {
  if (name !== undefined) attachment.name = name;
  if (mimeType !== undefined) attachment.mimeType = mimeType;
  return attachment;
}

function withSize(attachment: Attachment, size: number | undefined): Attachment {
  if (size !== undefined) attachment.size = size;
  return attachment;
}

/** Display name of a user. */
export function displayName(user: TgUser): string {
  return [user.first_name, user.last_name].filter(Boolean).join(' ') || user.username || String(user.id);
}

/**
 * Builds the inbound of a message. Its id is `chat:message` (unique per channel); an edit gets
 * `chat:message:e<edit_date>` so it is not taken for a redelivery of the original.
 */
export function toInbound(message: TgMessage, bot: BotIdentity, channel: string, edited: boolean, receivedAt = Date.now()): Inbound {
  const from = message.from;
  const { text } = textOf(message);
  const stripped = stripAddressing(text, bot.username);
  const chat: Inbound['chat'] = { id: String(message.chat.id), type: chatTypeOf(message) };
  if (message.is_topic_message === true && message.message_thread_id !== undefined) chat.threadId = String(message.message_thread_id);
  const sender: Inbound['sender'] = from
    ? { id: String(from.id), name: displayName(from), isBot: from.is_bot }
    : { id: String(message.sender_chat?.id ?? message.chat.id), name: message.sender_chat?.title ?? message.chat.title ?? 'channel', isBot: false };
  if (from?.username !== undefined) sender.username = from.username;
  const inbound: Inbound = {
    id: edited ? `${message.chat.id}:${message.message_id}:e${message.edit_date ?? 0}` : `${message.chat.id}:${message.message_id}`,
    channel,
    chat,
    sender,
    text: stripped.text,
    mentionsBot: stripped.addressedByText || addressesBot(message, bot),
    receivedAt,
  };
  const reply = message.reply_to_message;
  if (reply && reply.message_id !== message.message_thread_id) inbound.replyToId = String(reply.message_id);
  const attachments = attachmentsOf(message);
  if (attachments.length > 0) inbound.attachments = attachments;
  return inbound;
}
