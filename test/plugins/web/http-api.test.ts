import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WebChannelInfo } from '../../../plugins/web/index.js';
import { chatLiveMs } from '../../../plugins/web/http-api.js';
import { ConfigError } from '../../../src/core/errors.js';
import type { Daemon } from '../../../src/daemon.js';
import { startTestDaemon } from '../../support/daemon.js';
import { waitFor } from '../../support/wait.js';
import { openEvents, replyTexts, type SseStream } from '../../support/sse.js';

let daemon: Daemon | undefined;
const streams: SseStream[] = [];

afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  await daemon?.stop();
  daemon = undefined;
});

async function startWeb(web: Record<string, unknown> = {}, echo: Record<string, unknown> = {}) {
  daemon = await startTestDaemon({
    config: { plugins: { echo: { enabled: true, delayMs: 0, ...echo }, web: { enabled: true, port: 0, ...web } } },
  });
  return (daemon.plugin('web') as unknown as WebChannelInfo).url;
}

async function repliesSent(): Promise<number> {
  const metric = await daemon!.metrics.getSingleMetric('switchboard_replies_sent_total')!.get();
  return metric.values.reduce((sum, value) => sum + value.value, 0);
}

async function events(url: string, options?: Parameters<typeof openEvents>[1]) {
  const stream = await openEvents(url, options);
  streams.push(stream);
  return stream;
}

function post(base: string, chatId: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${base}/api/chats/${chatId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('web channel HTTP API', () => {
  it('accepts a message with 202 and streams the turn start, the reply and the turn end', async () => {
    const base = await startWeb();
    const stream = await events(`${base}/api/chats/alice/events`);
    const response = await post(base, 'alice', { text: 'hello there', user: 'Alice' });
    expect(response.status).toBe(202);
    const { messageId } = (await response.json()) as { messageId: string };
    expect(messageId).toMatch(/^[0-9a-f-]{36}$/);
    await stream.until((e) => e.some((x) => x.data.type === 'turn.end'), 'turn end');
    // The user's own message is echoed to the chat's streams (other tabs); the turn brackets the reply.
    const types = stream.events.map((e) => e.data.type);
    expect([...types].sort()).toEqual(['message', 'reply', 'turn.end', 'turn.start']);
    expect(types.filter((t) => t !== 'message')).toEqual(['turn.start', 'reply', 'turn.end']);
    const byType = (type: string) => stream.events.find((e) => e.data.type === type)!.data;
    expect(byType('message')).toMatchObject({ text: 'hello there', user: 'Alice', messageId });
    expect(byType('reply')).toMatchObject({ text: 'echo: hello there', part: 0, parts: 1 });
    expect(byType('reply').turnId).toBe(byType('turn.start').turnId);
    expect(byType('turn.end').turnId).toBe(byType('turn.start').turnId);
  });

  it('answers the messages of one chat in order, and keeps chats apart', async () => {
    const base = await startWeb({}, { delayMs: 2 });
    const a = await events(`${base}/api/chats/a/events`);
    const b = await events(`${base}/api/chats/b/events`);
    const count = 30;
    for (let i = 0; i < count; i++) {
      expect((await post(base, 'a', { text: `a${i}` })).status).toBe(202);
      expect((await post(base, 'b', { text: `b${i}` })).status).toBe(202);
    }
    await a.until((e) => replyTexts(e).length === count, 'all replies in a');
    await b.until((e) => replyTexts(e).length === count, 'all replies in b');
    expect(replyTexts(a.events)).toEqual(Array.from({ length: count }, (_, i) => `echo: a${i}`));
    expect(replyTexts(b.events)).toEqual(Array.from({ length: count }, (_, i) => `echo: b${i}`));
  });

  it('handles a retried POST with the same id once', async () => {
    const base = await startWeb();
    const stream = await events(`${base}/api/chats/c/events`);
    const first = await post(base, 'c', { text: 'once', id: 'client-key-1' });
    const second = await post(base, 'c', { text: 'once', id: 'client-key-1' });
    expect(first.status).toBe(202);
    expect(await second.json()).toEqual({ messageId: 'client-key-1', status: 'duplicate' });
    await post(base, 'c', { text: 'marker' });
    await stream.until((e) => replyTexts(e).includes('echo: marker'), 'marker reply');
    expect(replyTexts(stream.events)).toEqual(['echo: once', 'echo: marker']);
    const shown = stream.events.filter((e) => e.data.type === 'message').map((e) => String(e.data.text));
    expect(shown).toEqual(['once', 'marker']);
  });

  it('refuses a body over maxBodyBytes with 413 and queues nothing', async () => {
    const base = await startWeb({ maxBodyBytes: 1024 });
    const big = await post(base, 'd', { text: 'x'.repeat(2000) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: string }).error).toContain('1024');
    const bad = await post(base, 'd', 'not json');
    expect(bad.status).toBe(400);
    const empty = await post(base, 'd', { text: '   ' });
    expect(empty.status).toBe(400);
    const badChat = await post(base, 'no%20spaces', { text: 'hi' });
    expect(badChat.status).toBe(400);
    expect(daemon!.status().sessionsLive).toBe(0);
  });

  it('limits the chats one client may open', async () => {
    const base = await startWeb({ maxChatsPerClient: 2 });
    expect((await post(base, 'one', { text: 'x' })).status).toBe(202);
    expect((await post(base, 'two', { text: 'x' })).status).toBe(202);
    expect((await post(base, 'one', { text: 'again' })).status).toBe(202);
    const third = await post(base, 'three', { text: 'x' });
    expect(third.status).toBe(429);
    // Chats nobody listens to and nothing happened in for chatLiveMs no longer count.
    await waitFor(async () => (await repliesSent()) === 3, 'replies sent');
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + chatLiveMs + 1000);
      expect((await post(base, 'three', { text: 'x' })).status).toBe(202);
      expect((await post(base, 'four', { text: 'x' })).status).toBe(202);
      expect((await post(base, 'five', { text: 'x' })).status).toBe(429);
    } finally {
      vi.useRealTimers();
    }
  });

  it('resumes a stream from Last-Event-ID with only the later events', async () => {
    const base = await startWeb();
    const first = await events(`${base}/api/chats/r/events`);
    await post(base, 'r', { text: 'before' });
    await first.until((e) => replyTexts(e).includes('echo: before'), 'first reply');
    const lastId = first.events.at(-1)!.id!;
    first.close();
    await post(base, 'r', { text: 'while away' });
    // The reply is sent while no stream is open.
    await waitFor(async () => (await repliesSent()) === 2, 'second reply sent');
    const resumed = await events(`${base}/api/chats/r/events`, { lastEventId: lastId });
    await resumed.until((e) => replyTexts(e).includes('echo: while away'), 'missed reply');
    expect(replyTexts(resumed.events)).toEqual(['echo: while away']);
    expect(resumed.events.every((e) => Number(e.id) > Number(lastId))).toBe(true);
  });

  it('requires the token on every request when one is set', async () => {
    const base = await startWeb({ token: 'web-secret-token' });
    expect((await post(base, 'e', { text: 'hi' })).status).toBe(401);
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/api/chats/e/events`)).status).toBe(401);
    expect((await post(base, 'e', { text: 'hi' }, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post(base, 'e', { text: 'hi' }, { authorization: 'Bearer web-secret-token' })).status).toBe(202);
    const page = await fetch(`${base}/?token=web-secret-token`);
    expect(page.status).toBe(200);
    expect(page.headers.get('set-cookie')).toContain('HttpOnly');
  });

  it('refuses to start bound beyond loopback without a token, naming plugins.web.token', async () => {
    const error = await startTestDaemon({ config: { plugins: { web: { enabled: true, host: '0.0.0.0', port: 0 } } } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe('plugins.web.token');
  });

  it('serves the chat page with a strict content security policy', async () => {
    const base = await startWeb();
    const page = await fetch(`${base}/`);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    expect((await fetch(`${base}/app.js`)).headers.get('content-type')).toContain('javascript');
  });
});
