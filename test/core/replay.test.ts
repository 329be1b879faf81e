import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createCoreMetrics } from '../../src/admin/metrics.js';
import { Gateway } from '../../src/core/gateway.js';
import type { QueueMode } from '../../src/core/session.js';
import type { Turn } from '../../src/core/turn.js';
import type { AgentInstance } from '../../src/plugins/api.js';
import { createMemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/types.js';
import { recordingChannel } from '../support/recording-channel.js';
import { waitFor } from '../support/wait.js';
import { inbound } from './gateway-harness.js';

const gateways: Gateway[] = [];
afterEach(() => {
  for (const gateway of gateways.splice(0)) {
    gateway.scheduler.close();
    gateway.dispatcher.close();
  }
});

function gatewayOn(store: Store, agent: AgentInstance, channel = recordingChannel(), queueMode: QueueMode = 'queue') {
  const gateway = new Gateway({
    settings: {
      sessionScope: 'thread',
      queueMode,
      maxParallelTurns: 4,
      maxQueuedPerSession: 100,
      sessionIdleMs: 60_000,
      turnTimeoutMs: 60_000,
      workingIndicatorDelayMs: 0,
      finalReplyDedupe: 'text',
      busyReply: 'busy',
    },
    store,
    metrics: createCoreMetrics(new Registry()),
    log: pino({ level: 'silent' }),
    agent: () => agent,
    channel: () => channel,
    sessionScopeOf: () => undefined,
  });
  gateways.push(gateway);
  return { gateway, channel };
}

describe('replay after a crash (invariant 9)', () => {
  it('replays unfinished messages in per-session order and does not resend what the round already sent', async () => {
    const store = createMemoryStore();
    // First run: the agent sends an interim message, then the process "dies" mid-turn.
    const first = gatewayOn(store, {
      kind: 'agent',
      run: async (turn: Turn) => {
        await turn.send(undefined, 'working on it...');
        await new Promise(() => {}); // never finishes: the crash happens here
      },
    });
    await first.gateway.emit(inbound('c', 'one'));
    await first.gateway.emit(inbound('c', 'two'));
    await waitFor(() => first.channel.sent.length === 1, 'interim sent');
    first.gateway.close();

    // Second run over the same store: the replayed round repeats the interim, then answers.
    const seen: string[] = [];
    const second = gatewayOn(store, {
      kind: 'agent',
      run: async (turn: Turn) => {
        const text = turn.messages[0]!.text;
        seen.push(text);
        await turn.send(undefined, 'working on it...');
        await turn.reply(`answer to ${text}`);
      },
    });
    expect(await second.gateway.recover()).toEqual({ replayed: 2, resent: 0 });
    await waitFor(() => second.channel.sent.length === 3, 'replayed answers');
    expect(seen).toEqual(['one', 'two']);
    // 'working on it...' of the first round was already delivered before the crash: not again.
    expect(second.channel.textsTo('c')).toEqual(['answer to one', 'working on it...', 'answer to two']);
    expect(await store.inbox.unfinished()).toEqual([]);
  });

  it('a replayed round does not answer a target twice, though the agent answers differently the second time', async () => {
    const store = createMemoryStore();
    // First run: the final answer goes out, then the process dies before the turn is recorded done.
    const first = gatewayOn(store, {
      kind: 'agent',
      run: async (turn: Turn) => {
        await turn.reply('answer A');
        await new Promise(() => {}); // the crash happens after the answer, before the turn ends
      },
    });
    await first.gateway.emit(inbound('c', 'question'));
    await waitFor(() => first.channel.sent.length === 1, 'first answer sent');
    first.gateway.close();

    const second = gatewayOn(store, {
      kind: 'agent',
      run: async (turn: Turn) => {
        const outcome = await turn.reply('answer B'); // a model rarely answers the same twice
        if (outcome.status === 'sent') throw new Error('answered twice');
      },
    });
    expect(await second.gateway.recover()).toMatchObject({ replayed: 1 });
    await waitFor(async () => (await store.inbox.unfinished()).length === 0, 'replayed turn done');
    expect(first.channel.textsTo('c')).toEqual(['answer A']);
    expect(second.channel.sent).toEqual([]);
  });

  it('a replayed round still sends the final answers its crashed run had not sent yet', async () => {
    const store = createMemoryStore();
    // First run: an interim message and the first of two answers (collect mode: one per message).
    const first = gatewayOn(store, {
      kind: 'agent',
      run: async (turn: Turn) => {
        await turn.send(undefined, 'looking...');
        await turn.reply(`re: ${turn.messages[0]!.text}`);
        await new Promise(() => {});
      },
    }, recordingChannel(), 'collect');
    await first.gateway.emit(inbound('c', 'one'));
    await waitFor(() => first.channel.sent.length === 2, 'interim and first answer');
    first.gateway.close();

    const second = gatewayOn(store, {
      kind: 'agent',
      run: async (turn: Turn) => {
        await turn.send(undefined, 'looking...');
        await turn.reply('re: one (again, worded differently)');
        await turn.reply('and a second answer');
      },
    }, recordingChannel(), 'collect');
    await second.gateway.recover();
    await waitFor(() => second.channel.sent.length === 1, 'the answer not sent before the crash');
    expect(second.channel.textsTo('c')).toEqual(['and a second answer']);
  });

  it('resends outbox rows left pending by a crash, once, not before the retry time they recorded', async () => {
    const store = createMemoryStore();
    const failing = recordingChannel();
    const { TransientError } = await import('../../src/core/errors.js');
    for (let i = 0; i < 50; i++) failing.faults.push(new TransientError('429', { retryAfterMs: 1500 }));
    const first = gatewayOn(store, { kind: 'agent', run: async (turn) => void (await turn.reply('hello')) }, failing);
    await first.gateway.emit(inbound('c', 'hi'));
    await waitFor(
      async () => (await store.outbox.pending()).length === 1 && failing.faults.length === 49,
      'a failed attempt',
    );
    const retryAt = (await store.outbox.pending())[0]!.nextAttemptAt;
    first.gateway.close();
    first.gateway.dispatcher.close();
    const second = gatewayOn(store, { kind: 'agent', run: async (turn) => void (await turn.reply('hello')) });
    const recovered = await second.gateway.recover();
    expect(recovered.resent).toBe(1);
    // The platform's retry_after survives the restart: nothing is sent before it is over.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(second.channel.sent).toEqual([]);
    await waitFor(() => second.channel.sent.length >= 1, 'resent');
    expect(Date.now()).toBeGreaterThanOrEqual(retryAt - 5); // timers and the wall clock may differ by a ms
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(second.channel.textsTo('c')).toEqual(['hello']);
  });
});

describe('steering and /new', () => {
  it('steering input the agent never took is queued as the next turn, not lost', async () => {
    const turns: string[][] = [];
    let release!: () => void;
    const agent: AgentInstance = {
      kind: 'agent',
      acceptsSteering: true,
      run: async (turn) => {
        turns.push(turn.messages.map((m) => m.text));
        if (turns.length === 1) await new Promise<void>((resolve) => (release = resolve));
        await turn.reply(`done ${turns.length}`);
      },
    };
    const { gateway, channel } = gatewayOn(createMemoryStore(), agent, recordingChannel(), 'steer');
    await gateway.emit(inbound('c', 'first'));
    await waitFor(() => turns.length === 1, 'first turn');
    await gateway.emit(inbound('c', 'during')); // handed to the running turn, which never drains it
    release();
    await waitFor(() => channel.sent.length === 2, 'two answers');
    expect(turns).toEqual([['first'], ['during']]);
  });

  it('/new resets the session history and answers', async () => {
    const store = createMemoryStore();
    const { gateway, channel } = gatewayOn(store, { kind: 'agent', run: async () => {} });
    await store.history.append('chat:c', [{ role: 'user', content: 'old', at: 1 }]);
    expect(await gateway.emit(inbound('c', '/new'))).toEqual({ status: 'control' });
    await waitFor(() => channel.sent.length === 1, 'answer');
    expect(await store.history.recent('chat:c', 10)).toEqual([]);
  });
});
