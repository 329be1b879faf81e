import { Telegram } from 'telegraf';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeTelegram } from './server.js';

/** The fake Bot API itself, through the real telegraf client: what its other tests rely on. */

let fake: FakeTelegram | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('fake Telegram Bot API', () => {
  it('edits a sent message as Telegram does: new text, parse mode checked, unchanged and unknown refused', async () => {
    fake = await FakeTelegram.start();
    const telegram = new Telegram(fake.token, { apiRoot: fake.apiRoot });
    const sent = await telegram.sendMessage(42, 'draft');
    const edited = await telegram.editMessageText(42, sent.message_id, undefined, '<b>final</b>', { parse_mode: 'HTML' });
    expect(edited).toMatchObject({ message_id: sent.message_id, text: 'final' });
    expect(fake.sentTo(42)).toMatchObject([{ messageId: sent.message_id, text: '<b>final</b>', plain: 'final', parseMode: 'HTML' }]);
    expect(fake.edits).toEqual([{ messageId: sent.message_id, chatId: '42', text: '<b>final</b>' }]);
    await expect(telegram.editMessageText(42, sent.message_id, undefined, '<b>final</b>', { parse_mode: 'HTML' })).rejects.toThrow(/not modified/);
    await expect(telegram.editMessageText(42, 9999, undefined, 'x')).rejects.toThrow(/message to edit not found/);
    await expect(telegram.editMessageText(42, sent.message_id, undefined, '<b>broken', { parse_mode: 'HTML' })).rejects.toThrow(/parse entities/);
  });
});
