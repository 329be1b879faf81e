import { describe, expect, it } from 'vitest';
import { asUpdate, messageOf, stripAddressing, type TgMessage, toInbound } from '../../../plugins/telegram/normalize.js';
import { buildMessage, type PushMessageOptions } from '../../fakes/telegram/updates.js';

const bot = { id: 999, username: 'switchboard_bot' };
const message = (options: PushMessageOptions, id = 10) => buildMessage(options, id, 1_700_000_000) as unknown as TgMessage;

describe('telegram update normalization', () => {
  it('maps a private message to a dm inbound with sender and chat ids as strings', () => {
    const inbound = toInbound(message({ text: 'hello' }), bot, 'telegram', false, 5);
    expect(inbound).toEqual({
      id: '1001:10',
      channel: 'telegram',
      chat: { id: '1001', type: 'dm' },
      sender: { id: '1001', name: 'Ada Lovelace', username: 'ada', isBot: false },
      text: 'hello',
      mentionsBot: true,
      receivedAt: 5,
    });
  });

  it('maps a forum topic message to a group chat with the topic as threadId', () => {
    const inbound = toInbound(message({ chat: 'forum', chatId: -100777, threadId: 42, text: '@switchboard_bot hi' }), bot, 'telegram', false);
    expect(inbound.chat).toEqual({ id: '-100777', type: 'group', threadId: '42' });
    expect(inbound.text).toBe('hi');
    expect(inbound.mentionsBot).toBe(true);
    expect(inbound.id).toBe('-100777:10');
  });

  it('does not take the forum topic root for a reply', () => {
    const inbound = toInbound(
      message({ chat: 'forum', threadId: 42, text: 'plain', replyTo: { message_id: 42 } }),
      bot,
      'telegram',
      false,
    );
    expect(inbound.replyToId).toBeUndefined();
    expect(inbound.mentionsBot).toBe(false);
  });

  it('reduces "/cmd@bot" to "/cmd" and keeps a command for another bot unaddressed', () => {
    const ours = toInbound(message({ chat: 'group', text: '/stop@switchboard_bot now' }), bot, 'telegram', false);
    expect(ours.text).toBe('/stop now');
    expect(ours.mentionsBot).toBe(true);
    const theirs = toInbound(message({ chat: 'group', text: '/stop@otherbot' }), bot, 'telegram', false);
    expect(theirs.text).toBe('/stop@otherbot');
    expect(theirs.mentionsBot).toBe(false);
    expect(toInbound(message({ chat: 'group', text: '/new' }), bot, 'telegram', false).mentionsBot).toBe(true);
  });

  it('takes a reply to the bot as addressed and records replyToId', () => {
    const inbound = toInbound(
      message({ chat: 'supergroup', text: 'yes', replyTo: { message_id: 7, from: { id: 999, is_bot: true } } }),
      bot,
      'telegram',
      false,
    );
    expect(inbound.mentionsBot).toBe(true);
    expect(inbound.replyToId).toBe('7');
    expect(inbound.chat.type).toBe('group');
  });

  it('uses a photo caption as text and lists the largest photo as an attachment', () => {
    const inbound = toInbound(message({ photoCaption: 'look at this' }), bot, 'telegram', false);
    expect(inbound.text).toBe('look at this');
    expect(inbound.attachments).toEqual([{ kind: 'image', ref: 'photo-10-m', size: 50_000 }]);
  });

  it('gives an edit its own id so it is not taken for a redelivery', () => {
    const edited = message({ text: 'fixed', editOf: 10 });
    expect(toInbound(edited, bot, 'telegram', true).id).toBe('1001:10:e1700000001');
  });

  it('marks messages of bots', () => {
    expect(toInbound(message({ text: 'beep', from: { id: 5, is_bot: true } }), bot, 'telegram', false).sender.isBot).toBe(true);
  });

  it('narrows raw updates', () => {
    expect(asUpdate({ foo: 1 })).toBeUndefined();
    expect(asUpdate(null)).toBeUndefined();
    const update = asUpdate({ update_id: 3, edited_message: message({ text: 'x' }) })!;
    expect(messageOf(update)?.edited).toBe(true);
    expect(messageOf({ update_id: 4 })).toBeUndefined();
  });

  it('strips only a leading mention of this bot', () => {
    expect(stripAddressing('@Switchboard_Bot, do it', 'switchboard_bot')).toEqual({ text: 'do it', addressedByText: true });
    expect(stripAddressing('tell @switchboard_bot', 'switchboard_bot')).toEqual({ text: 'tell @switchboard_bot', addressedByText: false });
    expect(stripAddressing('@switchboard_botty hi', 'switchboard_bot').addressedByText).toBe(false);
  });
});
