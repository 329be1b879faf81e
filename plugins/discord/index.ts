import { once } from 'node:events';
import { Client, DefaultRestOptions, GatewayIntentBits, type Message, Partials, type RateLimitData, Routes } from 'discord.js';
import { Counter, type Registry } from 'prom-client';
import { originOf, type Target } from '../../src/core/types.js';
import { type ChannelHealth, definePlugin } from '../../src/plugins/api.js';
import { type AccessPolicy, allowsTarget, decideAccess } from './access.js';
import { toInbound } from './normalize.js';
import { KeyedQueue, viewOf } from './receive.js';
import { discordMaxMessageLength, renderDiscord } from './render.js';
import { createMessageBody, destinationOf, toSendError } from './send.js';
import { keepTyping } from './typing.js';

/** Config of the Discord channel (`plugins.discord`). Ids are strings: quote them in YAML. */
export interface DiscordConfig {
  token: string;
  apiBase: string;
  gatewayUrl: string;
  allowFrom: string[];
  roles: string[];
  guilds: string[];
  channels: string[];
  requireMention: boolean;
  allowBots: boolean;
  replyToMessage: boolean;
  typingIntervalMs: number;
  maxRateLimitWaitMs: number;
}

const ids = (list: unknown[]): string[] => list.map((id) => String(id));

function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter {
  // A restarted plugin finds its counters already registered.
  const existing = registry.getSingleMetric(name);
  return existing instanceof Counter ? existing : new Counter({ name, help, labelNames, registers: [registry] });
}

/**
 * The Discord channel, on discord.js 14: guild text channels, threads and forum posts (a thread is
 * `threadId` under its parent channel) and DMs, with allowlists and mention gating; replies go to
 * the origin channel or thread with a nonce, so a repeated send is created once.
 */
export default definePlugin<DiscordConfig, 'channel'>({
  name: 'discord',
  kind: 'channel',
  description: 'Discord bot (guild channels, threads, DMs) over the gateway',
  schema: {
    token: { doc: 'Bot token.', format: String, default: '', sensitive: true },
    apiBase: {
      doc: 'REST API base without version (tests, proxies).',
      format: String,
      default: 'https://discord.com/api',
    },
    gatewayUrl: {
      doc: 'Gateway WebSocket URL to use instead of the one GET /gateway/bot announces (proxies, tests); empty: as announced.',
      format: String,
      default: '',
    },
    allowFrom: { doc: 'User ids allowed to talk to the bot; "*" everyone; empty nobody.', format: Array, default: [] },
    roles: { doc: 'Role ids whose members are allowed in guilds (besides allowFrom).', format: Array, default: [] },
    guilds: { doc: 'Guild ids the bot answers in; "*" all; empty none (DMs only).', format: Array, default: ['*'] },
    channels: {
      doc: 'Channel ids the bot answers in (threads match their parent); "*" all; empty none.',
      format: Array,
      default: ['*'],
    },
    requireMention: {
      doc: 'In guild channels, answer only messages that mention the bot or reply to it.',
      format: Boolean,
      default: true,
    },
    allowBots: { doc: 'Take messages from other bots and webhooks.', format: Boolean, default: false },
    replyToMessage: { doc: 'Send the first part of a reply as a Discord reply to the trigger.', format: Boolean, default: true },
    typingIntervalMs: { doc: 'How often the typing indicator is renewed during a turn.', format: 'nat', default: 8000 },
    maxRateLimitWaitMs: {
      doc: 'A 429 wait up to this long is waited out by discord.js; longer ones go back to the outbox.',
      format: 'nat',
      default: 5000,
    },
  },
  required: ['token'],
  validate(config) {
    // YAML reads an unquoted snowflake as a number, and ids above 2^53 silently lose digits.
    for (const key of ['allowFrom', 'roles', 'guilds', 'channels'] as const) {
      const number = (config[key] as unknown[]).find((id) => typeof id === 'number');
      if (number !== undefined)
        return { key, message: `ids must be strings: quote ${String(number)} (YAML reads it as a number and may change its digits)` };
    }
    return undefined;
  },
  create(context) {
    const config = context.config;
    const policy: AccessPolicy = {
      allowFrom: ids(config.allowFrom),
      roles: ids(config.roles),
      guilds: ids(config.guilds),
      channels: ids(config.channels),
      requireMention: config.requireMention,
      allowBots: config.allowBots,
    };
    const log = context.log;
    const inboundDecisions = counter(
      context.metrics,
      'switchboard_discord_inbound_total',
      'Discord messages seen, by access decision (accept or why not).',
      ['decision'],
    );
    const rateLimits = counter(
      context.metrics,
      'switchboard_discord_rate_limited_total',
      'Discord REST rate limits hit, by scope.',
      ['scope', 'global', 'waitedBy'],
    );
    const gatewayDrops = counter(
      context.metrics,
      'switchboard_discord_gateway_disconnects_total',
      'Gateway connections lost (discord.js resumes or re-identifies).',
      [],
    );

    // Called by discord.js for every rate limit it meets (a 429 answer, or a bucket it knows is empty).
    const onRateLimit = (limit: RateLimitData): boolean => {
      const toOutbox = limit.retryAfter > config.maxRateLimitWaitMs;
      rateLimits.inc({ scope: limit.scope, global: String(limit.global), waitedBy: toOutbox ? 'outbox' : 'discordjs' });
      log.warn({ route: limit.route, retryAfterMs: limit.retryAfter, global: limit.global }, 'discord: rate limited');
      return toOutbox;
    };
    const client = new Client({
      intents: [
        GatewayIntentBits.Guilds,
        GatewayIntentBits.GuildMessages,
        GatewayIntentBits.MessageContent,
        GatewayIntentBits.DirectMessages,
      ],
      partials: [Partials.Channel],
      rest: {
        api: config.apiBase,
        ...(config.gatewayUrl ? { makeRequest: withGatewayUrl(config.gatewayUrl) } : {}),
        // 5xx and network errors: no retry inside discord.js; the outbox retries (the nonce makes it safe).
        retries: 0,
        // Short 429 waits (and bucket waits) stay with discord.js, which knows the buckets; a longer
        // wait becomes a RateLimitError -> TransientError(retryAfterMs) so the outbox waits durably.
        rejectOnRateLimit: onRateLimit,
      },
    });

    let health: ChannelHealth = { state: 'degraded', reason: 'connecting' };
    const knownChats = new Set<string>();
    const emitQueue = new KeyedQueue();

    client.on('shardDisconnect', (event) => {
      gatewayDrops.inc();
      health = { state: 'degraded', reason: `gateway closed (${event.code})` };
    });
    client.on('shardReconnecting', () => {
      health = { state: 'degraded', reason: 'gateway reconnecting' };
    });
    client.on('shardResume', () => {
      health = { state: 'running' };
    });
    client.on('shardReady', () => {
      health = { state: 'running' };
    });
    client.on('shardError', (error) => {
      log.warn({ err: error }, 'discord: gateway error');
    });
    client.on('error', (error) => {
      log.error({ err: error }, 'discord: client error');
    });

    const receive = (message: Message) => {
      const botId = client.user?.id;
      if (botId === undefined) return; // not possible once READY was processed
      const view = viewOf(message);
      const decision = decideAccess(view, botId, policy);
      inboundDecisions.inc({ decision });
      if (decision !== 'accept') {
        if (decision !== 'self')
          log.debug({ messageId: view.id, channelId: view.channelId, decision }, 'discord: message not taken');
        return;
      }
      const inbound = toInbound(view, botId, context.name);
      const origin = originOf(inbound);
      knownChats.add(origin.chatId);
      // Discord has no acknowledgement: the message is ours once emitted. In gateway order per chat.
      void emitQueue.run(`${origin.chatId}:${origin.threadId ?? ''}`, async () => {
        try {
          const result = await context.emit(inbound);
          if (result.status === 'closed')
            log.warn({ messageId: inbound.id }, 'discord: message arrived while shutting down; Discord will not redeliver it');
        } catch (error) {
          log.error({ err: error, messageId: inbound.id }, 'discord: could not journal a message');
        }
      });
    };
    client.on('messageCreate', receive);

    return {
      kind: 'channel',
      capabilities: { maxMessageLength: discordMaxMessageLength, format: 'markdown', threads: true, typing: true, edits: false },

      async start(signal) {
        const ready = once(client, 'clientReady', { signal });
        ready.catch(() => undefined); // awaited below; this keeps a failed login from leaving it unhandled
        try {
          await client.login(config.token);
          await ready;
        } catch (error) {
          await client.destroy();
          throw error;
        }
        health = { state: 'running' };
        log.info({ botId: client.user?.id, guilds: client.guilds.cache.size }, 'discord: connected');
      },

      async stop() {
        health = { state: 'degraded', reason: 'stopped' };
        await client.destroy();
      },

      async send(outbound) {
        try {
          const created = (await client.rest.post(Routes.channelMessages(destinationOf(outbound)), {
            body: createMessageBody(outbound, config.replyToMessage),
          })) as { id?: string };
          return created.id !== undefined ? { platformMessageId: created.id } : {};
        } catch (error) {
          throw toSendError(error);
        }
      },

      render(markdown) {
        return renderDiscord(markdown);
      },

      indicateWorking({ target, signal }) {
        keepTyping(
          () => client.rest.post(Routes.channelTyping(destinationOf({ target }))),
          config.typingIntervalMs,
          signal,
          (error) => log.debug({ err: error }, 'discord: typing failed'),
        );
      },

      allowsTarget(target: Target) {
        return allowsTarget(target, policy, knownChats);
      },

      health() {
        return health;
      },
    };
  },
});

/**
 * discord.js takes the gateway URL from GET /gateway/bot and has no option for it: this wraps its
 * REST transport so that one answer carries `gatewayUrl` instead (everything else passes through).
 */
function withGatewayUrl(gatewayUrl: string): typeof DefaultRestOptions.makeRequest {
  return async (url, init) => {
    const response = await DefaultRestOptions.makeRequest(url, init);
    if ((init.method ?? 'GET') !== 'GET' || !new URL(url).pathname.endsWith('/gateway/bot') || !response.ok) return response;
    const info = (await response.json()) as Record<string, unknown>;
    return new Response(JSON.stringify({ ...info, url: gatewayUrl }), {
      status: response.status,
      headers: { 'content-type': 'application/json' },
    }) as unknown as Awaited<ReturnType<typeof DefaultRestOptions.makeRequest>>;
  };
}
