import { afterEach, describe, expect, it } from 'vitest';
import { controlReplies } from '../../../src/core/gateway.js';
import { notices } from '../../../src/core/turn-runner.js';
import type { AnyPluginDefinition } from '../../../src/plugins/api.js';
import openaiPlugin from '../../../plugins/openai/index.js';
import { FakeOpenAI } from '../../fakes/openai/server.js';
import { type ChatDaemon, startChatDaemon } from '../../fixtures/agents/chat-daemon.js';
import { waitFor } from '../../support/wait.js';

let fake: FakeOpenAI;
let harness: ChatDaemon | undefined;

afterEach(async () => {
  await harness?.stop();
  harness = undefined;
  await fake?.close();
});

let logLines: Array<Record<string, unknown>> = [];

async function start(config: Record<string, unknown> = {}, gateway: Record<string, unknown> = {}): Promise<ChatDaemon> {
  fake = await new FakeOpenAI().start();
  logLines = [];
  harness = await startChatDaemon({
    logLines,
    agentName: 'openai',
    agent: openaiPlugin as unknown as AnyPluginDefinition,
    agentConfig: { apiKey: 'sk-test', baseUrl: fake.url, model: 'fake-model', ...config },
    gateway,
  });
  return harness;
}

/** The session is not stuck: a new message gets the model's answer. */
async function answersAgain(harness: ChatDaemon, chatId = 'c1'): Promise<void> {
  await harness.say(chatId, 'still there?');
  await waitFor(() => harness.chat.textsTo(chatId).includes('echo: [Ann] still there?'), 'answer to a new message');
}

describe('openai agent: stop, retries, timeouts', () => {
  it('/stop mid-answer closes the HTTP request; nothing of the answer is sent; the session goes on', async () => {
    const h = await start();
    fake.queue.push({ stall: 'Once upon a time' });
    await h.say('c1', 'tell a long story');
    await waitFor(() => fake.requests.length === 1, 'model request');
    await h.say('c1', '/stop');
    await waitFor(() => fake.requests[0]!.aborted, 'the fake sees the request closed');
    await waitFor(() => h.chat.textsTo('c1').includes(controlReplies.stopped(0)), 'stop answered');
    await waitFor(() => h.daemon.gateway.scheduler.turnsRunning === 0, 'turn ended');
    await answersAgain(h);
    expect(h.chat.textsTo('c1')).toEqual([controlReplies.stopped(0), 'echo: [Ann] still there?']);
  });

  it('/stop while waiting to retry a 429 ends the turn at once', async () => {
    const h = await start({ maxRetries: 3 });
    fake.queue.push({ status: 429, headers: { 'retry-after': '30' }, message: 'slow down' });
    await h.say('c1', 'hello');
    await waitFor(() => fake.requests.length === 1, 'model request');
    await h.say('c1', '/stop');
    // Well under the 30 s the server asked for.
    await waitFor(() => h.daemon.gateway.scheduler.turnsRunning === 0, 'turn ended', 10_000);
    await answersAgain(h);
    expect(h.chat.textsTo('c1')).toEqual([controlReplies.stopped(0), 'echo: [Ann] still there?']);
    expect(fake.requests.length).toBe(2);
  });

  it('a 429 with retry-after is retried, and the user sees only the answer', async () => {
    const h = await start({ maxRetries: 2 });
    fake.queue.push({ status: 429, headers: { 'retry-after': '0' } });
    await h.say('c1', 'hi');
    await waitFor(() => h.chat.sent.length === 1, 'answer');
    expect(h.chat.textsTo('c1')).toEqual(['echo: [Ann] hi']);
    expect(fake.requests.length).toBe(2);
    expect(await h.daemon.metrics.getSingleMetricAsString('switchboard_openai_retries_total')).toContain(
      'switchboard_openai_retries_total 1',
    );
  });

  it('5xx until retries run out: one short apology, then the session answers again', async () => {
    const h = await start({ maxRetries: 1 });
    fake.queue.push({ status: 503 }, { status: 500 });
    await h.say('c1', 'hi');
    await waitFor(() => h.chat.sent.length === 1, 'apology');
    expect(h.chat.textsTo('c1')).toEqual([notices.apology]);
    expect(fake.requests.length).toBe(2);
    // The error is logged with the turn it ended, and the session it belongs to.
    const failed = logLines.find((line) => line.msg === 'agent failed');
    expect(failed).toMatchObject({ level: 50, channel: 'chat' });
    expect(String(failed!.turnId)).toMatch(/^t-/);
    expect(String(failed!.sessionKey)).toContain('c1');
    await answersAgain(h);
  });

  it('a 400 is not retried', async () => {
    const h = await start({ maxRetries: 3 });
    fake.queue.push({ status: 400, message: 'bad model' });
    await h.say('c1', 'hi');
    await waitFor(() => h.chat.sent.length === 1, 'apology');
    expect(h.chat.textsTo('c1')).toEqual([notices.apology]);
    expect(fake.requests.length).toBe(1);
  });

  it('a silent server times out (requestTimeoutMs), is retried, then the user gets an apology', async () => {
    const h = await start({ requestTimeoutMs: 300, maxRetries: 1 });
    fake.queue.push({ hang: true }, { stall: 'half an ans' });
    await h.say('c1', 'hi');
    await waitFor(() => h.chat.sent.length === 1, 'apology');
    expect(h.chat.textsTo('c1')).toEqual([notices.apology]);
    // The fake sees the second socket close just after the client gave up on it.
    await waitFor(() => fake.requests.length === 2 && fake.requests.every((r) => r.aborted), 'both requests aborted');
    await answersAgain(h);
  });

  it('the turn timeout aborts the streaming request and the user is told', async () => {
    const h = await start({}, { turnTimeoutMs: 400 });
    fake.queue.push({ stall: 'thinking' });
    await h.say('c1', 'hard question');
    await waitFor(() => fake.requests[0]?.aborted, 'the fake sees the request closed');
    await waitFor(() => h.chat.sent.length === 1, 'timeout notice');
    expect(h.chat.textsTo('c1')).toEqual([notices.timeout(400)]);
  });
});
