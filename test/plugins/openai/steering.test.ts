import { afterEach, describe, expect, it } from 'vitest';
import type { AnyPluginDefinition } from '../../../src/plugins/api.js';
import openaiPlugin from '../../../plugins/openai/index.js';
import { type FakeChatRequest, type FakeReply, FakeOpenAI } from '../../fakes/openai/server.js';
import { type ChatDaemon, startChatDaemon } from '../../fixtures/agents/chat-daemon.js';
import { waitFor } from '../../support/wait.js';

let fake: FakeOpenAI;
let harness: ChatDaemon | undefined;

afterEach(async () => {
  await harness?.stop();
  harness = undefined;
  await fake?.close();
});

async function start(): Promise<ChatDaemon> {
  fake = await new FakeOpenAI().start();
  harness = await startChatDaemon({
    agentName: 'openai',
    agent: openaiPlugin as unknown as AnyPluginDefinition,
    agentConfig: { apiKey: 'sk-test', baseUrl: fake.url, model: 'fake-model' },
    gateway: { queueMode: 'steer' },
  });
  return harness;
}

const transcript = (request: FakeChatRequest) =>
  request.messages
    .filter((m) => m.role !== 'system')
    .map((m) => `${m.role}: ${m.content ?? ''}${m.tool_calls ? ` [calls ${m.tool_calls.map((c) => c.function.name).join()}]` : ''}`);

const bob = { sender: { id: 'bob', name: 'Bob', isBot: false } };

/** The first request's reply waits until `release()`: the test sends steering input meanwhile. */
function holdFirst(first: FakeReply, then: (request: FakeChatRequest) => FakeReply) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  fake.handler = async (request, index) => {
    if (index > 0) return then(request);
    await gate;
    return first;
  };
  return () => release();
}

describe('openai agent: steering (queueMode steer)', () => {
  it('a message arriving during a tool round joins the conversation after it, with its sender', async () => {
    const h = await start();
    const release = holdFirst({ toolCalls: [{ name: 'message', arguments: { text: 'Looking it up...' } }] }, () => ({
      text: 'Paris: sunny. London: rainy.',
    }));
    await h.say('c1', 'Weather in Paris?');
    await waitFor(() => fake.requests.length === 1, 'first model call');
    await h.say('c1', 'and London?', bob);
    release();
    await waitFor(() => h.chat.sent.length === 2, 'interim and final');
    expect(h.chat.textsTo('c1')).toEqual(['Looking it up...', 'Paris: sunny. London: rainy.']);
    expect(fake.requests.length).toBe(2);
    expect(transcript(fake.requests[1]!.body)).toEqual([
      'user: [Ann] Weather in Paris?',
      'assistant:  [calls message]',
      'tool: sent to the current chat: it is delivered, do not repeat it',
      'user: [Bob] and London?',
    ]);
    await waitFor(() => h.daemon.gateway.scheduler.turnsRunning === 0, 'turn end');

    // The steering message is in the session's history like any other.
    await h.say('c1', 'thanks');
    await waitFor(() => fake.requests.length === 3 && h.chat.sent.length === 3, 'third answer');
    expect(transcript(fake.requests[2]!.body)).toEqual([
      'user: [Ann] Weather in Paris?',
      'assistant: Looking it up...',
      'user: [Bob] and London?',
      'assistant: Paris: sunny. London: rainy.',
      'user: [Ann] thanks',
    ]);
  });

  it('an answer written before new input arrived is superseded: not sent, shown to the model, counted', async () => {
    const h = await start();
    const release = holdFirst({ text: 'A poem about cats.' }, () => ({ text: 'A poem about dogs.' }));
    await h.say('c1', 'Write a poem about cats');
    await waitFor(() => fake.requests.length === 1, 'first model call');
    await h.say('c1', 'actually, make it dogs', bob);
    release();
    await waitFor(() => h.chat.sent.length === 1, 'final answer');
    await waitFor(() => h.daemon.gateway.scheduler.turnsRunning === 0, 'turn end');
    expect(h.chat.textsTo('c1')).toEqual(['A poem about dogs.']);
    const second = transcript(fake.requests[1]!.body);
    expect(second).toEqual([
      'user: [Ann] Write a poem about cats',
      expect.stringMatching(/^assistant: A poem about cats\.\n\(not delivered/),
      'user: [Bob] actually, make it dogs',
    ]);
    expect(await h.daemon.metrics.getSingleMetricAsString('switchboard_openai_superseded_answers_total')).toContain(
      'switchboard_openai_superseded_answers_total 1',
    );
  });

  it('in queue mode the second message waits for its own turn', async () => {
    fake = await new FakeOpenAI().start();
    harness = await startChatDaemon({
      agentName: 'openai',
      agent: openaiPlugin as unknown as AnyPluginDefinition,
      agentConfig: { apiKey: 'sk-test', baseUrl: fake.url, model: 'fake-model' },
    });
    const h = harness;
    const release = holdFirst({ text: 'first answer' }, (request) => ({ text: `answer ${request.messages.length}` }));
    await h.say('c1', 'one');
    await waitFor(() => fake.requests.length === 1, 'first model call');
    await h.say('c1', 'two');
    release();
    await waitFor(() => h.chat.sent.length === 2, 'two answers');
    expect(h.chat.textsTo('c1')[0]).toBe('first answer');
    expect(transcript(fake.requests[1]!.body)).toEqual(['user: [Ann] one', 'assistant: first answer', 'user: [Ann] two']);
  });
});
