import { describe, expect, it } from 'vitest';
import { type AccessPolicy, allowsTarget, decideAccess } from '../../../plugins/discord/access.js';
import { type MessageView, stripBotMention, toInbound } from '../../../plugins/discord/normalize.js';
import { createMessageBody, destinationOf, nonceOf, toSendError } from '../../../plugins/discord/send.js';
import { DiscordAPIError, HTTPError, RateLimitError } from 'discord.js';
import { PermanentError, TransientError } from '../../../src/core/errors.js';
import type { Outbound } from '../../../src/core/types.js';
import discordPlugin, { type DiscordConfig } from '../../../plugins/discord/index.js';

const botId = '100';

function view(overrides: Partial<MessageView> = {}): MessageView {
  return {
    id: 'm1',
    channelId: 'c1',
    guildId: 'g1',
    isDm: false,
    author: { id: 'u1', username: 'alice', displayName: 'Alice', bot: false },
    roleIds: [],
    content: `<@${botId}> hello`,
    mentionedUserIds: [botId],
    attachments: [],
    ...overrides,
  };
}

const open: AccessPolicy = { allowFrom: ['*'], roles: [], guilds: ['*'], channels: ['*'], requireMention: true, allowBots: false };

describe('toInbound', () => {
  it('strips a leading bot mention, in both forms, and marks the bot as mentioned', () => {
    expect(toInbound(view(), botId, 'discord')).toMatchObject({
      id: 'm1',
      channel: 'discord',
      chat: { id: 'c1', type: 'group' },
      sender: { id: 'u1', name: 'Alice', username: 'alice', isBot: false },
      text: 'hello',
      mentionsBot: true,
    });
    expect(stripBotMention(`<@!${botId}> /stop`, botId)).toEqual({ text: '/stop', stripped: true });
    expect(stripBotMention(`hi <@${botId}>`, botId)).toEqual({ text: `hi <@${botId}>`, stripped: false });
  });

  it('puts a thread message under its parent channel with threadId', () => {
    const inbound = toInbound(view({ channelId: 't1', parentId: 'c1' }), botId, 'discord');
    expect(inbound.chat).toEqual({ id: 'c1', type: 'group', threadId: 't1' });
  });

  it('makes a DM a dm chat addressed to the bot, and keeps reply and attachment metadata', () => {
    const inbound = toInbound(
      view({
        isDm: true,
        guildId: undefined,
        content: 'hi',
        mentionedUserIds: [],
        replyToId: 'm0',
        attachments: [{ id: 'a1', name: 'cat.png', contentType: 'image/png', size: 10, url: 'https://cdn/cat.png' }],
      }),
      botId,
      'discord',
    );
    expect(inbound).toMatchObject({ chat: { id: 'c1', type: 'dm' }, text: 'hi', mentionsBot: true, replyToId: 'm0' });
    expect(inbound.attachments).toEqual([
      { kind: 'image', name: 'cat.png', mimeType: 'image/png', size: 10, ref: 'https://cdn/cat.png' },
    ]);
  });
});

describe('decideAccess', () => {
  it('accepts a mention from an allowed user', () => {
    expect(decideAccess(view(), botId, open)).toBe('accept');
  });

  it('never takes its own messages and ignores bots unless allowed', () => {
    expect(decideAccess(view({ author: { id: botId, username: 'b', displayName: 'b', bot: true } }), botId, open)).toBe('self');
    const bot = view({ author: { id: 'b2', username: 'b2', displayName: 'b2', bot: true } });
    expect(decideAccess(bot, botId, open)).toBe('bot');
    expect(decideAccess(bot, botId, { ...open, allowBots: true })).toBe('accept');
    expect(decideAccess(view({ webhookId: 'w' }), botId, open)).toBe('bot');
  });

  it('gates guild messages on a mention or a reply to the bot; DMs need none', () => {
    const plain = view({ content: 'hello', mentionedUserIds: [] });
    expect(decideAccess(plain, botId, open)).toBe('mention');
    expect(decideAccess(plain, botId, { ...open, requireMention: false })).toBe('accept');
    expect(decideAccess({ ...plain, replyToId: 'm0', replyToAuthorId: botId }, botId, open)).toBe('accept');
    expect(decideAccess({ ...plain, isDm: true, guildId: undefined }, botId, open)).toBe('accept');
  });

  it('applies allowFrom (empty: nobody), roles, guilds and channels (a thread matches its parent)', () => {
    expect(decideAccess(view(), botId, { ...open, allowFrom: [] })).toBe('sender');
    expect(decideAccess(view(), botId, { ...open, allowFrom: ['u1'] })).toBe('accept');
    expect(decideAccess(view({ roleIds: ['r1'] }), botId, { ...open, allowFrom: [], roles: ['r1'] })).toBe('accept');
    expect(decideAccess(view({ isDm: true, roleIds: ['r1'] }), botId, { ...open, allowFrom: [], roles: ['r1'] })).toBe('sender');
    expect(decideAccess(view(), botId, { ...open, guilds: ['g2'] })).toBe('guild');
    expect(decideAccess(view(), botId, { ...open, channels: ['c2'] })).toBe('channel');
    expect(decideAccess(view({ channelId: 't1', parentId: 'c2' }), botId, { ...open, channels: ['c2'] })).toBe('accept');
    // Guild and channel lists do not apply to DMs.
    expect(decideAccess(view({ isDm: true, guildId: undefined }), botId, { ...open, guilds: [], channels: [] })).toBe('accept');
  });

  it('lets agents send to allowed channels and to chats it took messages from', () => {
    const target = { channel: 'discord', chatId: 'c9' };
    expect(allowsTarget(target, { ...open, channels: ['c1'] }, new Set())).toBe(false);
    expect(allowsTarget(target, { ...open, channels: ['c1'] }, new Set(['c9']))).toBe(true);
    expect(allowsTarget(target, open, new Set())).toBe(true);
  });
});

describe('send helpers', () => {
  const outbound: Outbound = {
    target: { channel: 'discord', chatId: 'c1', threadId: 't1' },
    text: 'hi',
    part: 0,
    parts: 2,
    turnId: 'turn-1',
    replyToId: 'm0',
    idempotencyKey: 'sb42',
  };

  it('sends to the thread, with a stable nonce of at most 25 characters, no pings, replying on the first part', () => {
    expect(destinationOf(outbound)).toBe('t1');
    const body = createMessageBody(outbound, true);
    expect(body).toMatchObject({
      content: 'hi',
      enforce_nonce: true,
      allowed_mentions: { parse: [], replied_user: false },
      message_reference: { message_id: 'm0' },
    });
    expect(body.nonce).toBe(nonceOf(outbound));
    expect(body.nonce.startsWith('sb42.')).toBe(true);
    expect(nonceOf({ ...outbound, idempotencyKey: 'k'.repeat(80) })).toHaveLength(25);
    expect(createMessageBody({ ...outbound, part: 1 }, true).message_reference).toBeUndefined();
    expect(createMessageBody(outbound, false).message_reference).toBeUndefined();
  });

  it('maps Discord errors to permanent and transient ones', () => {
    const apiError = (status: number, code: number) =>
      new DiscordAPIError({ code, message: 'x' }, code, status, 'POST', '/channels/1/messages', { body: undefined, files: undefined });
    expect(toSendError(apiError(403, 50001))).toBeInstanceOf(PermanentError);
    expect(toSendError(apiError(403, 50013))).toBeInstanceOf(PermanentError);
    expect(toSendError(apiError(404, 10003))).toBeInstanceOf(PermanentError);
    expect(toSendError(apiError(429, 0))).toBeInstanceOf(TransientError);
    expect(toSendError(new HTTPError(502, 'Bad Gateway', 'POST', '/x', { body: undefined, files: undefined }))).toBeInstanceOf(TransientError);
    expect(toSendError(new Error('ECONNRESET'))).toBeInstanceOf(TransientError);
    const limited = toSendError(
      new RateLimitError({
        timeToReset: 0, limit: 5, method: 'POST', hash: 'h', url: '/x', route: '/channels/:id/messages',
        majorParameter: '1', global: false, retryAfter: 7000, sublimitTimeout: 0, scope: 'user',
      }),
    );
    expect(limited).toBeInstanceOf(TransientError);
    expect((limited as TransientError).retryAfterMs).toBe(7000);
  });
});

describe('config validation', () => {
  it('refuses ids YAML read as numbers (snowflakes lose digits above 2^53)', () => {
    const config = { allowFrom: ['1'], roles: [], guilds: ['*'], channels: [81384788765712384] } as unknown as DiscordConfig;
    expect(discordPlugin.validate?.(config)).toMatchObject({ key: 'channels' });
    expect(discordPlugin.validate?.({ ...config, channels: ['81384788765712384'] })).toBeUndefined();
  });
});
