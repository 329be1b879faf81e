import { afterEach, describe, expect, it } from 'vitest';
import { controlReplies } from '../../../src/core/gateway.js';
import type { AnyPluginDefinition } from '../../../src/plugins/api.js';
import openaiPlugin from '../../../plugins/openai/index.js';
import { type FakeChatRequest, FakeOpenAI } from '../../fakes/openai/server.js';
import { type ChatDaemon, startChatDaemon } from '../../fixtures/agents/chat-daemon.js';
import { waitFor } from '../../support/wait.js';

let fake: FakeOpenAI;
let harness: ChatDaemon | undefined;

afterEach(async () => {
  await harness?.stop();
  harness = undefined;
  await fake?.close();
});

async function start(config: Record<string, unknown> = {}, gateway: Record<string, unknown> = {}): Promise<ChatDaemon> {
  fake = await new FakeOpenAI().start();
  harness = await startChatDaemon({
    agentName: 'openai',
    agent: openaiPlugin as unknown as AnyPluginDefinition,
    agentConfig: { apiKey: 'sk-test', baseUrl: fake.url, model: 'fake-model', systemPrompt: 'Be brief.', ...config },
    gateway,
  });
  return harness;
}

/** The messages of a request without the system prompt, as `role: content` lines. */
const transcript = (request: FakeChatRequest) =>
  request.messages.filter((m) => m.role !== 'system').map((m) => `${m.role}: ${m.content ?? ''}`);

describe('openai agent: answers and history', () => {
  it('streams the answer and sends it assembled, once, to the origin thread', async () => {
    const { chat, say } = await start({ temperature: 0.2, maxTokens: 100 });
    fake.queue.push({ text: 'Hello Ann, nice to meet you.', chunks: ['Hel', 'lo Ann', ', nice ', 'to meet', ' you.'] });
    await say('c1', 'hi there', { chat: { id: 'c1', type: 'group', threadId: '9' } });
    await waitFor(() => chat.sent.length === 1, 'reply');
    expect(chat.sent[0]!.text).toBe('Hello Ann, nice to meet you.');
    expect(chat.sent[0]!.target).toEqual({ channel: 'chat', chatId: 'c1', threadId: '9' });

    const request = fake.requests[0]!;
    expect(request.headers.authorization).toBe('Bearer sk-test');
    expect(request.body).toMatchObject({ model: 'fake-model', stream: true, temperature: 0.2, max_tokens: 100 });
    expect(request.body.messages[0]!.role).toBe('system');
    expect(request.body.messages[0]!.content).toContain('Be brief.');
    expect(transcript(request.body)).toEqual(['user: [Ann] hi there']);
    expect(request.body.tools?.map((tool) => tool.function.name)).toEqual(['message']);
  });

  it('works without streaming too', async () => {
    const { chat, say } = await start({ stream: false });
    await say('c1', 'ping');
    await waitFor(() => chat.sent.length === 1, 'reply');
    expect(chat.textsTo('c1')).toEqual(['echo: [Ann] ping']);
    expect(fake.requests[0]!.body.stream).toBeFalsy();
  });

  it('keeps history per session across turns, trims it, and /new starts over', async () => {
    const { chat, say } = await start({ historyMessages: 4 });
    for (const text of ['one', 'two', 'three', 'four']) {
      const before = chat.sent.length;
      await say('c1', text);
      await waitFor(() => chat.sent.length === before + 1, `answer to ${text}`);
    }
    // Another session does not see this one's history.
    await say('c2', 'elsewhere');
    await waitFor(() => chat.textsTo('c2').length === 1, 'answer in c2');

    expect(transcript(fake.requests[1]!.body)).toEqual(['user: [Ann] one', 'assistant: echo: [Ann] one', 'user: [Ann] two']);
    // historyMessages 4: the 4 latest entries before the new message; the oldest exchange is left out.
    expect(transcript(fake.requests[3]!.body)).toEqual([
      'user: [Ann] two',
      'assistant: echo: [Ann] two',
      'user: [Ann] three',
      'assistant: echo: [Ann] three',
      'user: [Ann] four',
    ]);
    expect(transcript(fake.requests[4]!.body)).toEqual(['user: [Ann] elsewhere']);

    await say('c1', '/new');
    await waitFor(() => chat.textsTo('c1').includes(controlReplies.newSession), '/new answered');
    await say('c1', 'fresh start');
    await waitFor(() => chat.textsTo('c1').includes('echo: [Ann] fresh start'), 'answer after /new');
    expect(transcript(fake.requests.at(-1)!.body)).toEqual(['user: [Ann] fresh start']);
  });

  it('parallel sessions call the model concurrently and each gets its own answer', async () => {
    const { chat, say } = await start();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    fake.handler = async (request) => {
      await gate;
      return { text: `answer to ${request.messages.at(-1)!.content}` };
    };
    await Promise.all(['a', 'b', 'c'].map((id) => say(id, `q-${id}`)));
    await waitFor(() => fake.inFlight === 3, 'three requests in flight');
    release();
    await waitFor(() => chat.sent.length === 3, 'three answers');
    expect(fake.maxInFlight).toBe(3);
    for (const id of ['a', 'b', 'c']) expect(chat.textsTo(id)).toEqual([`answer to [Ann] q-${id}`]);
  });
});

describe('openai agent: the message tool', () => {
  it('send to the origin, then the same final answer: the chat gets it once', async () => {
    const { chat, say, daemon } = await start();
    fake.queue.push(
      { toolCalls: [{ name: 'message', arguments: { text: 'The answer is 42.' } }] },
      { text: 'The answer is 42.' },
    );
    await say('c1', 'question', { chat: { id: 'c1', type: 'group', threadId: '5' } });
    await waitFor(() => fake.requests.length === 2 && fake.requests[1]!.completed, 'second model call');
    await waitFor(() => daemon.gateway.scheduler.turnsRunning === 0, 'turn end');
    expect(chat.sent.map((o) => [o.text, o.target.threadId])).toEqual([['The answer is 42.', '5']]);
    const toolResult = fake.requests[1]!.body.messages.find((m) => m.role === 'tool')!;
    expect(toolResult.content).toContain('sent to the current chat');
    const metrics = await daemon.metrics.getSingleMetricAsString('switchboard_dedupe_suppressions_total');
    expect(metrics).toContain('reason="same_text"} 1');
  });

  it('send to the origin, then NO_REPLY: one message', async () => {
    const { chat, say, daemon } = await start();
    fake.queue.push({ toolCalls: [{ name: 'message', arguments: { text: 'Done.' } }] }, { text: 'NO_REPLY' });
    await say('c1', 'do it');
    await waitFor(() => fake.requests.length === 2 && daemon.gateway.scheduler.turnsRunning === 0, 'turn end');
    expect(chat.textsTo('c1')).toEqual(['Done.']);
  });

  it('an interim message and a different final answer both arrive, in order', async () => {
    const { chat, say } = await start();
    fake.queue.push(
      { toolCalls: [{ name: 'message', arguments: { text: 'working on it...' } }] },
      { text: 'Here is the result.' },
    );
    await say('c1', 'long task');
    await waitFor(() => chat.sent.length === 2, 'two messages');
    expect(chat.textsTo('c1')).toEqual(['working on it...', 'Here is the result.']);
  });

  it('sends to another allowed chat and answers the origin', async () => {
    const { chat, other, say } = await start();
    fake.queue.push(
      { toolCalls: [{ name: 'message', arguments: { text: 'Deploy started', channel: 'other', chat_id: 'ops' } }] },
      { text: 'I told ops.' },
    );
    await say('c1', 'tell ops');
    await waitFor(() => chat.sent.length === 1, 'final answer');
    expect(other.sent.map((o) => [o.target, o.text])).toEqual([[{ channel: 'other', chatId: 'ops' }, 'Deploy started']]);
    expect(chat.textsTo('c1')).toEqual(['I told ops.']);
    expect(fake.requests[1]!.body.messages.find((m) => m.role === 'tool')!.content).toBe('sent to other:ops');
  });

  it('a refused target, a disabled channel and bad arguments are tool errors the model sees', async () => {
    const { chat, other, say } = await start();
    fake.queue.push(
      {
        toolCalls: [
          { name: 'message', arguments: { text: 'leak', channel: 'other', chat_id: 'forbidden' } },
          { name: 'message', arguments: { text: 'leak', channel: 'telegram', chat_id: '1' } },
          { name: 'message', arguments: '{"text": ' },
          { name: 'delete_everything', arguments: {} },
        ],
      },
      { text: 'I could not send those.' },
    );
    await say('c1', 'relay please');
    await waitFor(() => chat.sent.length === 1, 'final answer');
    expect(other.sent).toEqual([]);
    expect(chat.textsTo('c1')).toEqual(['I could not send those.']);
    const results = fake.requests[1]!.body.messages.filter((m) => m.role === 'tool').map((m) => m.content);
    expect(results[0]).toMatch(/^not sent: .*allowlist/);
    expect(results[1]).toMatch(/^not sent: channel "telegram" is not enabled/);
    expect(results[2]).toMatch(/^error: .*JSON/);
    expect(results[3]).toBe('error: there is no tool "delete_everything"');
  });

  it('after maxToolRounds the model is asked without tools and its answer is sent', async () => {
    const { chat, say } = await start({ maxToolRounds: 2 });
    fake.handler = (request, index) =>
      request.tools ? { toolCalls: [{ name: 'message', arguments: { text: `step ${index}` } }] } : { text: 'final' };
    await say('c1', 'loop');
    await waitFor(() => chat.textsTo('c1').includes('final'), 'final answer');
    expect(fake.requests.length).toBe(3);
    expect(fake.requests[2]!.body.tools).toBeUndefined();
    expect(chat.textsTo('c1')).toEqual(['step 0', 'step 1', 'final']);
  });
});
