import { App, webApi } from '@slack/bolt';
import { Counter, type Registry } from 'prom-client';
import { TransientError } from '../../src/core/errors.js';
import type { Target } from '../../src/core/types.js';
import { type ChannelHealth, definePlugin } from '../../src/plugins/api.js';
import { type AccessPolicy, allowsTarget, decideAccess } from './access.js';
import { boltLogger } from './bolt-logger.js';
import { messageViewOf, parseInboundId, toInbound } from './normalize.js';
import { UserNames } from './user-names.js';
import { EmitOnce } from './once.js';
import { type AckVerdict, dispatchThroughBolt, type EnvelopeHandler, SlackHttpReceiver, socketModeReceiver } from './receive.js';
import { renderSlack, slackMaxMessageLength } from './render.js';
import { ConversationPacer, toSendError } from './send.js';

/** Config of the Slack channel (`plugins.slack`). */
export interface SlackConfig {
  botToken: string;
  appToken: string;
  signingSecret: string;
  mode: 'socket' | 'http';
  host: string;
  port: number;
  apiUrl: string;
  allowFrom: string[];
  channels: string[];
  requireMention: boolean;
  allowBots: boolean;
  editedMessages: boolean;
  replyInThread: boolean;
  workingReaction: string;
  resolveUserNames: boolean;
  minSendIntervalMs: number;
  serverPingTimeoutMs: number;
}

/** Names are kept an hour; a failed lookup (e.g. no users:read scope) is retried after 10 minutes. */
const userNameCache = { ttlMs: 3_600_000, failureTtlMs: 600_000, waitMs: 1000, maxEntries: 10_000 };

/** The running Slack channel exposes its events endpoint in HTTP mode (tests, the bench). */
export interface SlackChannelInfo {
  /** `http://host:port/slack/events` in HTTP mode once started; '' in Socket Mode. */
  readonly eventsUrl: string;
}

/** Path of the HTTP Events API endpoint. */
export const slackEventsPath = '/slack/events';

function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter {
  // A restarted plugin finds its counters already registered.
  const existing = registry.getSingleMetric(name);
  return existing instanceof Counter ? existing : new Counter({ name, help, labelNames, registers: [registry] });
}

/**
 * The Slack channel, on @slack/bolt 5: channels, private channels, group DMs and DMs, threads
 * (`thread_ts`), in Socket Mode (default) or over the HTTP Events API. Envelopes are acknowledged
 * only after the message is journaled; replies go to the origin thread (a top-level mention starts
 * one); an 👀 reaction marks the trigger while its turn runs.
 */
export default definePlugin<SlackConfig, 'channel'>({
  name: 'slack',
  kind: 'channel',
  description: 'Slack app (channels, threads, DMs) over Socket Mode or the Events API',
  schema: {
    botToken: { doc: 'Bot token (xoxb-...).', format: String, default: '', sensitive: true },
    appToken: { doc: 'App-level token (xapp-...) for Socket Mode.', format: String, default: '', sensitive: true },
    signingSecret: { doc: 'Signing secret, checks HTTP Events API requests.', format: String, default: '', sensitive: true },
    mode: { doc: 'How events arrive: socket (Socket Mode) or http (Events API).', format: ['socket', 'http'], default: 'socket' },
    host: { doc: 'HTTP mode: listen address of /slack/events.', format: String, default: '127.0.0.1' },
    port: { doc: 'HTTP mode: listen port (0: any free port).', format: 'port', default: 7302 },
    apiUrl: {
      doc: 'Web API base URL (tests, proxies); Socket Mode connects through it too.',
      format: String,
      default: 'https://slack.com/api/',
    },
    allowFrom: { doc: 'User ids allowed to talk to the bot; "*" everyone; empty nobody.', format: Array, default: [] },
    channels: { doc: 'Channel ids the bot answers in (DMs are not gated by it); "*" all; empty none.', format: Array, default: ['*'] },
    requireMention: { doc: 'In channels, answer only messages that mention the bot.', format: Boolean, default: true },
    allowBots: { doc: 'Take messages from other bots.', format: Boolean, default: false },
    editedMessages: { doc: 'Take a user\'s edit of a message as new input (default: ignored).', format: Boolean, default: false },
    replyInThread: { doc: 'Answer a top-level channel message in a thread under it.', format: Boolean, default: true },
    workingReaction: {
      doc: 'Reaction put on the trigger message while its turn runs (emoji name); empty: none.',
      format: String,
      default: 'eyes',
    },
    resolveUserNames: {
      doc: 'Look up senders\' display names with users.info (needs the users:read scope); off: agents see user ids.',
      format: Boolean,
      default: true,
    },
    minSendIntervalMs: { doc: 'Least time between two posts to one conversation (Slack: ~1/s).', format: 'nat', default: 1000 },
    serverPingTimeoutMs: {
      doc: 'Socket Mode: reconnect when Slack sent no ping for this long.',
      format: 'nat',
      default: 30000,
    },
  },
  required: ['botToken'],
  validate(config) {
    if (config.mode === 'socket' && !config.appToken) return { key: 'appToken', message: 'is required in Socket Mode (mode: socket)' };
    if (config.mode === 'http' && !config.signingSecret) return { key: 'signingSecret', message: 'is required in HTTP mode (mode: http)' };
    return undefined;
  },
  create(context) {
    const config = context.config;
    const log = context.log;
    const policy: AccessPolicy = {
      allowFrom: config.allowFrom.map(String),
      channels: config.channels.map(String),
      requireMention: config.requireMention,
      allowBots: config.allowBots,
      editedMessages: config.editedMessages,
    };
    const inboundDecisions = counter(
      context.metrics,
      'switchboard_slack_inbound_total',
      'Slack message events seen, by access decision (accept or why not).',
      ['decision'],
    );
    const redeliveries = counter(
      context.metrics,
      'switchboard_slack_redeliveries_total',
      'Event envelopes Slack delivered again (retry_attempt / X-Slack-Retry-Num > 0).',
      [],
    );
    const clientOptions = {
      slackApiUrl: config.apiUrl,
      // The outbox retries; Slack's client must not wait out a 429 or retry on its own.
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logger: boltLogger(log),
    };
    const knownChats = new Set<string>();
    const emitOnce = new EmitOnce();
    const pacer = new ConversationPacer(config.minSendIntervalMs);
    let web: webApi.WebClient | undefined;
    let names: UserNames | undefined;
    let app: App | undefined;
    let httpReceiver: SlackHttpReceiver | undefined;
    let self: { userId: string; botId?: string } | undefined;
    let health: ChannelHealth = { state: 'degraded', reason: 'connecting' };

    /** One Slack message event; resolves false when its envelope must not be acknowledged. */
    const receive = async (rawEvent: unknown): Promise<boolean> => {
      const view = messageViewOf(rawEvent);
      if (!view || !self) return true;
      const decision = decideAccess(view, self, policy);
      inboundDecisions.inc({ decision });
      if (decision !== 'accept') {
        if (decision !== 'self') log.debug({ channelId: view.channel, ts: view.ts, decision }, 'slack: message not taken');
        return true;
      }
      if (names && view.user && !view.userName) {
        const name = await names.nameOf(view.user);
        if (name) view.userName = name;
      }
      const inbound = toInbound(view, self.userId, context.name, { replyInThread: config.replyInThread });
      knownChats.add(view.channel);
      try {
        const { result } = emitOnce.run(inbound.id, () => context.emit(inbound));
        const outcome = await result;
        if (outcome.status !== 'closed') return true;
        log.warn({ messageId: inbound.id }, 'slack: gateway closed; leaving the message for Slack to redeliver');
        return false;
      } catch (error) {
        log.error({ err: error, messageId: inbound.id }, 'slack: could not journal a message');
        return false;
      }
    };

    const listener = async ({ event, context: boltContext }: { event: unknown; context: Record<string, unknown> }) => {
      const ok = await receive(event);
      const verdict = boltContext.ackVerdict as AckVerdict | undefined;
      if (!ok && verdict) verdict.ack = false;
    };

    const handle: EnvelopeHandler = async (envelope) => {
      if ((envelope.retryNum ?? 0) > 0) redeliveries.inc();
      return app ? dispatchThroughBolt(app, envelope, log) : false;
    };

    return {
      kind: 'channel',
      capabilities: { maxMessageLength: slackMaxMessageLength, format: 'mrkdwn', threads: true, typing: true, edits: false },

      get eventsUrl(): string {
        return httpReceiver?.url ?? '';
      },

      async start(signal) {
        web = new webApi.WebClient(config.botToken, clientOptions);
        // Bolt would call auth.test itself, in its constructor, where a failure is an unhandled
        // rejection; here a failure fails start() and the host retries.
        const auth = await web.auth.test();
        if (!auth.user_id) throw new Error('slack: auth.test returned no user_id');
        self = auth.bot_id ? { userId: auth.user_id, botId: auth.bot_id } : { userId: auth.user_id };
        if (config.resolveUserNames) names = new UserNames(web, userNameCache);
        const logger = boltLogger(log);
        const receiver =
          config.mode === 'http'
            ? (httpReceiver = new SlackHttpReceiver(
                { host: config.host, port: config.port, path: slackEventsPath, signingSecret: config.signingSecret },
                handle,
                log,
              ))
            : socketModeReceiver(
                { appToken: config.appToken, clientOptions, logger, serverPingTimeoutMs: config.serverPingTimeoutMs },
                handle,
                log,
              );
        if (config.mode === 'socket') {
          const client = (receiver as ReturnType<typeof socketModeReceiver>).client;
          client.on('connected', () => (health = { state: 'running' }));
          client.on('reconnecting', () => (health = { state: 'degraded', reason: 'socket reconnecting' }));
          client.on('disconnected', () => (health = { state: 'degraded', reason: 'socket disconnected' }));
        }
        app = new App({
          token: config.botToken,
          botUserId: self.userId,
          ...(self.botId !== undefined ? { botId: self.botId } : {}),
          receiver,
          clientOptions,
          logger,
        });
        app.event('message', listener);
        app.event('app_mention', listener);
        const started = app;
        const onAbort = () => void started.stop().catch(() => undefined);
        signal.addEventListener('abort', onAbort, { once: true });
        try {
          await started.start();
        } catch (error) {
          await started.stop().catch(() => undefined);
          throw error;
        } finally {
          signal.removeEventListener('abort', onAbort);
        }
        health = { state: 'running' };
        log.info({ botUserId: self.userId, mode: config.mode, url: httpReceiver?.url }, 'slack: connected');
      },

      async stop() {
        health = { state: 'degraded', reason: 'stopped' };
        await app?.stop();
        app = undefined;
      },

      async send(outbound) {
        if (!web) throw new TransientError('slack: not started');
        const { chatId, threadId } = outbound.target;
        await pacer.wait(chatId);
        try {
          const posted = await web.chat.postMessage({
            channel: chatId,
            text: outbound.text,
            mrkdwn: true,
            ...(threadId !== undefined ? { thread_ts: threadId } : {}),
          });
          return typeof posted.ts === 'string' ? { platformMessageId: posted.ts } : {};
        } catch (error) {
          throw toSendError(error);
        }
      },

      render(markdown) {
        return renderSlack(markdown);
      },

      indicateWorking({ triggerId, signal }) {
        const trigger = triggerId !== undefined ? parseInboundId(triggerId) : undefined;
        const client = web;
        if (!config.workingReaction || !trigger || !client) return;
        const reaction = { channel: trigger.channel, timestamp: trigger.ts, name: config.workingReaction };
        const added = client.reactions.add(reaction).then(
          () => true,
          (error: unknown) => {
            log.debug({ err: error, messageId: triggerId }, 'slack: could not add the working reaction');
            return false;
          },
        );
        const remove = () => {
          void added.then(async (ok) => {
            if (!ok) return;
            await client.reactions.remove(reaction).catch((error: unknown) => {
              log.debug({ err: error, messageId: triggerId }, 'slack: could not remove the working reaction');
            });
          });
        };
        if (signal.aborted) remove();
        else signal.addEventListener('abort', remove, { once: true });
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
