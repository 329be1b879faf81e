import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { controlReplies } from '../../src/core/gateway.js';
import { NO_REPLY, type Turn } from '../../src/core/turn.js';
import { notices } from '../../src/core/turn-runner.js';
import type { AgentInstance } from '../../src/plugins/api.js';
import { waitFor } from '../support/wait.js';
import { gatewayHarnessPerTest, inbound } from './gateway-harness.js';

const openHarness = gatewayHarnessPerTest();

const agentOf = (run: (turn: Turn) => Promise<void>, acceptsSteering = false): AgentInstance => ({
  kind: 'agent',
  acceptsSteering,
  run,
});

describe('routing', () => {
  it('100 sessions in parallel: every reply reaches its own chat, once, in order', async () => {
    const harness = openHarness(
      agentOf(async (turn) => {
        await sleep(Math.random() * 5);
        await turn.reply(`re: ${turn.messages[0]!.text}`);
      }),
      { maxParallelTurns: 16 },
    );
    const { gateway, chat } = harness;
    await Promise.all(
      Array.from({ length: 100 }, (_, c) =>
        (async () => {
          for (let m = 0; m < 3; m++) await gateway.emit(inbound(`c${c}`, `c${c} m${m}`));
        })(),
      ),
    );
    await waitFor(() => chat.sent.length === 300, '300 replies');
    for (let c = 0; c < 100; c++) expect(chat.textsTo(`c${c}`)).toEqual([0, 1, 2].map((m) => `re: c${c} m${m}`));
  });

  it('replies go to the origin thread, not the chat root', async () => {
    const harness = openHarness(agentOf(async (turn) => void (await turn.reply('in thread'))));
    await harness.gateway.emit(inbound('g', 'hi', { chat: { id: 'g', type: 'group', threadId: '7' } }));
    await waitFor(() => harness.chat.sent.length === 1, 'reply');
    expect(harness.chat.sent[0]!.target).toEqual({ channel: 'chat', chatId: 'g', threadId: '7' });
  });

  it('splits a long reply to the channel limit and sends the parts in order', async () => {
    const words = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
    const harness = openHarness(
      agentOf(async (turn) => void (await turn.reply(words))),
      {},
      { maxMessageLength: 100 },
    );
    await harness.gateway.emit(inbound('c', 'x'));
    await waitFor(
      () => harness.chat.sent.length > 0 && harness.chat.sent.at(-1)!.part === harness.chat.sent.at(-1)!.parts - 1,
      'all parts',
    );
    const parts = harness.chat.textsTo('c');
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(100);
    expect(parts.join(' ')).toBe(words);
  });
});

describe('per-round dedupe (invariant 7)', () => {
  it('message tool to origin, then the same final answer: one message', async () => {
    const harness = openHarness(
      agentOf(async (turn) => {
        expect(await turn.send(undefined, 'The answer is 42.')).toEqual({ status: 'sent', parts: 1 });
        expect(await turn.reply('The answer   is 42.')).toEqual({ status: 'suppressed', reason: 'same_text' });
      }),
    );
    await harness.gateway.emit(inbound('c', 'q'));
    await waitFor(() => harness.gateway.scheduler.turnsRunning === 0 && harness.chat.sent.length === 1, 'turn end');
    await sleep(20);
    expect(harness.chat.textsTo('c')).toEqual(['The answer is 42.']);
    expect(await harness.registry.getSingleMetricAsString('switchboard_dedupe_suppressions_total')).toContain(
      'reason="same_text"} 1',
    );
  });

  it('an interim message with other text never swallows the final answer', async () => {
    const harness = openHarness(
      agentOf(async (turn) => {
        await turn.send(undefined, 'working on it...');
        await turn.reply('Here is the result.');
      }),
    );
    await harness.gateway.emit(inbound('c', 'q'));
    await waitFor(() => harness.chat.sent.length === 2, 'two messages');
    expect(harness.chat.textsTo('c')).toEqual(['working on it...', 'Here is the result.']);
  });

  it('NO_REPLY and empty finals send nothing more', async () => {
    const harness = openHarness(
      agentOf(async (turn) => {
        await turn.send(undefined, 'done via tool');
        expect(await turn.reply(NO_REPLY)).toEqual({ status: 'suppressed', reason: 'no_reply' });
        expect(await turn.reply('  ')).toEqual({ status: 'suppressed', reason: 'empty' });
      }),
    );
    await harness.gateway.emit(inbound('c', 'q'));
    await waitFor(() => harness.gateway.scheduler.turnsRunning === 0 && harness.chat.sent.length === 1, 'turn end');
    await sleep(20);
    expect(harness.chat.textsTo('c')).toEqual(['done via tool']);
  });

  it('a send to another target, then the final: both chats get one message each', async () => {
    const harness = openHarness(
      agentOf(async (turn) => {
        await turn.send({ channel: 'other', chatId: 'ops' }, 'FYI');
        await turn.reply('FYI');
      }),
    );
    await harness.gateway.emit(inbound('c', 'q'));
    await waitFor(() => harness.chat.sent.length === 1 && harness.other.sent.length === 1, 'both chats');
    expect(harness.other.textsTo('ops')).toEqual(['FYI']);
    expect(harness.chat.textsTo('c')).toEqual(['FYI']);
  });

  it('a target the channel does not allow is refused, and the agent is told why', async () => {
    let outcome: unknown;
    const harness = openHarness(
      agentOf(async (turn) => {
        outcome = await turn.send({ channel: 'other', chatId: 'forbidden' }, 'leak');
        await turn.reply('ok');
      }),
    );
    await harness.gateway.emit(inbound('c', 'q'));
    await waitFor(() => harness.chat.sent.length === 1, 'final');
    expect(outcome).toMatchObject({ status: 'refused' });
    expect(harness.other.sent).toEqual([]);
  });

  it('finalReplyDedupe: target suppresses the final to a target that got anything in the round', async () => {
    const harness = openHarness(
      agentOf(async (turn) => {
        await turn.send(undefined, 'working on it...');
        expect(await turn.reply('Here is the result.')).toEqual({
          status: 'suppressed',
          reason: 'target_already_sent',
        });
      }),
      { finalReplyDedupe: 'target' },
    );
    await harness.gateway.emit(inbound('c', 'q'));
    await waitFor(() => harness.gateway.scheduler.turnsRunning === 0 && harness.chat.sent.length === 1, 'turn end');
    await sleep(20);
    expect(harness.chat.textsTo('c')).toEqual(['working on it...']);
  });

  it('a new round (steering input taken) starts a fresh record', async () => {
    const harness = openHarness(
      agentOf(async (turn) => {
        await turn.reply('same');
        await turn.steeringAvailable();
        expect(turn.drainSteering().map((m) => m.text)).toEqual(['more']);
        expect(turn.round).toBe(1);
        await turn.reply('same');
      }, true),
      { queueMode: 'steer' },
    );
    await harness.gateway.emit(inbound('c', 'first'));
    await waitFor(() => harness.chat.sent.length === 1, 'first reply');
    await harness.gateway.emit(inbound('c', 'more'));
    await waitFor(() => harness.chat.sent.length === 2, 'second reply');
    expect(harness.chat.textsTo('c')).toEqual(['same', 'same']);
  });
});

describe('control commands and failures', () => {
  it('/stop aborts the running turn at once (the agent sees the signal), drops the queue and answers', async () => {
    let sawAbort = false;
    const harness = openHarness(
      agentOf(async (turn) => {
        await sleep(10_000, undefined, { signal: turn.signal }).catch(() => {
          sawAbort = true;
        });
      }),
    );
    const { gateway, chat } = harness;
    await gateway.emit(inbound('c', 'slow'));
    await gateway.emit(inbound('c', 'queued 1'));
    await gateway.emit(inbound('d', 'other session'));
    await waitFor(() => gateway.scheduler.turnsRunning === 2, 'two turns');
    expect(await gateway.emit(inbound('c', '/stop'))).toEqual({ status: 'control' });
    await waitFor(() => chat.textsTo('c').length === 1, '/stop answer');
    expect(chat.textsTo('c')).toEqual([controlReplies.stopped(1)]);
    await waitFor(() => sawAbort, 'the agent to observe the abort');
    expect(gateway.scheduler.turnsRunning).toBe(1); // session d untouched
    expect(chat.textsTo('d')).toEqual([]);
  });

  it('/stop on an idle session answers that nothing runs, and the session still works', async () => {
    const harness = openHarness(agentOf(async (turn) => void (await turn.reply('pong'))));
    await harness.gateway.emit(inbound('c', '/stop'));
    await waitFor(() => harness.chat.sent.length === 1, 'answer');
    await harness.gateway.emit(inbound('c', 'ping'));
    await waitFor(() => harness.chat.sent.length === 2, 'pong');
    expect(harness.chat.textsTo('c')).toEqual([controlReplies.nothing, 'pong']);
  });

  it('a hung agent is aborted after turnTimeoutMs, the chat is told, the session goes on', async () => {
    let calls = 0;
    const harness = openHarness(
      agentOf(async (turn) => {
        if (++calls === 1)
          await new Promise((_, reject) => turn.signal.addEventListener('abort', () => reject(turn.signal.reason)));
        else await turn.reply('second works');
      }),
      { turnTimeoutMs: 50 },
    );
    await harness.gateway.emit(inbound('c', 'hang'));
    await harness.gateway.emit(inbound('c', 'next'));
    await waitFor(() => harness.chat.sent.length === 2, 'timeout notice and next reply');
    expect(harness.chat.textsTo('c')).toEqual([notices.timeout(50), 'second works']);
    expect(await harness.registry.getSingleMetricAsString('switchboard_turns_aborted_total')).toContain(
      'reason="timeout"} 1',
    );
  });

  it('an agent error gives a short apology and does not block the session', async () => {
    let calls = 0;
    const harness = openHarness(
      agentOf(async (turn) => {
        if (++calls === 1) throw new Error('boom');
        await turn.reply('fine now');
      }),
    );
    await harness.gateway.emit(inbound('c', 'a'));
    await harness.gateway.emit(inbound('c', 'b'));
    await waitFor(() => harness.chat.sent.length === 2, 'apology and reply');
    expect(harness.chat.textsTo('c')).toEqual([notices.apology, 'fine now']);
  });

  it('a full backlog refuses with a busy reply, counted, nothing silently dropped', async () => {
    const harness = openHarness(
      agentOf(async (turn) => {
        await sleep(50);
        await turn.reply(`done ${turn.messages[0]!.text}`);
      }),
      { maxQueuedPerSession: 2 },
    );
    for (let i = 0; i < 5; i++) await harness.gateway.emit(inbound('c', String(i)));
    await waitFor(() => harness.chat.sent.length === 5, 'all answered');
    const texts = harness.chat.textsTo('c');
    expect(texts.filter((t) => t === 'Busy, try again later.')).toHaveLength(2);
    expect(texts.filter((t) => t.startsWith('done'))).toEqual(['done 0', 'done 1', 'done 2']);
    expect(await harness.registry.getSingleMetricAsString('switchboard_refused_busy_total')).toContain('} 2');
  });

  it('a redelivered message (same channel and id) is handled once', async () => {
    const harness = openHarness(agentOf(async (turn) => void (await turn.reply('once'))));
    const message = inbound('c', 'hi');
    expect((await harness.gateway.emit(message)).status).toBe('accepted');
    expect(await harness.gateway.emit({ ...message })).toEqual({ status: 'duplicate' });
    await waitFor(() => harness.chat.sent.length === 1, 'reply');
    await sleep(20);
    expect(harness.chat.textsTo('c')).toEqual(['once']);
  });

  it('a transient send failure waits retry-after and the reply arrives once', async () => {
    const { TransientError } = await import('../../src/core/errors.js');
    const harness = openHarness(agentOf(async (turn) => void (await turn.reply('after retry'))));
    harness.chat.faults.push(new TransientError('429', { retryAfterMs: 30 }));
    const began = Date.now();
    await harness.gateway.emit(inbound('c', 'hi'));
    await waitFor(() => harness.chat.sent.length === 1, 'reply');
    expect(Date.now() - began).toBeGreaterThanOrEqual(25);
    await sleep(50);
    expect(harness.chat.textsTo('c')).toEqual(['after retry']);
  });
});
