import type { Attachment, ChatType, Inbound } from '../../src/core/types.js';

/**
 * The fields of a Slack `message` / `app_mention` event the channel reads (narrowed from the raw
 * payload by {@link messageViewOf}; the rest of the event is ignored).
 */
export interface MessageView {
  /** `message` or `app_mention`. */
  eventType: string;
  subtype?: string;
  channel: string;
  /** `im`, `mpim`, `channel`, `group` (private channel); absent on `app_mention` (always a channel). */
  channelType?: string;
  user?: string;
  userName?: string;
  botId?: string;
  text: string;
  ts: string;
  threadTs?: string;
  files: SlackFile[];
  /** An edit (`message_changed`): when it was edited, and the text before. */
  edit?: { ts: string; previousText?: string };
}

/** File metadata Slack puts on a `file_share` message. */
export interface SlackFile {
  id?: string;
  name?: string;
  mimetype?: string;
  size?: number;
  url_private?: string;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Narrows a raw event payload; undefined when it is not a message-like event with channel and ts. */
export function messageViewOf(raw: unknown): MessageView | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const event = raw as Record<string, unknown>;
  const eventType = str(event.type);
  const channel = str(event.channel);
  const ts = str(event.ts);
  if ((eventType !== 'message' && eventType !== 'app_mention') || !channel || !ts) return undefined;
  // An edit: the message as it is now rides in `message`, the one before in `previous_message`.
  if (eventType === 'message' && event.subtype === 'message_changed') {
    const edited = messageViewOf({ ...(event.message as object), type: 'message', channel, channel_type: event.channel_type });
    if (!edited) return undefined;
    const previous = event.previous_message as Record<string, unknown> | undefined;
    const editedAt = str((event.message as { edited?: { ts?: unknown } }).edited?.ts) ?? str(event.event_ts) ?? ts;
    const previousText = str(previous?.text);
    edited.edit = previousText === undefined ? { ts: editedAt } : { ts: editedAt, previousText };
    return edited;
  }
  const profile = event.user_profile as Record<string, unknown> | undefined;
  const view: MessageView = {
    eventType,
    channel,
    text: str(event.text) ?? '',
    ts,
    files: Array.isArray(event.files) ? (event.files as SlackFile[]).filter((f) => typeof f === 'object' && f !== null) : [],
  };
  const optional = {
    subtype: str(event.subtype),
    channelType: str(event.channel_type),
    user: str(event.user),
    userName: str(profile?.display_name) || str(profile?.real_name) || str(profile?.name),
    botId: str(event.bot_id),
    threadTs: str(event.thread_ts),
  };
  for (const [key, value] of Object.entries(optional)) if (value) (view as unknown as Record<string, string>)[key] = value;
  return view;
}

/**
 * Inbound id of a Slack message: a `ts` is unique only within its channel. An edit gets its own id
 * (`<channel>:<ts>:edit:<edited ts>`), so it is not taken for a redelivery of the original.
 */
export function inboundIdOf(channel: string, ts: string, editTs?: string): string {
  return editTs === undefined ? `${channel}:${ts}` : `${channel}:${ts}:edit:${editTs}`;
}

/** The channel and ts of the message back from an inbound id (the trigger of a turn); undefined if it is not one. */
export function parseInboundId(id: string): { channel: string; ts: string } | undefined {
  const [channel, ts] = id.split(':');
  if (!channel || !ts) return undefined;
  return { channel, ts };
}

/** True when the text addresses the bot (`<@U123>` or `<@U123|name>`). */
export function mentionsUser(text: string, userId: string): boolean {
  return text.includes(`<@${userId}>`) || text.includes(`<@${userId}|`);
}

/** Removes a leading mention of the bot, so "<@U1> /stop" reads "/stop". */
export function stripLeadingMention(text: string, userId: string): string {
  const escaped = userId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(`^\\s*<@${escaped}(?:\\|[^>]*)?>[\\s,:]*`), '');
}

/** Slack escapes `&`, `<`, `>` in message text; the agent reads plain text. */
export function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** DM (`im`) or a conversation of several people (channel, private channel, group DM). */
export function chatTypeOf(view: Pick<MessageView, 'channelType' | 'channel'>): ChatType {
  if (view.channelType === 'im') return 'dm';
  // app_mention carries no channel_type; only channels can mention. D... ids are DMs.
  if (view.channelType === undefined && view.channel.startsWith('D')) return 'dm';
  return 'group';
}

function attachmentOf(file: SlackFile): Attachment {
  const mime = file.mimetype ?? '';
  const kind: Attachment['kind'] = mime.startsWith('image/')
    ? 'image'
    : mime.startsWith('audio/')
      ? 'audio'
      : mime.startsWith('video/')
        ? 'video'
        : 'file';
  const attachment: Attachment = { kind };
  if (file.name) attachment.name = file.name;
  if (file.mimetype) attachment.mimeType = file.mimetype;
  if (typeof file.size === 'number') attachment.size = file.size;
  const ref = file.url_private ?? file.id;
  if (ref) attachment.ref = ref;
  return attachment;
}

/**
 * A Slack message to an {@link Inbound}. `threadId` is the message's `thread_ts`; a top-level
 * message outside DMs gets its own `ts` when `replyInThread` is on, so the reply starts a thread
 * under it and follow-ups in that thread (whose `thread_ts` is that `ts`) share its session.
 */
export function toInbound(
  view: MessageView,
  botUserId: string,
  channelName: string,
  options: { replyInThread: boolean; now?: number },
): Inbound {
  const type = chatTypeOf(view);
  const threadId = view.threadTs ?? (options.replyInThread && type !== 'dm' ? view.ts : undefined);
  const userId = view.user ?? view.botId ?? 'unknown';
  const inbound: Inbound = {
    id: inboundIdOf(view.channel, view.ts, view.edit?.ts),
    channel: channelName,
    chat: threadId !== undefined ? { id: view.channel, type, threadId } : { id: view.channel, type },
    sender: { id: userId, name: view.userName ?? userId, isBot: view.botId !== undefined || view.subtype === 'bot_message' },
    text: unescapeSlack(stripLeadingMention(view.text, botUserId)),
    mentionsBot: view.eventType === 'app_mention' || mentionsUser(view.text, botUserId),
    receivedAt: options.now ?? Date.now(),
  };
  if (view.threadTs !== undefined && view.threadTs !== view.ts) inbound.replyToId = inboundIdOf(view.channel, view.threadTs);
  if (view.files.length > 0) inbound.attachments = view.files.map(attachmentOf);
  return inbound;
}
