import type { Attachment, Inbound } from '../../src/core/types.js';

/**
 * The facts of one Discord message the gateway needs, lifted out of discord.js's `Message` (see
 * `viewOf` in receive.ts) so normalization and access checks are plain functions over plain data.
 */
export interface MessageView {
  id: string;
  /** Channel the message was written in (a thread's own id for a thread message). */
  channelId: string;
  /** Parent channel id when `channelId` is a thread (or forum post). */
  parentId?: string;
  /** Guild id; undefined for DMs. */
  guildId?: string;
  isDm: boolean;
  author: { id: string; username: string; displayName: string; bot: boolean };
  /** Webhook messages are not from a person. */
  webhookId?: string;
  /** Role ids of the author in the guild (empty in DMs). */
  roleIds: readonly string[];
  content: string;
  /** User ids the message mentions (including a reply's pinged author). */
  mentionedUserIds: readonly string[];
  /** Id of the message this one replies to (`message_reference`). */
  replyToId?: string;
  /** Author id of the message replied to, when known. */
  replyToAuthorId?: string;
  attachments: ReadonlyArray<{ id: string; name: string; contentType?: string; size: number; url: string }>;
}

/** Removes a leading `<@id>` / `<@!id>` mention of the bot (and the space after it). */
export function stripBotMention(text: string, botId: string): { text: string; stripped: boolean } {
  const match = new RegExp(`^\\s*<@!?${botId}>[\\s,:]*`).exec(text);
  return match ? { text: text.slice(match[0].length), stripped: true } : { text, stripped: false };
}

/** Whether the message addresses the bot: a mention anywhere, or a reply to one of its messages. */
export function addressesBot(view: MessageView, botId: string): boolean {
  return view.mentionedUserIds.includes(botId) || view.replyToAuthorId === botId || view.content.includes(`<@${botId}>`) || view.content.includes(`<@!${botId}>`);
}

function attachmentKind(contentType: string | undefined): Attachment['kind'] {
  if (!contentType) return 'file';
  if (contentType.startsWith('image/')) return 'image';
  if (contentType.startsWith('audio/')) return 'audio';
  if (contentType.startsWith('video/')) return 'video';
  return 'file';
}

/**
 * Builds the Inbound of a Discord message. Chat id: the channel, or for a thread its parent channel
 * with `threadId` the thread, so `sessionScope: thread` gives each thread its own session and `chat`
 * groups a channel with its threads. DMs are `dm`, guild channels `group`.
 */
export function toInbound(view: MessageView, botId: string, channel: string, receivedAt = Date.now()): Inbound {
  const { text } = stripBotMention(view.content, botId);
  const inThread = view.parentId !== undefined && !view.isDm;
  const inbound: Inbound = {
    id: view.id,
    channel,
    chat: inThread
      ? { id: view.parentId as string, type: 'group', threadId: view.channelId }
      : { id: view.channelId, type: view.isDm ? 'dm' : 'group' },
    sender: {
      id: view.author.id,
      name: view.author.displayName || view.author.username,
      username: view.author.username,
      isBot: view.author.bot || view.webhookId !== undefined,
    },
    text,
    mentionsBot: view.isDm || addressesBot(view, botId),
    receivedAt,
  };
  if (view.replyToId !== undefined) inbound.replyToId = view.replyToId;
  if (view.attachments.length > 0)
    inbound.attachments = view.attachments.map((a) => ({
      kind: attachmentKind(a.contentType),
      name: a.name,
      ...(a.contentType !== undefined ? { mimeType: a.contentType } : {}),
      size: a.size,
      ref: a.url,
    }));
  return inbound;
}
