import { setMaxListeners } from 'node:events';
import type { Server } from 'node:http';
import { Counter, type Registry } from 'prom-client';
import { Telegraf } from 'telegraf';
import { TransientError } from '../../src/core/errors.js';
import { type ChannelHealth, definePlugin } from '../../src/plugins/api.js';
import { type AccessPolicy, allowsTarget, decideAccess, normalizeAllowFrom, RefusalLimiter, refusalText } from './access.js';
import { type BotIdentity, messageOf, type TgMessage, toInbound, type TgUpdate } from './normalize.js';
import { allowedUpdates, pollUpdates, startWebhookServer, type UpdateOutcome } from './receive.js';
import { renderTelegram, telegramMaxMessageLength } from './render.js';
import { sendPart } from './send.js';
import { SendThrottle, type ThrottleLimits } from './throttle.js';

/** Config of the Telegram channel (`plugins.telegram`). */
export interface TelegramConfig {
  token: string;
  apiRoot: string;
  mode: 'polling' | 'webhook';
  webhook: { url: string; host: string; port: number; path: string; secretToken: string };
  /** User ids, chat ids (strings or numbers) or @usernames; "*" everyone; empty nobody. */
  allowFrom: Array<string | number>;
  refusalReply: boolean;
  groups: { requireMention: boolean };
  editedMessages: boolean;
  allowBots: boolean;
  replyToMessage: boolean;
  pollingTimeoutSec: number;
  typingIntervalMs: number;
  rateLimit: ThrottleLimits & { enabled: boolean };
}

function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter {
  // A restarted plugin finds its counters already registered.
  const existing = registry.getSingleMetric(name);
  return existing instanceof Counter ? existing : new Counter({ name, help, labelNames, registers: [registry] });
}

/**
 * The Telegram channel, on telegraf 4's API client: private chats, groups, supergroups and forum
 * topics, by long polling (own loop: the offset moves only past emitted updates) or webhook.
 * Replies are Telegram HTML, split at 4,096 UTF-16 units, sent to the origin chat and topic.
 */
export default definePlugin<TelegramConfig, 'channel'>({
  name: 'telegram',
  kind: 'channel',
  description: 'Telegram bot (private chats, groups, forum topics) over the gateway',
  schema: {
    token: { doc: 'Bot token from @BotFather.', format: String, default: '', sensitive: true },
    apiRoot: { doc: 'Bot API server (a local or self-hosted one, or a fake in tests).', format: String, default: 'https://api.telegram.org' },
    mode: { doc: 'How updates arrive: long polling or webhook.', format: ['polling', 'webhook'], default: 'polling' },
    webhook: {
      url: { doc: 'Public HTTPS URL given to setWebhook (mode webhook).', format: String, default: '' },
      host: { doc: 'Local address the webhook server listens on.', format: String, default: '127.0.0.1' },
      port: { doc: 'Local port of the webhook server.', format: 'port', default: 7303 },
      path: { doc: 'Path the webhook server answers.', format: String, default: '/telegram/webhook' },
      secretToken: {
        doc: 'Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token; other requests get 401.',
        format: String,
        default: '',
        sensitive: true,
      },
    },
    allowFrom: {
      doc: 'User ids, chat ids or @usernames allowed to talk to the bot; "*" everyone; empty nobody.',
      format: Array,
      default: [],
    },
    refusalReply: { doc: 'Tell a refused sender their id (at most once per 10 minutes).', format: Boolean, default: true },
    groups: {
      requireMention: {
        doc: 'In groups, answer only when mentioned, replied to, or addressed by a command.',
        format: Boolean,
        default: true,
      },
    },
    editedMessages: { doc: 'Take edited messages as new input (default: ignored).', format: Boolean, default: false },
    allowBots: { doc: 'Take messages from other bots.', format: Boolean, default: false },
    replyToMessage: { doc: 'Reply-quote the message that triggered the turn.', format: Boolean, default: false },
    pollingTimeoutSec: { doc: 'Long polling timeout of getUpdates, in seconds.', format: 'nat', default: 30 },
    typingIntervalMs: { doc: 'How often "typing" is renewed during a turn (Telegram shows it ~5 s).', format: 'nat', default: 4500 },
    rateLimit: {
      enabled: {
        doc: 'Proactive throttle of sends (bursts queue). Off turns off only this throttle, never the 429 handling.',
        format: Boolean,
        default: true,
      },
      perChatPerSecond: { doc: 'Messages per second to one chat.', format: 'nat', default: 1 },
      perGroupPerMinute: { doc: 'Messages per minute to one group.', format: 'nat', default: 20 },
      globalPerSecond: { doc: 'Messages per second over all chats.', format: 'nat', default: 30 },
    },
  },
  required: ['token'],
  validate(config) {
    if (config.mode === 'webhook') {
      if (config.webhook.url === '') return { key: 'webhook.url', message: 'is required in webhook mode' };
      if (config.webhook.secretToken === '')
        return { key: 'webhook.secretToken', message: 'is required in webhook mode (anyone could post updates otherwise)' };
    }
    return undefined;
  },
  create(context) {
    const config = context.config;
    const log = context.log;
    const bot = new Telegraf(config.token, { telegram: { apiRoot: config.apiRoot } });
    const telegram = bot.telegram;
    const allowFrom = normalizeAllowFrom(config.allowFrom);
    const policy: AccessPolicy = {
      allowFrom,
      requireMention: config.groups.requireMention,
      editedMessages: config.editedMessages,
      allowBots: config.allowBots,
    };
    const refusals = new RefusalLimiter();
    const throttle = config.rateLimit.enabled ? new SendThrottle(config.rateLimit) : undefined;
    const decisions = counter(context.metrics, 'switchboard_telegram_inbound_total', 'Telegram messages seen, by access decision.', ['decision']);
    const fallbacks = counter(context.metrics, 'switchboard_telegram_plain_fallbacks_total', 'Parts resent as plain text after a 400 "can\'t parse entities".', []);

    let identity: BotIdentity | undefined;
    let health: ChannelHealth = { state: 'degraded', reason: 'connecting' };
    const stopper = new AbortController();
    // Every waiting send and running typing indicator listens to it: many at once is normal.
    setMaxListeners(0, stopper.signal);
    let polling: Promise<void> | undefined;
    let webhookServer: Server | undefined;

    const refuse = (message: TgMessage) => {
      log.info({ senderId: message.from?.id, chatId: message.chat.id }, 'telegram: sender not in allowFrom; message refused');
      if (!config.refusalReply || !refusals.take(String(message.from?.id ?? message.chat.id))) return;
      const extra = message.is_topic_message === true && message.message_thread_id !== undefined ? { message_thread_id: message.message_thread_id } : {};
      telegram.sendMessage(message.chat.id, refusalText(message), extra).catch((error: unknown) => {
        log.warn({ reason: error instanceof Error ? error.message : String(error) }, 'telegram: refusal reply failed');
      });
    };

    // The one entry point of both transports.
    const handleUpdate = async (update: TgUpdate): Promise<UpdateOutcome> => {
      const taken = messageOf(update);
      if (!identity) throw new Error('telegram: update before getMe answered'); // not acknowledged: redelivered
      if (!taken) return 'ack';
      const decision = decideAccess(taken.message, taken.edited, identity, policy);
      decisions.inc({ decision });
      if (decision === 'refuse') refuse(taken.message);
      if (decision !== 'accept') return 'ack';
      const result = await context.emit(toInbound(taken.message, identity, context.name, taken.edited));
      return result.status === 'closed' ? 'closed' : 'ack';
    };

    return {
      kind: 'channel',
      capabilities: { maxMessageLength: telegramMaxMessageLength, format: 'html', threads: true, typing: true, edits: false },

      async start(signal) {
        signal.addEventListener('abort', () => stopper.abort(), { once: true });
        const me = await telegram.getMe();
        identity = { id: me.id, username: me.username };
        await telegram
          .setMyCommands([
            { command: 'stop', description: 'Stop the current answer' },
            { command: 'new', description: 'Start a new conversation' },
          ])
          .catch((error: unknown) => log.warn({ reason: error instanceof Error ? error.message : String(error) }, 'telegram: setMyCommands failed'));
        if (config.mode === 'webhook') {
          const { server } = await startWebhookServer({ ...config.webhook, handle: handleUpdate, log });
          webhookServer = server;
          await telegram.setWebhook(config.webhook.url, { secret_token: config.webhook.secretToken, allowed_updates: [...allowedUpdates] });
        } else {
          // Never drop_pending_updates: what arrived while the gateway was down is still to be answered.
          await telegram.deleteWebhook();
          polling = pollUpdates({
            telegram,
            handle: handleUpdate,
            log,
            timeoutSec: config.pollingTimeoutSec,
            signal: stopper.signal,
            onHealth: (problem) => {
              health = problem === undefined ? { state: 'running' } : { state: 'degraded', reason: problem };
            },
          });
        }
        health = { state: 'running' };
        log.info({ bot: me.username, mode: config.mode }, 'telegram: connected');
      },

      async stop() {
        stopper.abort();
        await polling;
        if (webhookServer) {
          const server = webhookServer;
          server.closeAllConnections();
          await new Promise((resolve) => server.close(resolve));
        }
      },

      async send(outbound) {
        // Negative chat ids are groups, supergroups and channels.
        await throttle?.acquire(outbound.target.chatId, outbound.target.chatId.startsWith('-'), stopper.signal).catch((error: unknown) => {
          throw new TransientError('telegram: stopping', { cause: error });
        });
        return sendPart(telegram, outbound, {
          replyToMessage: config.replyToMessage,
          onPlainFallback: (description) => {
            fallbacks.inc();
            log.warn({ chatId: outbound.target.chatId, description }, 'telegram: HTML refused; part resent as plain text');
          },
        });
      },

      render: (markdown) => renderTelegram(markdown),

      indicateWorking({ target, signal }) {
        if (signal.aborted || stopper.signal.aborted) return;
        const extra = target.threadId === undefined ? {} : { message_thread_id: Number(target.threadId) };
        const typing = () => {
          telegram.sendChatAction(target.chatId, 'typing', extra).catch((error: unknown) => {
            log.debug({ reason: error instanceof Error ? error.message : String(error) }, 'telegram: sendChatAction failed');
          });
        };
        typing();
        const timer = setInterval(typing, config.typingIntervalMs);
        const clear = () => {
          clearInterval(timer);
          signal.removeEventListener('abort', clear);
          stopper.signal.removeEventListener('abort', clear);
        };
        signal.addEventListener('abort', clear, { once: true });
        stopper.signal.addEventListener('abort', clear, { once: true });
      },

      allowsTarget: (target) => allowsTarget(allowFrom, target),

      health: () => health,
    };
  },
});
