import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import telegramPlugin from '../../../plugins/telegram/index.js';
import type { Daemon } from '../../../src/daemon.js';
import type { AnyPluginDefinition } from '../../../src/plugins/api.js';
import { FakeTelegram } from '../../fakes/telegram/server.js';
import { tempDir } from '../../support/cli.js';
import { startTestDaemon } from '../../support/daemon.js';
import { waitFor } from '../../support/wait.js';

/**
 * End to end: the real daemon (echo agent) + the Telegram plugin on the real telegraf client,
 * talking to a fake Bot API server on 127.0.0.1.
 */

let fake: FakeTelegram | undefined;
let daemon: Daemon | undefined;

afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  await fake?.close();
  fake = undefined;
});

async function startDaemon(
  telegram: Record<string, unknown> = {},
  echo: Record<string, unknown> = {},
  store: Record<string, unknown> = {},
): Promise<Daemon> {
  const running = await startTestDaemon({
    plugins: { telegram: telegramPlugin as unknown as AnyPluginDefinition },
    config: {
      ...(Object.keys(store).length > 0 ? { store } : {}),
      plugins: {
        echo: { enabled: true, delayMs: 0, ...echo },
        telegram: { enabled: true, token: fake!.token, apiRoot: fake!.apiRoot, allowFrom: ['*'], pollingTimeoutSec: 5, ...telegram },
      },
    },
  });
  daemon = running;
  await waitFor(() => running.status().plugins.find((p) => p.name === 'telegram')?.state === 'running', 'telegram running', 20_000);
  return running;
}

async function start(telegram: Record<string, unknown> = {}, echo: Record<string, unknown> = {}) {
  fake = await FakeTelegram.start();
  await startDaemon(telegram, echo);
  return fake;
}

async function metricSum(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = daemon!.metrics.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((value) => Object.entries(labels).every(([key, want]) => String(value.labels[key]) === want))
    .reduce((sum, value) => sum + value.value, 0);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('telegram channel end to end', () => {
  it('answers a private message in the same chat, as HTML, and registers /stop and /new', async () => {
    const fake = await start();
    fake.pushMessage({ text: 'hello **there** & <you>' });
    const [reply] = await fake.waitForSent(1001);
    expect(reply!.plain).toBe('echo: hello there & <you>');
    expect(reply!.text).toBe('echo: hello <b>there</b> &amp; &lt;you&gt;');
    expect(reply!.parseMode).toBe('HTML');
    expect(reply!.threadId).toBeUndefined();
    const commands = fake.callsOf('setMyCommands')[0]!.params.commands as Array<{ command: string }>;
    expect(commands.map((c) => c.command)).toEqual(['stop', 'new']);
    // Never drops what waited while the gateway was down.
    expect(fake.callsOf('deleteWebhook').every((call) => call.params.drop_pending_updates !== true)).toBe(true);
  });

  it('replies into the forum topic the message came from', async () => {
    const fake = await start();
    fake.pushMessage({ chat: 'forum', chatId: -100777, threadId: 42, text: '@switchboard_bot in topic 42' });
    fake.pushMessage({ chat: 'forum', chatId: -100777, threadId: 43, text: '@switchboard_bot in topic 43' });
    const sent = await fake.waitForSent(-100777, 2);
    expect(sent.map((m) => [m.threadId, m.plain]).sort()).toEqual([
      [42, 'echo: in topic 42'],
      [43, 'echo: in topic 43'],
    ]);
  });

  it('in groups answers only messages that mention, reply to, or command the bot', async () => {
    const fake = await start();
    fake.pushMessage({ chat: 'group', chatId: -500, text: 'just chatting' });
    fake.pushMessage({ chat: 'group', chatId: -500, text: '/stop@otherbot' });
    fake.pushMessage({ chat: 'group', chatId: -500, text: 'hey @switchboard_bot ping' });
    const [first] = await fake.waitForSent(-500, 1);
    expect(first!.plain).toBe('echo: hey @switchboard_bot ping');
    fake.pushMessage({
      chat: 'group',
      chatId: -500,
      text: 'a reply to the bot',
      replyTo: { message_id: first!.messageId, from: { id: fake.bot.id, is_bot: true, username: fake.bot.username } },
    });
    fake.pushMessage({ chat: 'group', chatId: -500, text: '@switchboard_bot last' });
    const sent = await fake.waitForSent(-500, 3);
    expect(sent.map((m) => m.plain)).toEqual(['echo: hey @switchboard_bot ping', 'echo: a reply to the bot', 'echo: last']);
  });

  it('refuses senders not in allowFrom with one reply naming their id, and emits nothing for them', async () => {
    const fake = await start({ allowFrom: [1001, '@grace'] });
    fake.pushMessage({ from: { id: 2002, username: 'mallory', first_name: 'Mallory' }, text: 'let me in' });
    fake.pushMessage({ from: { id: 2002, username: 'mallory', first_name: 'Mallory' }, text: 'please' });
    fake.pushMessage({ from: { id: 3003, username: 'Grace', first_name: 'Grace' }, text: 'by username' });
    fake.pushMessage({ text: 'allowed by id' });
    await fake.waitForSent(1001);
    await fake.waitForSent(3003);
    const refused = await fake.waitForSent(2002);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.plain).toContain('not allowed');
    expect(refused[0]!.plain).toContain('2002');
    expect(fake.sentTo(3003)[0]!.plain).toBe('echo: by username');
    expect(await metricSum('switchboard_inbound_messages_total', { channel: 'telegram' })).toBe(2);
  });

  it('waits out a 429 retry_after and delivers the reply exactly once', async () => {
    const fake = await start();
    fake.failNextSends(1, { kind: 'retryAfter', seconds: 1 });
    fake.pushMessage({ text: 'rate limited' });
    const sent = await fake.waitForSent(1001);
    expect(sent.map((m) => m.plain)).toEqual(['echo: rate limited']);
    const attempts = fake.callsOf('sendMessage');
    expect(attempts).toHaveLength(2);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(900);
    expect(await metricSum('switchboard_sends_retried_total', { channel: 'telegram' })).toBe(1);
  });

  it('retries a sendMessage whose connection was cut, and delivers it once', async () => {
    const fake = await start();
    fake.failNextSends(1, { kind: 'drop' });
    fake.pushMessage({ text: 'through a flaky network' });
    const sent = await fake.waitForSent(1001, 1);
    expect(sent.map((m) => m.plain)).toEqual(['echo: through a flaky network']);
    expect(await metricSum('switchboard_sends_retried_total', { channel: 'telegram' })).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.sentTo(1001)).toHaveLength(1);
  });

  it('resends the same part as plain text when Telegram cannot parse the HTML', async () => {
    const fake = await start();
    fake.failNextSends(1, { kind: 'cantParse' });
    fake.pushMessage({ text: 'a **bold** claim & <tag>' });
    const [reply] = await fake.waitForSent(1001);
    expect(reply!.parseMode).toBeUndefined();
    expect(reply!.text).toBe('echo: a bold claim & <tag>');
    expect(fake.callsOf('sendMessage')).toHaveLength(2);
  });

  it('marks a reply to a user who blocked the bot as failed, without retrying', async () => {
    const fake = await start();
    fake.failNextSends(1, { kind: 'blocked' });
    fake.pushMessage({ text: 'then blocked the bot' });
    await waitFor(async () => (await metricSum('switchboard_sends_failed_total', { channel: 'telegram', reason: 'permanent' })) === 1, 'send failed');
    expect(fake.callsOf('sendMessage')).toHaveLength(1);
    expect(fake.sent).toHaveLength(0);
    expect(await metricSum('switchboard_sends_retried_total', { channel: 'telegram' })).toBe(0);
  });

  it('after a restart answers what arrived while it was down, and nothing twice', async () => {
    const fake = await start();
    fake.pushMessage({ text: 'before' });
    await fake.waitForSent(1001, 1);
    await daemon!.stop();
    daemon = undefined;
    fake.pushMessage({ text: 'while down 1' });
    fake.pushMessage({ text: 'while down 2' });
    expect(fake.pending.length).toBeGreaterThanOrEqual(2);
    await startDaemon();
    await fake.waitForSent(1001, 3);
    fake.pushMessage({ text: 'after' });
    await fake.waitForSent(1001, 4);
    expect(fake.sentTo(1001).map((m) => m.plain)).toEqual(['echo: before', 'echo: while down 1', 'echo: while down 2', 'echo: after']);
  });

  it('on SQLite, an update taken but never acknowledged (a crash before the offset moved) is answered once', async () => {
    fake = await FakeTelegram.start();
    const store = { driver: 'sqlite', path: join(tempDir('switchboard-tg-'), 'switchboard.db') };
    await startDaemon({}, {}, store);
    await waitFor(() => fake!.polling, 'a held poll');
    // From now on every getUpdates fails: the offset past "one" never reaches Telegram.
    fake.failNextPolls(1000, 'drop');
    fake.pushMessage({ text: 'one' });
    await fake.waitForSent(1001, 1);
    await daemon!.stop();
    daemon = undefined;
    expect(fake.pending.map((u) => (u.message as { text: string }).text)).toEqual(['one']);
    fake.clearPollFaults();
    await startDaemon({}, {}, store);
    fake.pushMessage({ text: 'two' });
    await fake.waitForSent(1001, 2);
    // "one" came again and was recognised by the journal, not answered twice.
    expect(fake.pending).toEqual([]);
    expect(fake.sentTo(1001).map((m) => m.plain)).toEqual(['echo: one', 'echo: two']);
    expect(await metricSum('switchboard_duplicates_ignored_total', { channel: 'telegram' })).toBe(1);
  });

  it('shows typing while a slow turn runs and stops when it ends', async () => {
    const fake = await start({ typingIntervalMs: 100, workingIndicatorDelayMs: 0 }, { delayMs: 1200 });
    const typingTo = (chatId: number) => fake.callsOf('sendChatAction').filter((call) => String(call.params.chat_id) === String(chatId));
    fake.pushMessage({ text: 'slow one' });
    await fake.waitForSent(1001);
    const duringTurn = typingTo(1001).length;
    expect(duringTurn).toBeGreaterThanOrEqual(3);
    expect(typingTo(1001)[0]!.params.action).toBe('typing');
    // Another slow turn (another chat) takes over a second: time for many ticks if chat 1001's had not stopped.
    fake.pushMessage({ from: { id: 1002, first_name: 'Bob' }, text: 'second' });
    await fake.waitForSent(1002);
    expect(typingTo(1002).length).toBeGreaterThanOrEqual(3);
    expect(typingTo(1001).length - duringTurn).toBeLessThanOrEqual(1);
  });

  it('sends no typing for an answer faster than workingIndicatorDelayMs (the per-channel override)', async () => {
    const fake = await start({ workingIndicatorDelayMs: 300 }, { delayMs: 0 });
    fake.pushMessage({ text: 'quick' });
    await fake.waitForSent(1001);
    // Past the delay: a typing call that was only postponed would have gone out by now.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(fake.callsOf('sendChatAction')).toEqual([]);
  });

  it('in webhook mode refuses a wrong secret with 401 and takes the right one', async () => {
    fake = await FakeTelegram.start();
    const port = await freePort();
    await startDaemon({
      mode: 'webhook',
      webhook: { url: `http://127.0.0.1:${port}/tg-hook`, port, path: '/tg-hook', secretToken: 's3cret' },
    });
    expect(fake.webhook).toEqual({ url: `http://127.0.0.1:${port}/tg-hook`, secretToken: 's3cret' });
    expect(fake.callsOf('getUpdates')).toHaveLength(0);
    expect(await fake.deliverWebhook(fake.makeUpdate({ text: 'forged' }), 'wrong')).toBe(401);
    expect(await fake.deliverWebhook(fake.makeUpdate({ text: 'no secret' }), null)).toBe(401);
    expect(await metricSum('switchboard_inbound_messages_total', { channel: 'telegram' })).toBe(0);
    const genuine = fake.makeUpdate({ text: 'genuine' });
    expect(await fake.deliverWebhook(genuine)).toBe(200);
    expect(await metricSum('switchboard_inbound_messages_total', { channel: 'telegram' })).toBe(1);
    // Telegram redelivers when unsure: the same update is taken once.
    expect(await fake.deliverWebhook(genuine)).toBe(200);
    const sent = await fake.waitForSent(1001);
    expect(sent.map((m) => m.plain)).toEqual(['echo: genuine']);
    expect(await metricSum('switchboard_inbound_messages_total', { channel: 'telegram' })).toBe(1);
  });

  it('routes 50 chats in parallel, each reply to its own chat', async () => {
    const fake = await start();
    const chats = Array.from({ length: 50 }, (_, n) => 5000 + n);
    for (const id of chats) fake.pushMessage({ from: { id, first_name: `User ${id}` }, text: `hi from ${id}` });
    await waitFor(() => fake.sent.length >= 50, '50 replies', 30_000);
    for (const id of chats) expect(fake.sentTo(id).map((m) => m.plain)).toEqual([`echo: hi from ${id}`]);
  });

  it('splits a long reply into ordered parts within 4096 units', async () => {
    const fake = await start();
    const text = Array.from({ length: 900 }, (_, n) => `w${n}`).join(' ');
    fake.pushMessage({ text });
    const parts = await fake.waitForSent(1001, 2);
    expect(parts).toHaveLength(2);
    for (const part of parts) expect(part.text.length).toBeLessThanOrEqual(4096);
    expect(parts.map((m) => m.plain).join('')).toBe(`echo: ${text}`);
  });

  it('retries a 5xx answer and keeps polling after a dropped or failed getUpdates', async () => {
    const fake = await start();
    fake.failNextSends(1, { kind: 'serverError' });
    fake.failNextPolls(1, 'drop');
    fake.failNextPolls(1, 'serverError');
    // The poll held open now ends with the update; the next two polls fail; then it recovers.
    fake.pushMessage({ text: 'first' });
    await fake.waitForSent(1001, 1);
    fake.pushMessage({ text: 'second' });
    const sent = await fake.waitForSent(1001, 2);
    expect(sent.map((m) => m.plain)).toEqual(['echo: first', 'echo: second']);
    expect(await metricSum('switchboard_sends_retried_total', { channel: 'telegram' })).toBe(1);
  });

  it('queues a burst to one chat behind the per-chat throttle instead of failing', async () => {
    const fake = await start();
    fake.pushMessage({ text: 'one' });
    fake.pushMessage({ text: 'two' });
    fake.pushMessage({ text: 'three' });
    const sent = await fake.waitForSent(1001, 3);
    expect(sent.map((m) => m.plain).sort()).toEqual(['echo: one', 'echo: three', 'echo: two']);
    const attempts = fake.callsOf('sendMessage');
    expect(attempts).toHaveLength(3);
    for (let n = 1; n < attempts.length; n++) expect(attempts[n]!.at - attempts[n - 1]!.at).toBeGreaterThanOrEqual(950);
  });
});
