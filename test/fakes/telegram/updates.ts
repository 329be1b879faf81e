/**
 * Builders of Bot API updates as Telegram sends them (plain JSON objects), used by the fake server's
 * `pushMessage` and by the plugin's unit tests.
 */

/** A Telegram user as it appears in `from`. */
export interface FakeUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
}

/** Kind of chat a pushed message is written in. */
export type FakeChatKind = 'private' | 'group' | 'supergroup' | 'forum';

/** What to push: only `text` (or `caption`) is required; the rest picks sensible defaults. */
export interface PushMessageOptions {
  /** Defaults to 'private'. 'forum' is a supergroup with topics (use `threadId`). */
  chat?: FakeChatKind;
  /** Chat id; defaults to the sender id in private chats and -100123 otherwise. */
  chatId?: number;
  from?: Partial<FakeUser>;
  text?: string;
  /** Forum topic id (`message_thread_id` + `is_topic_message`). */
  threadId?: number;
  /** Makes the message a reply to this earlier message. */
  replyTo?: { message_id: number; from?: Partial<FakeUser>; text?: string };
  /** Sends a photo with this caption instead of a text message. */
  photoCaption?: string;
  /** Delivers it as `edited_message` of message `editOf`. */
  editOf?: number;
  /** Explicit message id (default: a counter). */
  messageId?: number;
}

/** A Bot API update object. */
export type FakeUpdate = { update_id: number } & Record<string, unknown>;

/** Default sender of pushed messages. */
export const defaultUser: FakeUser = { id: 1001, is_bot: false, first_name: 'Ada', last_name: 'Lovelace', username: 'ada' };

/** `message_entity` objects for @mentions and a leading /command, offsets in UTF-16 units as Telegram counts. */
export function entitiesOf(text: string): Array<{ type: string; offset: number; length: number }> {
  const entities: Array<{ type: string; offset: number; length: number }> = [];
  const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
  if (command) entities.push({ type: 'bot_command', offset: 0, length: command[0].length });
  for (const match of text.matchAll(/(^|[^\w/])(@[A-Za-z0-9_]{3,})/g)) {
    const offset = (match.index ?? 0) + (match[1]?.length ?? 0);
    entities.push({ type: 'mention', offset, length: match[2]!.length });
  }
  return entities;
}

/** Builds the `message` (or `edited_message`) part of an update. */
export function buildMessage(options: PushMessageOptions, messageId: number, date: number): Record<string, unknown> {
  const from: FakeUser = { ...defaultUser, ...options.from };
  const kind = options.chat ?? 'private';
  const chatId = options.chatId ?? (kind === 'private' ? from.id : -100123);
  const chat: Record<string, unknown> =
    kind === 'private'
      ? { id: chatId, type: 'private', first_name: from.first_name, username: from.username }
      : { id: chatId, type: kind === 'forum' ? 'supergroup' : kind, title: 'Test group', ...(kind === 'forum' ? { is_forum: true } : {}) };
  const message: Record<string, unknown> = { message_id: messageId, date, chat, from };
  if (options.threadId !== undefined) {
    message.message_thread_id = options.threadId;
    message.is_topic_message = true;
  }
  if (options.photoCaption !== undefined) {
    message.photo = [
      { file_id: `photo-${messageId}-s`, file_unique_id: `u${messageId}s`, width: 90, height: 90, file_size: 1000 },
      { file_id: `photo-${messageId}-m`, file_unique_id: `u${messageId}m`, width: 800, height: 800, file_size: 50_000 },
    ];
    message.caption = options.photoCaption;
    message.caption_entities = entitiesOf(options.photoCaption);
  } else {
    const text = options.text ?? '';
    message.text = text;
    const entities = entitiesOf(text);
    if (entities.length > 0) message.entities = entities;
  }
  if (options.replyTo) {
    message.reply_to_message = {
      message_id: options.replyTo.message_id,
      date: date - 10,
      chat,
      from: { ...defaultUser, id: 2002, username: 'someone', ...options.replyTo.from },
      text: options.replyTo.text ?? 'earlier message',
    };
  }
  if (options.editOf !== undefined) message.edit_date = date + 1;
  return message;
}
