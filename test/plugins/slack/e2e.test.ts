import { afterEach, describe, expect, it } from 'vitest';
import slackPlugin from '../../../plugins/slack/index.js';
import type { Daemon } from '../../../src/daemon.js';
import { type AnyPluginDefinition, definePlugin } from '../../../src/plugins/api.js';
import { FakeSlack, world } from '../../fakes/slack/server.js';
import { startTestDaemon } from '../../support/daemon.js';
import { waitFor } from '../../support/wait.js';

/**
 * End to end in Socket Mode: the real daemon (echo agent) + the Slack plugin on the real Bolt app,
 * talking to a fake Slack (Web API over HTTP + Socket Mode WebSocket) on 127.0.0.1.
 */

let fake: FakeSlack | undefined;
let daemon: Daemon | undefined;

afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  await fake?.close();
  fake = undefined;
});

async function startDaemon(slack: Record<string, unknown>, echo: Record<string, unknown>) {
  fake = await FakeSlack.start();
  daemon = await startTestDaemon({
    plugins: { slack: slackPlugin as unknown as AnyPluginDefinition },
    config: {
      plugins: {
        echo: { enabled: true, delayMs: 0, ...echo },
        slack: {
          enabled: true,
          botToken: 'xoxb-fake',
          appToken: 'xapp-fake',
          apiUrl: fake.apiUrl,
          allowFrom: ['*'],
          minSendIntervalMs: 0,
          ...slack,
        },
      },
    },
  });
  return { fake, daemon };
}

async function start(slack: Record<string, unknown> = {}, echo: Record<string, unknown> = {}) {
  const { fake, daemon } = await startDaemon(slack, echo);
  await waitFor(() => daemon!.status().plugins.find((p) => p.name === 'slack')?.state === 'running', 'slack running', 20_000);
  return { fake, daemon };
}

async function metricSum(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = daemon!.metrics.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((value) => Object.entries(labels).every(([key, want]) => String(value.labels[key]) === want))
    .reduce((sum, value) => sum + value.value, 0);
}

const mention = (text: string) => `<@${world.botUserId}> ${text}`;

describe('slack channel end to end (Socket Mode)', () => {
  it('answers a channel mention in a thread under it, once, although Slack sends message + app_mention', async () => {
    const { fake } = await start();
    const { ts, envelopes } = fake.userMessage({ channel: world.channels.general, text: `<@${world.botUserId}> hello there`, mention: true });
    await waitFor(() => fake.posted.length === 1, 'reply');
    expect(fake.posted[0]).toMatchObject({ channel: world.channels.general, threadTs: ts, text: 'echo: hello there' });
    await waitFor(() => envelopes.every((e) => fake.socket.acked(e.envelopeId)), 'both envelopes acknowledged');
    expect(fake.posted).toHaveLength(1);
    expect(fake.unknownMethods).toEqual([]);
  });

  it('replies inside the thread a message came from, never in the channel root', async () => {
    const { fake } = await start();
    const root = fake.nextTs();
    fake.userMessage({ channel: world.channels.general, text: mention('in a thread'), mention: true, threadTs: root });
    await waitFor(() => fake.posted.length === 1, 'thread reply');
    expect(fake.postedIn(world.channels.general, root).map((m) => m.text)).toEqual(['echo: in a thread']);
    expect(fake.postedIn(world.channels.general, null)).toEqual([]);
  });

  it('keeps a conversation in the thread it started: a follow-up mention there is answered in the same thread', async () => {
    const { fake } = await start({ requireMention: true });
    const { ts } = fake.userMessage({ channel: world.channels.general, text: mention('first'), mention: true });
    await waitFor(() => fake.posted.length === 1, 'first reply');
    fake.userMessage({ channel: world.channels.general, text: mention('second'), mention: true, threadTs: ts });
    await waitFor(() => fake.posted.length === 2, 'second reply');
    expect(fake.postedIn(world.channels.general, ts).map((m) => m.text)).toEqual(['echo: first', 'echo: second']);
  });

  it('answers a DM without a mention, in the DM itself (no thread)', async () => {
    const { fake } = await start();
    fake.userMessage({ channel: world.dm, channelType: 'im', text: 'hi in private' });
    await waitFor(() => fake.posted.length === 1, 'DM reply');
    expect(fake.posted[0]).toMatchObject({ channel: world.dm, text: 'echo: hi in private' });
    expect(fake.posted[0]!.threadTs).toBeUndefined();
  });

  it('ignores (but acknowledges) an unmentioned channel message, a bot message and an edit', async () => {
    const { fake } = await start();
    const ignored = [
      fake.userMessage({ channel: world.channels.random, text: 'just chatting' }),
      fake.userMessage({ channel: world.channels.random, text: 'beep', botId: 'B0OTHER', subtype: 'bot_message' }),
      fake.userMessage({ channel: world.channels.random, text: mention('edited'), subtype: 'message_changed' }),
    ];
    fake.userMessage({ channel: world.channels.random, text: mention('now you'), mention: true });
    await waitFor(() => fake.posted.length === 1, 'reply to the mention');
    await waitFor(
      () => ignored.every(({ envelopes }) => envelopes.every((e) => fake.socket.acked(e.envelopeId))),
      'ignored envelopes acknowledged',
    );
    expect(fake.posted.map((m) => m.text)).toEqual(['echo: now you']);
    expect(await metricSum('switchboard_inbound_messages_total', { channel: 'slack' })).toBe(1);
  });

  it('answers unmentioned channel messages when requireMention is false', async () => {
    const { fake } = await start({ requireMention: false });
    fake.userMessage({ channel: world.channels.random, text: 'no mention needed' });
    await waitFor(() => fake.posted.length === 1, 'reply');
    expect(fake.posted[0]!.text).toBe('echo: no mention needed');
  });

  it('refuses senders not on allowFrom and channels not on the channel list', async () => {
    const { fake } = await start({ allowFrom: [world.bob], channels: [world.channels.general] });
    fake.userMessage({ channel: world.channels.general, text: mention('from alice'), mention: true });
    fake.userMessage({ channel: world.channels.random, text: mention('bob elsewhere'), user: world.bob, mention: true });
    fake.userMessage({ channel: world.channels.general, text: mention('from bob'), user: world.bob, mention: true });
    await waitFor(() => fake.posted.length === 1, 'reply to bob');
    await waitFor(() => fake.socket.sent.every((e) => fake.socket.acked(e.envelopeId)), 'all acknowledged');
    expect(fake.posted.map((m) => m.text)).toEqual(['echo: from bob']);
  });

  it('handles a redelivered envelope (Slack retry) once', async () => {
    const { fake } = await start();
    const { envelopes } = fake.userMessage({ channel: world.channels.general, text: mention('only once'), mention: true });
    await waitFor(() => fake.posted.length === 1, 'reply');
    const retries = envelopes.map((e) => fake.socket.redeliver(e));
    await waitFor(() => retries.every((e) => fake.socket.acked(e.envelopeId)), 'retries acknowledged');
    expect(fake.posted.map((m) => m.text)).toEqual(['echo: only once']);
    expect(await metricSum('switchboard_slack_redeliveries_total')).toBe(2);
  });

  it('renders Markdown as mrkdwn and escapes &, <, >', async () => {
    const { fake } = await start();
    // Slack escapes what users type; the plugin unescapes it for the agent and escapes it again on the way out.
    fake.userMessage({ channel: world.dm, channelType: 'im', text: 'say **bold** _it_ [docs](https://example.com) a &lt; b &amp;&amp; c &gt; d' });
    await waitFor(() => fake.posted.length === 1, 'reply');
    expect(fake.posted[0]!.text).toBe('echo: say *bold* _it_ <https://example.com|docs> a &lt; b &amp;&amp; c &gt; d');
  });

  it('splits a long reply into parts of at most 4000 characters, in order, in the thread', async () => {
    const { fake } = await start();
    const words = Array.from({ length: 1500 }, (_, i) => `w${i}`).join(' ');
    const { ts } = fake.userMessage({ channel: world.channels.general, text: mention(words), mention: true });
    await waitFor(() => fake.posted.some((m) => m.text.endsWith('w1499')), 'the last part');
    const parts = fake.postedIn(world.channels.general, ts).map((m) => m.text);
    expect(parts.length).toBe(fake.posted.length);
    expect(parts.length).toBeGreaterThanOrEqual(2);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(4000);
    expect(parts.join(' ').replace(/\s+/g, ' ')).toBe(`echo: ${words}`);
  });

  it('routes parallel conversations across channels and threads to their own thread', async () => {
    const { fake } = await start({}, { delayMs: 50 });
    const sent = [world.channels.general, world.channels.random, world.channels.ops].flatMap((channel) =>
      [1, 2].map((n) => {
        const text = `${channel} #${n}`;
        const { ts } = fake.userMessage({ channel, text: mention(text), mention: true });
        return { channel, ts, text };
      }),
    );
    await waitFor(() => fake.posted.length === sent.length, 'all replies');
    for (const { channel, ts, text } of sent) expect(fake.postedIn(channel, ts).map((m) => m.text)).toEqual([`echo: ${text}`]);
  });

  it('waits out a 429 Retry-After and delivers exactly once', async () => {
    const { fake } = await start();
    fake.failNextPosts(1, { status: 429, retryAfterSeconds: 1 });
    fake.userMessage({ channel: world.dm, channelType: 'im', text: 'rate me' });
    await waitFor(() => fake.posted.length === 1, 'delivery after the 429');
    expect(fake.postAttempts.map((a) => a.outcome)).toEqual(['http 429', 'ok']);
    expect(fake.posted.map((m) => m.text)).toEqual(['echo: rate me']);
    expect(await metricSum('switchboard_sends_retried_total', { channel: 'slack' })).toBe(1);
  });

  it('records channel_not_found as failed and does not retry it', async () => {
    const { fake } = await start();
    fake.failNextPosts(1, { error: 'channel_not_found' });
    fake.userMessage({ channel: world.channels.general, text: mention('gone'), mention: true });
    await waitFor(async () => (await metricSum('switchboard_sends_failed_total', { channel: 'slack' })) === 1, 'failed send recorded');
    // A later message still goes out, and the failed one was tried once only.
    fake.userMessage({ channel: world.dm, channelType: 'im', text: 'still here' });
    await waitFor(() => fake.posted.length === 1, 'next reply');
    expect(fake.postAttempts.map((a) => a.outcome)).toEqual(['channel_not_found', 'ok']);
    expect(await metricSum('switchboard_sends_retried_total', { channel: 'slack' })).toBe(0);
  });

  it('puts an eyes reaction on the trigger during a slow turn and removes it after', async () => {
    const { fake } = await start({ workingIndicatorDelayMs: 0 }, { delayMs: 400 });
    const { ts } = fake.userMessage({ channel: world.channels.general, text: mention('think'), mention: true });
    await waitFor(() => fake.reactionCalls.length === 1, 'reaction added');
    expect(fake.reactionCalls[0]).toEqual({ method: 'add', channel: world.channels.general, timestamp: ts, name: 'eyes' });
    await waitFor(() => fake.posted.length === 1, 'reply');
    // The reaction showed while the agent worked: it came before the reply.
    const methods = fake.calls.map((c) => c.method);
    expect(methods.indexOf('reactions.add')).toBeLessThan(methods.indexOf('chat.postMessage'));
    await waitFor(() => fake.reactionCalls.length === 2, 'reaction removed');
    expect(fake.reactionCalls[1]).toEqual({ method: 'remove', channel: world.channels.general, timestamp: ts, name: 'eyes' });
  });

  it('answers an edited message only with editedMessages, in the same thread, and acks the edit either way', async () => {
    for (const editedMessages of [false, true]) {
      const { fake: slack } = await start({ editedMessages });
      const original = { channel: world.channels.general, text: mention('tpyo'), mention: true };
      const { ts } = slack.userMessage(original);
      await waitFor(() => slack.posted.length === 1, 'reply to the original');
      const edit = slack.editUserMessage({ ...original, ts }, mention('typo fixed'));
      await waitFor(() => edit.envelopes.every((e) => slack.socket.acked(e.envelopeId)), 'edit acknowledged');
      if (editedMessages) {
        await waitFor(() => slack.posted.length === 2, 'reply to the edit');
        expect(slack.posted[1]).toMatchObject({ channel: world.channels.general, threadTs: ts, text: 'echo: typo fixed' });
      } else {
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(slack.posted).toHaveLength(1);
      }
      await daemon!.stop();
      daemon = undefined;
      await slack.close();
      fake = undefined;
    }
  });

  it('reconnects when Slack asks for a refresh and keeps answering', async () => {
    const { fake } = await start();
    fake.socket.requestRefresh();
    await waitFor(() => fake.socket.connections === 2 && fake.socket.open === 1, 'reconnected');
    fake.userMessage({ channel: world.dm, channelType: 'im', text: 'after refresh' });
    await waitFor(() => fake.posted.length === 1, 'reply after refresh');
    expect(fake.posted[0]!.text).toBe('echo: after refresh');
    expect(fake.calls.filter((c) => c.method === 'apps.connections.open').map((c) => c.token)).toEqual(['xapp-fake', 'xapp-fake']);
  });

  it('reports a rejected bot token as a failed start, without crashing the daemon', async () => {
    const { fake, daemon } = await startDaemon({ botToken: 'xoxp-not-a-bot-token' }, {});
    const status = await waitFor(() => {
      const slack = daemon.status().plugins.find((p) => p.name === 'slack');
      return slack && slack.state !== 'starting' ? slack : undefined;
    }, 'slack start outcome', 20_000);
    expect(status.state).toBe('failed');
    expect(status.reason).toMatch(/invalid_auth/);
    expect(fake.calls.some((c) => c.method === 'apps.connections.open')).toBe(false);
  });
});

/** An agent that answers with who wrote: the sender name the channel gave the message. */
const senderAgent = definePlugin<Record<string, never>, 'agent'>({
  name: 'sender',
  kind: 'agent',
  description: 'Replies with the sender name (test)',
  schema: {},
  create: () => ({
    kind: 'agent',
    async run(turn) {
      for (const message of turn.messages) await turn.reply(`${message.sender.name} said ${message.text}`);
    },
  }),
});

describe('slack sender names', () => {
  async function startWithSenderAgent(resolveUserNames: boolean) {
    fake = await FakeSlack.start();
    daemon = await startTestDaemon({
      plugins: { slack: slackPlugin as unknown as AnyPluginDefinition, sender: senderAgent as unknown as AnyPluginDefinition },
      config: {
        gateway: { agent: 'sender' },
        plugins: {
          sender: { enabled: true },
          slack: { enabled: true, botToken: 'xoxb-fake', appToken: 'xapp-fake', apiUrl: fake.apiUrl, allowFrom: ['*'], minSendIntervalMs: 0, resolveUserNames },
        },
      },
    });
    await waitFor(() => daemon!.status().plugins.find((p) => p.name === 'slack')?.state === 'running', 'slack running', 20_000);
    return fake;
  }

  it('gives the agent display names from users.info, one lookup per user', async () => {
    const fake = await startWithSenderAgent(true);
    fake.userMessage({ channel: world.dm, channelType: 'im', text: 'one' });
    fake.userMessage({ channel: world.dm, channelType: 'im', text: 'two', user: world.bob });
    fake.userMessage({ channel: world.dm, channelType: 'im', text: 'three' });
    await waitFor(() => fake.posted.length === 3, 'three replies');
    expect(fake.posted.map((m) => m.text).sort()).toEqual(['Bob Builder said two', 'alice.l said one', 'alice.l said three']);
    expect(fake.usersInfoCalls.sort()).toEqual([world.alice, world.bob]);
  });

  it('with resolveUserNames off, the agent sees user ids and users.info is never called', async () => {
    const fake = await startWithSenderAgent(false);
    fake.userMessage({ channel: world.dm, channelType: 'im', text: 'hi' });
    await waitFor(() => fake.posted.length === 1, 'reply');
    expect(fake.posted[0]!.text).toBe(`${world.alice} said hi`);
    expect(fake.usersInfoCalls).toEqual([]);
  });
});
