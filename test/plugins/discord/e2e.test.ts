import { afterEach, describe, expect, it } from 'vitest';
import discordPlugin from '../../../plugins/discord/index.js';
import type { Daemon } from '../../../src/daemon.js';
import type { AnyPluginDefinition, ChannelInstance } from '../../../src/plugins/api.js';
import { apiUser } from '../../fakes/discord/payloads.js';
import { FakeDiscord } from '../../fakes/discord/server.js';
import { startTestDaemon } from '../../support/daemon.js';
import { waitFor } from '../../support/wait.js';

/**
 * End to end: the real daemon (echo agent) + the Discord plugin on the real discord.js, talking to a
 * fake Discord (REST + gateway WebSocket) on 127.0.0.1.
 */

let fake: FakeDiscord | undefined;
let daemon: Daemon | undefined;

afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  await fake?.close();
  fake = undefined;
});

/** `prepare` may set up the fake before the daemon connects, and return more discord settings. */
async function start(
  discord: Record<string, unknown> = {},
  echo: Record<string, unknown> = {},
  prepare?: (fake: FakeDiscord) => Record<string, unknown>,
) {
  fake = await FakeDiscord.start();
  const prepared = prepare?.(fake) ?? {};
  daemon = await startTestDaemon({
    plugins: { discord: discordPlugin as unknown as AnyPluginDefinition },
    config: {
      plugins: {
        echo: { enabled: true, delayMs: 0, ...echo },
        discord: {
          enabled: true,
          token: 'fake-bot-token',
          apiBase: fake.apiBase,
          allowFrom: ['*'],
          ...discord,
          ...prepared,
        },
      },
    },
  });
  await waitFor(() => daemon!.status().plugins.find((p) => p.name === 'discord')?.state === 'running', 'discord running', 20_000);
  return { fake, daemon, world: fake.world };
}

async function metricSum(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = daemon!.metrics.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((value) => Object.entries(labels).every(([key, want]) => String(value.labels[key]) === want))
    .reduce((sum, value) => sum + value.value, 0);
}

describe('discord channel end to end', () => {
  it('connects to gatewayUrl instead of the URL GET /gateway/bot announces', async () => {
    // The fake announces a gateway nobody listens on; only the override reaches it.
    const dead = 'ws://127.0.0.1:9/gateway';
    const { fake, world } = await start({}, {}, (f) => {
      f.advertisedGatewayUrl = dead;
      return { gatewayUrl: f.gatewayUrl };
    });
    expect(fake.identifies).toHaveLength(1);
    fake.sendUserMessage({ channelId: world.channels.general, text: 'via the override', mention: true });
    await waitFor(() => fake.createdIn(world.channels.general).length === 1, 'reply');
  });

  it('answers a mention in a guild channel, as a reply, with a nonce and no pings allowed', async () => {
    const { fake, world } = await start();
    expect(fake.identifies[0]!.intents).toBe(1 | 512 | 4096 | 32768); // Guilds, GuildMessages, DirectMessages, MessageContent
    const trigger = fake.sendUserMessage({ channelId: world.channels.general, text: 'hello there', mention: true });
    const [reply] = await waitFor(() => {
      const created = fake.createdIn(world.channels.general);
      return created.length > 0 ? created : undefined;
    }, 'reply in #general');
    expect(reply!.body).toMatchObject({
      content: 'echo: hello there',
      enforce_nonce: true,
      allowed_mentions: { parse: [] },
      message_reference: { message_id: trigger },
    });
    expect(String(reply!.body.nonce).length).toBeLessThanOrEqual(25);
    expect(fake.created).toHaveLength(1);
    expect(fake.unknownRoutes).toEqual([]);
  });

  it('answers a DM in the DM channel, without a mention', async () => {
    const { fake } = await start();
    const dmChannel = '300000000000000001';
    fake.sendUserMessage({ channelId: dmChannel, text: 'hi in private', dm: true });
    await waitFor(() => fake.createdIn(dmChannel).length === 1, 'DM reply');
    expect(fake.createdIn(dmChannel)[0]!.body.content).toBe('echo: hi in private');
    expect(fake.created).toHaveLength(1);
  });

  it('replies in the thread a message came from, never in its parent channel', async () => {
    const { fake, world } = await start();
    fake.sendUserMessage({ channelId: world.threadId, text: 'in a thread', mention: true });
    await waitFor(() => fake.createdIn(world.threadId).length === 1, 'thread reply');
    expect(fake.createdIn(world.threadId)[0]!.body.content).toBe('echo: in a thread');
    expect(fake.createdIn(world.channels.general)).toEqual([]);
  });

  it('ignores a guild message that does not mention the bot, and answers a reply to the bot', async () => {
    const { fake, world } = await start();
    fake.sendUserMessage({ channelId: world.channels.random, text: 'just chatting' });
    fake.sendUserMessage({ channelId: world.channels.random, text: 'now you', mention: true });
    await waitFor(() => fake.createdIn(world.channels.random).length === 1, 'reply to the mention');
    const botMessage = fake.createdIn(world.channels.random)[0]!.id;
    fake.sendUserMessage({ channelId: world.channels.random, text: 'thanks', replyTo: botMessage });
    await waitFor(() => fake.createdIn(world.channels.random).length === 2, 'reply to the reply');
    // Messages of one channel are handled in gateway order, so "just chatting" was dropped before these.
    expect(fake.createdIn(world.channels.random).map((m) => m.body.content)).toEqual(['echo: now you', 'echo: thanks']);
  });

  it('refuses senders that are not on allowFrom', async () => {
    const { fake, world } = await start({ allowFrom: ['200000000000000009'] });
    fake.sendUserMessage({ channelId: world.channels.ops, text: 'from alice', mention: true });
    fake.sendUserMessage({
      channelId: world.channels.ops,
      text: 'from bob',
      mention: true,
      author: apiUser('200000000000000009', 'bob'),
    });
    await waitFor(() => fake.createdIn(world.channels.ops).length === 1, 'reply to bob');
    expect(fake.created.map((m) => m.body.content)).toEqual(['echo: from bob']);
    expect(await metricSum('switchboard_discord_inbound_total', { decision: 'sender' })).toBe(1);
  });

  it('delivers once after a 429 that discord.js waits out (short retry-after)', async () => {
    const { fake, world } = await start();
    fake.failNextMessages(1, { status: 429, retryAfterSeconds: 1 });
    fake.sendUserMessage({ channelId: world.channels.general, text: 'rate me', mention: true });
    await waitFor(() => fake.created.length === 1, 'delivery after the 429');
    expect(fake.messageAttempts.map((a) => a.status)).toEqual([429, 200]);
    expect(fake.created[0]!.body.content).toBe('echo: rate me');
    expect(await metricSum('switchboard_discord_rate_limited_total', { waitedBy: 'discordjs' })).toBe(1);
    expect(await metricSum('switchboard_sends_retried_total', { channel: 'discord' })).toBe(0);
  });

  it('hands a 429 longer than maxRateLimitWaitMs to the outbox, which retries it and delivers once', async () => {
    const { fake, world } = await start({ maxRateLimitWaitMs: 0 });
    fake.failNextMessages(2, { status: 429, retryAfterSeconds: 1 });
    fake.sendUserMessage({ channelId: world.channels.general, text: 'slow down', mention: true });
    await waitFor(() => fake.created.length === 1, 'delivery after two 429s', 20_000);
    expect(fake.messageAttempts.map((a) => a.status)).toEqual([429, 429, 200]);
    expect(await metricSum('switchboard_sends_retried_total', { channel: 'discord' })).toBe(2);
    expect(await metricSum('switchboard_discord_rate_limited_total', { waitedBy: 'outbox' })).toBe(2);
    // Counted once the outbox recorded the send, just after the platform answered.
    await waitFor(async () => (await metricSum('switchboard_replies_sent_total', { channel: 'discord' })) === 1, 'send recorded');
    // The three attempts carried the same nonce: had one been created, Discord would not create it again.
    expect(new Set(fake.messageAttempts.map((a) => a.body.nonce)).size).toBe(1);
  });

  it('retries a 500 through the outbox (discord.js does not retry it) and delivers once', async () => {
    const { fake, world } = await start();
    fake.failNextMessages(1, { status: 500 });
    fake.sendUserMessage({ channelId: world.channels.general, text: 'flaky server', mention: true });
    await waitFor(() => fake.created.length === 1, 'delivery after the 500');
    expect(fake.messageAttempts.map((a) => a.status)).toEqual([500, 200]);
    expect(await metricSum('switchboard_sends_retried_total', { channel: 'discord' })).toBe(1);
  });

  it('marks a 403 Missing Access failed without retrying, and keeps serving the channel', async () => {
    const { fake, world } = await start();
    fake.failNextMessages(1, { status: 403, code: 50001 });
    fake.sendUserMessage({ channelId: world.channels.ops, text: 'forbidden', mention: true });
    await waitFor(
      async () => (await metricSum('switchboard_sends_failed_total', { channel: 'discord', reason: 'permanent' })) === 1,
      'permanent failure recorded',
    );
    expect(fake.messageAttempts).toHaveLength(1);
    fake.sendUserMessage({ channelId: world.channels.ops, text: 'allowed again', mention: true });
    await waitFor(() => fake.created.length === 1, 'next reply');
    expect(fake.created[0]!.body.content).toBe('echo: allowed again');
    expect(fake.messageAttempts.map((a) => a.status)).toEqual([403, 200]);
    expect(await metricSum('switchboard_sends_retried_total', { channel: 'discord' })).toBe(0);
  });

  it('creates a message once when the same part is sent twice (nonce + enforce_nonce)', async () => {
    const { fake, world, daemon } = await start();
    const channel = daemon.plugin('discord') as ChannelInstance;
    const outbound = {
      target: { channel: 'discord', chatId: world.channels.general, threadId: world.threadId },
      text: 'only once',
      part: 0,
      parts: 1,
      turnId: 'turn-x',
      idempotencyKey: 'sb7',
    };
    const first = await channel.send(outbound);
    const second = await channel.send(outbound);
    expect(second.platformMessageId).toBe(first.platformMessageId);
    expect(fake.messageAttempts).toHaveLength(2);
    expect(fake.createdIn(world.threadId).map((m) => m.body.content)).toEqual(['only once']);
    // A different part (another outbox row) is a different message.
    await channel.send({ ...outbound, idempotencyKey: 'sb8' });
    expect(fake.createdIn(world.threadId)).toHaveLength(2);
  });

  it('shows typing during a slow turn, renewed, and stops when the turn ends', async () => {
    const { fake, world } = await start({ typingIntervalMs: 200, workingIndicatorDelayMs: 0 }, { delayMs: 1500 });
    fake.sendUserMessage({ channelId: world.threadId, text: 'take your time', mention: true });
    await waitFor(() => fake.createdIn(world.threadId).length === 1, 'slow reply', 20_000);
    const typingInThread = () => fake.typing.filter((t) => t.channelId === world.threadId).length;
    const atReply = typingInThread();
    expect(atReply).toBeGreaterThanOrEqual(2);
    expect(fake.typing.every((t) => t.channelId === world.threadId)).toBe(true);
    // Absence can only be shown by waiting: five renewal intervals with no typing after the turn.
    // (One renewal may already be in flight as the reply lands.)
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(typingInThread()).toBeLessThanOrEqual(atReply + 1);
  });

  it('keeps receiving across a gateway drop: degraded while down, resumed, nothing lost', async () => {
    const { fake, world, daemon } = await start();
    const discordState = () => daemon.status().plugins.find((p) => p.name === 'discord')?.state;
    fake.sendUserMessage({ channelId: world.channels.general, text: 'before', mention: true });
    await waitFor(() => fake.created.length === 1, 'reply before the drop');

    fake.holdGateway();
    fake.dropGateway();
    await waitFor(() => discordState() === 'degraded', 'channel degraded');
    const readyz = await fetch(`${daemon.adminUrl}/readyz`);
    expect(readyz.ok).toBe(false);
    // Written while the bot is disconnected: Discord keeps them for the session and replays on RESUME.
    for (const text of ['while down 1', 'while down 2'])
      fake.sendUserMessage({ channelId: world.channels.random, text, mention: true });
    fake.releaseGateway();

    await waitFor(() => fake.created.length === 3, 'replies to what was sent while down', 20_000);
    expect(fake.createdIn(world.channels.random).map((m) => m.body.content)).toEqual(['echo: while down 1', 'echo: while down 2']);
    expect(fake.resumes).toHaveLength(1);
    expect(fake.identifies).toHaveLength(1);
    await waitFor(() => discordState() === 'running', 'channel running again');
    fake.sendUserMessage({ channelId: world.channels.general, text: 'after', mention: true });
    await waitFor(() => fake.createdIn(world.channels.general).length === 2, 'reply after the resume');
  });

  it('identifies again when Discord refuses to resume (INVALID_SESSION), and keeps answering', async () => {
    const { fake, world, daemon } = await start();
    fake.sendUserMessage({ channelId: world.channels.general, text: 'before', mention: true });
    await waitFor(() => fake.created.length === 1, 'reply before');
    fake.invalidateSession();
    await waitFor(() => fake.identifies.length === 2, 'a new IDENTIFY', 20_000);
    expect(fake.resumes).toHaveLength(0);
    await waitFor(() => daemon.status().plugins.find((p) => p.name === 'discord')?.state === 'running', 'running again');
    fake.sendUserMessage({ channelId: world.channels.general, text: 'after', mention: true });
    await waitFor(() => fake.createdIn(world.channels.general).length === 2, 'reply in the new session');
    expect(fake.createdIn(world.channels.general).map((m) => m.body.content)).toEqual(['echo: before', 'echo: after']);
  }, 40_000);

  it('routes parallel conversations in many channels, threads and DMs to their origins, in order', async () => {
    const { fake, world } = await start({}, { delayMs: 5 });
    const dms = ['300000000000000001', '300000000000000002'];
    const chats = [...Object.values(world.channels), world.threadId, ...dms];
    const perChat = 5;
    for (let i = 0; i < perChat; i++)
      for (const [c, channelId] of chats.entries())
        fake.sendUserMessage({
          channelId,
          text: `m${i} for ${channelId}`,
          ...(dms.includes(channelId) ? { dm: true, author: apiUser(`20000000000000010${c}`, `user${c}`) } : { mention: true }),
        });
    await waitFor(() => fake.created.length === chats.length * perChat, 'every reply', 30_000);
    for (const channelId of chats)
      expect(fake.createdIn(channelId).map((m) => m.body.content)).toEqual(
        Array.from({ length: perChat }, (_, i) => `echo: m${i} for ${channelId}`),
      );
  });

  it('splits a long reply at 2000 characters, closing and reopening its code block, in order', async () => {
    const { fake, world } = await start();
    const code = Array.from({ length: 120 }, (_, i) => `const line${i} = ${i}; // some code to fill the block`).join('\n');
    fake.sendUserMessage({ channelId: world.channels.ops, text: `Here:\n\`\`\`ts\n${code}\n\`\`\`\nDone.`, mention: true });
    // Parts go out in order, one at a time per target: the last one arriving means all did.
    await waitFor(() => fake.created.some((m) => String(m.body.content).endsWith('Done.')), 'the last part');
    const parts = fake.createdIn(world.channels.ops).map((m) => String(m.body.content));
    expect(parts.length).toBeGreaterThanOrEqual(4);
    expect(fake.messageAttempts.every((a) => a.status === 200)).toBe(true);
    for (const [i, part] of parts.entries()) {
      expect(part.length).toBeLessThanOrEqual(2000);
      expect(part.match(/^```/gm)?.length ?? 0).toBe(2); // each part holds one whole code block
      if (i > 0) expect(part.startsWith('```ts\n')).toBe(true);
    }
    expect(parts[0]!.startsWith('echo: Here:\n```ts\n')).toBe(true);
    expect(parts.at(-1)!.endsWith('```\nDone.')).toBe(true);
    // Only the first part quotes the trigger.
    expect(fake.createdIn(world.channels.ops).filter((m) => m.body.message_reference !== undefined)).toHaveLength(1);
    const lines = parts.flatMap((part) => part.split('\n')).filter((line) => line.startsWith('const line'));
    expect(lines).toEqual(code.split('\n'));
  });
});
