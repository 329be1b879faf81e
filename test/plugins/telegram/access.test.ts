import { describe, expect, it } from 'vitest';
import {
  type AccessPolicy,
  allowsTarget,
  decideAccess,
  normalizeAllowFrom,
  RefusalLimiter,
} from '../../../plugins/telegram/access.js';
import type { TgMessage } from '../../../plugins/telegram/normalize.js';
import { TransientError, PermanentError } from '../../../src/core/errors.js';
import { TelegramError } from 'telegraf';
import { htmlToPlain, sendExtra, toSendError } from '../../../plugins/telegram/send.js';
import { buildMessage, type PushMessageOptions } from '../../fakes/telegram/updates.js';

const bot = { id: 999, username: 'switchboard_bot' };
const message = (options: PushMessageOptions) => buildMessage(options, 10, 1_700_000_000) as unknown as TgMessage;
const policy = (overrides: Partial<AccessPolicy> = {}): AccessPolicy => ({
  allowFrom: ['*'],
  requireMention: true,
  editedMessages: false,
  allowBots: false,
  ...overrides,
});

describe('telegram access', () => {
  it('lets in user ids given as numbers or strings, @usernames (any case) and chat ids', () => {
    const allowFrom = normalizeAllowFrom([1001, '2002', '@Grace', '-100500']);
    const p = policy({ allowFrom });
    expect(decideAccess(message({ from: { id: 1001 }, text: 'a' }), false, bot, p)).toBe('accept');
    expect(decideAccess(message({ from: { id: 2002 }, text: 'a' }), false, bot, p)).toBe('accept');
    expect(decideAccess(message({ from: { id: 3003, username: 'grace' }, text: 'a' }), false, bot, p)).toBe('accept');
    expect(decideAccess(message({ chat: 'group', chatId: -100500, from: { id: 4 }, text: '@switchboard_bot a' }), false, bot, p)).toBe('accept');
    expect(decideAccess(message({ from: { id: 4, username: 'eve' }, text: 'a' }), false, bot, p)).toBe('refuse');
  });

  it('lets nobody in with an empty allowFrom and everyone with "*"', () => {
    expect(decideAccess(message({ text: 'a' }), false, bot, policy({ allowFrom: [] }))).toBe('refuse');
    expect(decideAccess(message({ text: 'a' }), false, bot, policy({ allowFrom: ['*'] }))).toBe('accept');
  });

  it('ignores unaddressed group messages before consulting allowFrom (no refusal spam)', () => {
    const p = policy({ allowFrom: [] });
    expect(decideAccess(message({ chat: 'group', text: 'chatting' }), false, bot, p)).toBe('not-addressed');
    expect(decideAccess(message({ chat: 'group', text: 'chatting' }), false, bot, policy({ requireMention: false }))).toBe('accept');
  });

  it('ignores edits, other bots and itself unless configured', () => {
    expect(decideAccess(message({ text: 'x', editOf: 1 }), true, bot, policy())).toBe('edited');
    expect(decideAccess(message({ text: 'x', editOf: 1 }), true, bot, policy({ editedMessages: true }))).toBe('accept');
    expect(decideAccess(message({ text: 'x', from: { id: 5, is_bot: true } }), false, bot, policy())).toBe('bot');
    expect(decideAccess(message({ text: 'x', from: { id: 5, is_bot: true } }), false, bot, policy({ allowBots: true }))).toBe('accept');
    expect(decideAccess(message({ text: 'x', from: { id: 999, is_bot: true } }), false, bot, policy({ allowBots: true }))).toBe('self');
  });

  it('allows agent sends only to listed chats', () => {
    expect(allowsTarget(['1001'], { channel: 'telegram', chatId: '1001' })).toBe(true);
    expect(allowsTarget(['1001'], { channel: 'telegram', chatId: '2002' })).toBe(false);
    expect(allowsTarget(['*'], { channel: 'telegram', chatId: '2002', threadId: '3' })).toBe(true);
  });

  it('tells a refused sender at most once per window', () => {
    const limiter = new RefusalLimiter(600_000);
    expect(limiter.take('1', 0)).toBe(true);
    expect(limiter.take('1', 599_999)).toBe(false);
    expect(limiter.take('2', 1)).toBe(true);
    expect(limiter.take('1', 600_000)).toBe(true);
  });
});

describe('telegram send errors', () => {
  const telegramError = (error_code: number, description: string, retry_after?: number) =>
    new TelegramError({ error_code, description, ...(retry_after === undefined ? {} : { parameters: { retry_after } }) });

  it('maps 429 to a transient error carrying retry_after in ms', () => {
    const error = toSendError(telegramError(429, 'Too Many Requests: retry after 7', 7));
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).retryAfterMs).toBe(7000);
  });

  it('maps 5xx and network failures to transient, 403 and chat not found to permanent', () => {
    expect(toSendError(telegramError(502, 'Bad Gateway'))).toBeInstanceOf(TransientError);
    expect(toSendError(new Error('connect ECONNREFUSED'))).toBeInstanceOf(TransientError);
    expect(toSendError(telegramError(403, 'Forbidden: bot was blocked by the user'))).toBeInstanceOf(PermanentError);
    expect(toSendError(telegramError(400, 'Bad Request: chat not found'))).toBeInstanceOf(PermanentError);
  });

  it('turns HTML into the plain text it shows', () => {
    expect(htmlToPlain('<b>a</b> &amp; &lt;b&gt; &quot;q&quot; &#128512;')).toBe('a & <b> "q" 😀');
  });

  it('sends into the topic and quotes the trigger only on the first part when asked', () => {
    const outbound = { target: { channel: 'telegram', chatId: '-1', threadId: '42' }, text: 'x', part: 0, parts: 2, turnId: 't', replyToId: '7', idempotencyKey: 'k' };
    expect(sendExtra(outbound, { replyToMessage: false })).toEqual({ message_thread_id: 42 });
    expect(sendExtra(outbound, { replyToMessage: true })).toEqual({
      message_thread_id: 42,
      reply_parameters: { message_id: 7, allow_sending_without_reply: true },
    });
    expect(sendExtra({ ...outbound, part: 1 }, { replyToMessage: true })).toEqual({ message_thread_id: 42 });
  });
});
