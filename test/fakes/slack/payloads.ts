/** Ids of the fake workspace. */
export const world = {
  teamId: 'T0FAKE',
  appId: 'A0FAKE',
  botUserId: 'U0BOT',
  botId: 'B0BOT',
  alice: 'U0ALICE',
  bob: 'U0BOB',
  channels: { general: 'C0GENERAL', random: 'C0RANDOM', ops: 'G0OPS' },
  dm: 'D0ALICE',
} as const;

/** What a user message looks like to the fake (it builds the Slack events from it). */
export interface UserMessage {
  channel: string;
  text: string;
  user?: string;
  /** `channel` (default), `group` (private), `mpim`, `im`. */
  channelType?: string;
  threadTs?: string;
  /** Also deliver an `app_mention` event, as Slack does when the text mentions the bot in a channel. */
  mention?: boolean;
  subtype?: string;
  botId?: string;
  files?: Array<Record<string, unknown>>;
  ts?: string;
}

/** A Slack `message` event. */
export function messageEvent(message: UserMessage & { ts: string }): Record<string, unknown> {
  const event: Record<string, unknown> = {
    type: 'message',
    channel: message.channel,
    channel_type: message.channelType ?? 'channel',
    text: message.text,
    ts: message.ts,
    event_ts: message.ts,
  };
  if (message.botId === undefined) event.user = message.user ?? world.alice;
  else event.bot_id = message.botId;
  if (message.threadTs !== undefined) event.thread_ts = message.threadTs;
  if (message.subtype !== undefined) event.subtype = message.subtype;
  if (message.files !== undefined) event.files = message.files;
  return event;
}

/** The `message_changed` event Slack sends when a user edits `message` (now `text`), at `editTs`. */
export function messageChangedEvent(message: UserMessage & { ts: string }, text: string, editTs: string): Record<string, unknown> {
  // The inner messages carry no channel of their own.
  const { channel: _channel, channel_type: _type, event_ts: _eventTs, ...previous } = messageEvent(message);
  const now = { ...previous, text, edited: { user: previous.user, ts: editTs } };
  return {
    type: 'message',
    subtype: 'message_changed',
    hidden: true,
    channel: message.channel,
    channel_type: message.channelType ?? 'channel',
    message: now,
    previous_message: previous,
    ts: editTs,
    event_ts: editTs,
  };
}

/** The `app_mention` event Slack sends alongside the `message` event of a mention. */
export function appMentionEvent(message: UserMessage & { ts: string }): Record<string, unknown> {
  const event: Record<string, unknown> = {
    type: 'app_mention',
    channel: message.channel,
    user: message.user ?? world.alice,
    text: message.text,
    ts: message.ts,
    event_ts: message.ts,
  };
  if (message.threadTs !== undefined) event.thread_ts = message.threadTs;
  return event;
}

/** The Events API body (`event_callback`) around an event; the same in Socket Mode envelopes and HTTP posts. */
export function eventCallback(event: Record<string, unknown>, eventId: string): Record<string, unknown> {
  return {
    token: 'verification-token',
    team_id: world.teamId,
    api_app_id: world.appId,
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: world.teamId, user_id: world.botUserId, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  };
}
