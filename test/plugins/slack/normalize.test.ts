import { describe, expect, it } from 'vitest';
import { type AccessPolicy, allowsTarget, decideAccess } from '../../../plugins/slack/access.js';
import { EmitOnce } from '../../../plugins/slack/once.js';
import { messageViewOf, parseInboundId, stripLeadingMention, toInbound } from '../../../plugins/slack/normalize.js';
import type { EmitResult } from '../../../src/plugins/api.js';

const bot = { userId: 'U0BOT', botId: 'B0BOT' };
const open: AccessPolicy = { allowFrom: ['*'], channels: ['*'], requireMention: true, allowBots: false, editedMessages: false };

const view = (event: Record<string, unknown>) => {
  const parsed = messageViewOf({ type: 'message', channel: 'C1', channel_type: 'channel', user: 'U1', text: 'hi', ts: '1.000100', ...event });
  if (!parsed) throw new Error('not a message');
  return parsed;
};

/** A `message_changed` event: `text` now, `before` the text it had. */
const edit = (text: string, before: string, extra: Record<string, unknown> = {}) =>
  messageViewOf({
    type: 'message',
    subtype: 'message_changed',
    channel: 'C1',
    channel_type: 'channel',
    hidden: true,
    ts: '2.000200',
    event_ts: '2.000200',
    message: { type: 'message', user: 'U1', text, ts: '1.000100', edited: { user: 'U1', ts: '2.000200' }, ...extra },
    previous_message: { type: 'message', user: 'U1', text: before, ts: '1.000100' },
  })!;

describe('normalize', () => {
  it('takes an edit only with editedMessages, only when its text changed, under an id of its own', () => {
    const changed = edit('<@U0BOT> fixed text', '<@U0BOT> fixd text', { thread_ts: '0.5' });
    expect(decideAccess(changed, bot, open)).toBe('subtype');
    const withEdits = { ...open, editedMessages: true };
    expect(decideAccess(changed, bot, withEdits)).toBe('accept');
    // Slack also sends message_changed when it unfurls a link: same text, not an edit by the user.
    expect(decideAccess(edit('<@U0BOT> see https://x.io', '<@U0BOT> see https://x.io'), bot, withEdits)).toBe('subtype');
    const inbound = toInbound(changed, bot.userId, 'slack', { replyInThread: true });
    expect(inbound.id).toBe('C1:1.000100:edit:2.000200');
    expect(inbound.text).toBe('fixed text');
    expect(inbound.chat).toEqual({ id: 'C1', type: 'group', threadId: '0.5' });
    // The reaction goes on the edited message itself.
    expect(parseInboundId(inbound.id)).toEqual({ channel: 'C1', ts: '1.000100' });
  });

  it('maps a channel mention to an inbound with the mention stripped and a thread under it', () => {
    const inbound = toInbound(view({ text: '<@U0BOT> /stop' }), bot.userId, 'slack', { replyInThread: true, now: 5 });
    expect(inbound).toEqual({
      id: 'C1:1.000100',
      channel: 'slack',
      chat: { id: 'C1', type: 'group', threadId: '1.000100' },
      sender: { id: 'U1', name: 'U1', isBot: false },
      text: '/stop',
      mentionsBot: true,
      receivedAt: 5,
    });
  });

  it('uses thread_ts as the thread and the thread root as replyToId', () => {
    const inbound = toInbound(view({ text: 'more', thread_ts: '0.5' }), bot.userId, 'slack', { replyInThread: true });
    expect(inbound.chat).toEqual({ id: 'C1', type: 'group', threadId: '0.5' });
    expect(inbound.replyToId).toBe('C1:0.5');
    expect(inbound.mentionsBot).toBe(false);
  });

  it('maps DMs to dm without a thread, and a top-level message without replyInThread to the channel root', () => {
    expect(toInbound(view({ channel: 'D1', channel_type: 'im' }), bot.userId, 'slack', { replyInThread: true }).chat).toEqual({
      id: 'D1',
      type: 'dm',
    });
    expect(toInbound(view({}), bot.userId, 'slack', { replyInThread: false }).chat).toEqual({ id: 'C1', type: 'group' });
  });

  it('unescapes Slack entities, keeps file metadata and the display name', () => {
    const inbound = toInbound(
      view({
        text: 'a &lt; b &amp; c',
        subtype: 'file_share',
        user_profile: { display_name: 'Alice' },
        files: [{ id: 'F1', name: 'cat.png', mimetype: 'image/png', size: 10, url_private: 'https://files/cat.png' }],
      }),
      bot.userId,
      'slack',
      { replyInThread: true },
    );
    expect(inbound.text).toBe('a < b & c');
    expect(inbound.sender.name).toBe('Alice');
    expect(inbound.attachments).toEqual([{ kind: 'image', name: 'cat.png', mimeType: 'image/png', size: 10, ref: 'https://files/cat.png' }]);
  });

  it('strips only a leading mention of the bot', () => {
    expect(stripLeadingMention('<@U0BOT|sb>: hello', 'U0BOT')).toBe('hello');
    expect(stripLeadingMention('hello <@U0BOT>', 'U0BOT')).toBe('hello <@U0BOT>');
    expect(stripLeadingMention('<@U0OTHER> hi', 'U0BOT')).toBe('<@U0OTHER> hi');
  });

  it('parses trigger ids back to channel and ts', () => {
    expect(parseInboundId('C1:1.000100')).toEqual({ channel: 'C1', ts: '1.000100' });
    expect(parseInboundId('nonsense')).toBeUndefined();
  });

  it('ignores events that are not messages', () => {
    expect(messageViewOf({ type: 'reaction_added', channel: 'C1', ts: '1' })).toBeUndefined();
    expect(messageViewOf(null)).toBeUndefined();
  });
});

describe('access', () => {
  it('gates channel messages on a mention unless requireMention is off; DMs need none', () => {
    expect(decideAccess(view({ text: 'hi' }), bot, open)).toBe('mention');
    expect(decideAccess(view({ text: 'hi <@U0BOT>' }), bot, open)).toBe('accept');
    expect(decideAccess(view({ type: 'app_mention', text: 'hi' }), bot, open)).toBe('accept');
    expect(decideAccess(view({ text: 'hi' }), bot, { ...open, requireMention: false })).toBe('accept');
    expect(decideAccess(view({ channel: 'D1', channel_type: 'im' }), bot, open)).toBe('accept');
  });

  it('ignores its own and other bots messages (unless allowBots) and edits', () => {
    expect(decideAccess(view({ user: 'U0BOT', text: '<@U0BOT>' }), bot, open)).toBe('self');
    expect(decideAccess(view({ user: undefined, bot_id: 'B0BOT', subtype: 'bot_message' }), bot, open)).toBe('self');
    const other = view({ user: undefined, bot_id: 'B9', subtype: 'bot_message', text: '<@U0BOT> hi' });
    expect(decideAccess(other, bot, open)).toBe('bot');
    expect(decideAccess(other, bot, { ...open, allowBots: true })).toBe('accept');
    expect(decideAccess(edit('<@U0BOT> b', '<@U0BOT> a'), bot, open)).toBe('subtype');
    expect(decideAccess(view({ subtype: 'message_deleted' }), bot, open)).toBe('subtype');
  });

  it('applies allowFrom to everyone and the channel list to channels only', () => {
    const strict: AccessPolicy = { ...open, allowFrom: ['U2'], channels: ['C2'] };
    expect(decideAccess(view({ user: 'U1', text: '<@U0BOT>' }), bot, strict)).toBe('sender');
    expect(decideAccess(view({ user: 'U2', text: '<@U0BOT>' }), bot, strict)).toBe('channel');
    expect(decideAccess(view({ user: 'U2', channel: 'C2', text: '<@U0BOT>' }), bot, strict)).toBe('accept');
    expect(decideAccess(view({ user: 'U2', channel: 'D1', channel_type: 'im' }), bot, strict)).toBe('accept');
    expect(decideAccess(view({ user: 'U2', channel: 'D1', channel_type: 'im' }), bot, { ...strict, allowFrom: [] })).toBe('sender');
  });

  it('allows agents to send to allowed channels and to chats it heard from', () => {
    const policy: AccessPolicy = { ...open, channels: ['C2'] };
    expect(allowsTarget({ channel: 'slack', chatId: 'C2' }, policy, new Set())).toBe(true);
    expect(allowsTarget({ channel: 'slack', chatId: 'C3' }, policy, new Set())).toBe(false);
    expect(allowsTarget({ channel: 'slack', chatId: 'D1' }, open, new Set())).toBe(false);
    expect(allowsTarget({ channel: 'slack', chatId: 'D1' }, open, new Set(['D1']))).toBe(true);
  });
});

describe('EmitOnce', () => {
  it('emits a message once however often it arrives, and again after a closed gateway', async () => {
    const once = new EmitOnce(2);
    let calls = 0;
    const emit = async (status: EmitResult['status']): Promise<EmitResult> => {
      calls++;
      return status === 'accepted' ? { status, seq: calls } : ({ status } as EmitResult);
    };
    const a = once.run('C1:1', () => emit('accepted'));
    const b = once.run('C1:1', () => emit('accepted'));
    expect([a.first, b.first]).toEqual([true, false]);
    expect(await b.result).toEqual({ status: 'accepted', seq: 1 });
    await once.run('C1:2', () => emit('closed')).result;
    expect(once.run('C1:2', () => emit('accepted')).first).toBe(true);
    expect(calls).toBe(3);
  });
});
