import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import slackPlugin, { type SlackConfig } from '../../../plugins/slack/index.js';
import type { Inbound } from '../../../src/core/types.js';
import type { ChannelInstance, EmitResult, PluginContext } from '../../../src/plugins/api.js';
import type { Store } from '../../../src/store/types.js';
import { FakeSlack, world } from '../../fakes/slack/server.js';
import { waitFor } from '../../support/wait.js';

/**
 * The acknowledgement contract, with the channel instance alone (no daemon) and an `emit` the test
 * resolves by hand: an envelope is acknowledged only after `emit` resolved, never when the gateway
 * is closed or the journal failed (Slack then redelivers, and the redelivery is emitted again).
 */

interface PendingEmit {
  inbound: Inbound;
  resolve: (result: EmitResult) => void;
  reject: (error: Error) => void;
}

let fake: FakeSlack | undefined;
let channel: ChannelInstance | undefined;

afterEach(async () => {
  await channel?.stop();
  channel = undefined;
  await fake?.close();
  fake = undefined;
});

async function start() {
  // Slack redelivers an unacknowledged envelope; here after 300 ms, so a withheld ack shows quickly.
  fake = await FakeSlack.start({ redeliverAfterMs: 300 });
  const emits: PendingEmit[] = [];
  const config: SlackConfig = {
    botToken: 'xoxb-fake',
    appToken: 'xapp-fake',
    signingSecret: '',
    mode: 'socket',
    host: '127.0.0.1',
    port: 0,
    apiUrl: fake.apiUrl,
    allowFrom: ['*'],
    channels: ['*'],
    requireMention: true,
    allowBots: false,
    editedMessages: false,
    replyInThread: true,
    workingReaction: 'eyes',
    resolveUserNames: true,
    minSendIntervalMs: 0,
    serverPingTimeoutMs: 30_000,
  };
  const context: PluginContext<SlackConfig> = {
    name: 'slack',
    config,
    log: pino({ level: 'silent' }),
    metrics: new Registry(),
    store: {} as Store,
    gateway: { channel: () => undefined, channelNames: () => [] },
    emit: (inbound) => new Promise<EmitResult>((resolve, reject) => emits.push({ inbound, resolve, reject })),
    onStop: () => undefined,
    setInterval: () => undefined,
    signal: new AbortController().signal,
  };
  channel = slackPlugin.create(context);
  await channel.start(new AbortController().signal);
  return { fake, emits };
}

describe('slack acknowledgements', () => {
  it('acknowledges an envelope only after emit resolved', async () => {
    const { fake, emits } = await start();
    const { ts, envelopes } = fake.userMessage({ channel: world.dm, channelType: 'im', text: 'journal me first' });
    const first = envelopes[0]!;
    await waitFor(() => emits.length === 1, 'emit called');
    // While emit is pending the envelope stays unacknowledged, so Slack (the fake) redelivers it.
    await waitFor(() => fake.socket.sent.length === 2, 'redelivery of the unacknowledged envelope');
    expect(fake.socket.acked(first.envelopeId)).toBe(false);
    expect(fake.socket.sent[1]!.retryAttempt).toBe(1);
    emits[0]!.resolve({ status: 'accepted', seq: 1 });
    await waitFor(() => fake.socket.sent.every((e) => fake.socket.acked(e.envelopeId)), 'both deliveries acknowledged');
    // The redelivery joined the pending emit instead of emitting the message a second time.
    expect(emits).toHaveLength(1);
    expect(emits[0]!.inbound).toMatchObject({ id: `${world.dm}:${ts}`, text: 'journal me first' });
  });

  it('does not acknowledge when the gateway is closed, and emits the redelivery', async () => {
    const { fake, emits } = await start();
    const { envelopes } = fake.userMessage({ channel: world.dm, channelType: 'im', text: 'while closing' });
    await waitFor(() => emits.length === 1, 'first emit');
    emits[0]!.resolve({ status: 'closed' });
    await waitFor(() => emits.length === 2, 'redelivery emitted again');
    expect(fake.socket.acked(envelopes[0]!.envelopeId)).toBe(false);
    emits[1]!.resolve({ status: 'accepted', seq: 1 });
    await waitFor(() => fake.socket.acked(fake.socket.sent[1]!.envelopeId), 'redelivery acknowledged');
    expect(fake.socket.acked(envelopes[0]!.envelopeId)).toBe(false);
  });

  it('does not acknowledge when journaling fails', async () => {
    const { fake, emits } = await start();
    const { envelopes } = fake.userMessage({ channel: world.dm, channelType: 'im', text: 'disk full' });
    await waitFor(() => emits.length === 1, 'first emit');
    emits[0]!.reject(new Error('disk full'));
    await waitFor(() => emits.length === 2, 'redelivery emitted again');
    emits[1]!.resolve({ status: 'duplicate' });
    await waitFor(() => fake.socket.acked(fake.socket.sent[1]!.envelopeId), 'redelivery acknowledged');
    expect(fake.socket.acked(envelopes[0]!.envelopeId)).toBe(false);
  });

  it('removes the working reaction when the turn signal aborts', async () => {
    const { fake } = await start();
    const ts = fake.nextTs();
    const turn = new AbortController();
    channel!.indicateWorking!({
      target: { channel: 'slack', chatId: world.channels.general, threadId: ts },
      turnId: 't1',
      triggerId: `${world.channels.general}:${ts}`,
      signal: turn.signal,
    });
    await waitFor(() => fake.reactionCalls.length === 1, 'reaction added');
    expect(fake.reactionCalls[0]).toEqual({ method: 'add', channel: world.channels.general, timestamp: ts, name: 'eyes' });
    turn.abort();
    await waitFor(() => fake.reactionCalls.length === 2, 'reaction removed');
    expect(fake.reactionCalls[1]).toEqual({ method: 'remove', channel: world.channels.general, timestamp: ts, name: 'eyes' });
  });
});
