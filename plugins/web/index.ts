import { createServer, type ServerResponse } from 'node:http';
import { closeServer, listen } from '../../src/http/listen.js';
import { definePlugin } from '../../src/plugins/api.js';
import { loadAssets } from './assets.js';
import { isLoopback } from './auth.js';
import { ChatHub } from './chat-hub.js';
import { createHttpApi } from './http-api.js';

/** Config of the web channel (`plugins.web`). */
export interface WebConfig {
  host: string;
  port: number;
  token: string;
  maxBodyBytes: number;
  maxChatsPerClient: number;
  keepEvents: number;
}

/** The running web channel exposes where it listens (tests, the bench). */
export interface WebChannelInfo {
  readonly url: string;
}

/**
 * The local web channel: a chat page at `/` and an HTTP API (POST a message, SSE for replies), so
 * the daemon is usable with no platform account, and so integrations and load tests have a plain
 * HTTP door. Binds loopback by default; anywhere else it requires `token`.
 */
export default definePlugin<WebConfig, 'channel'>({
  name: 'web',
  kind: 'channel',
  description: 'Local chat page and HTTP API (POST messages, SSE replies)',
  schema: {
    // The turn.start / turn.end events are the chat page's and integrations' stream, not a costly
    // platform call: sent for every turn, at once.
    workingIndicatorDelayMs: {
      doc: 'Override gateway.workingIndicatorDelayMs for this channel (-1 inherits); the web channel sends turn.start at once.',
      format: 'int',
      default: 0,
    },
    host: { doc: 'Listen address.', format: String, default: '127.0.0.1' },
    port: { doc: 'Listen port (0: any free port).', format: 'port', default: 7300 },
    token: {
      doc: 'Required on every request when host is not loopback (Bearer header, ?token=, or the page cookie).',
      format: String,
      default: '',
      sensitive: true,
    },
    maxBodyBytes: { doc: 'Largest request body; beyond it 413.', format: 'nat', default: 65_536 },
    maxChatsPerClient: {
      doc: 'Chats one client address may have open at once (listened to, or active in the last 10 minutes); 0: no limit.',
      format: 'nat',
      default: 20,
    },
    keepEvents: { doc: 'Events kept per chat for reconnecting clients.', format: 'nat', default: 500 },
  },
  validate(config) {
    if (!isLoopback(config.host) && !config.token) {
      return { key: 'token', message: `required when host is not loopback (host is "${config.host}")` };
    }
    return undefined;
  },
  create(context) {
    const config = context.config;
    const hub = new ChatHub(config.keepEvents);
    const streams = new Set<ServerResponse>();
    const handler = createHttpApi({
      channel: context.name,
      token: config.token,
      maxBodyBytes: config.maxBodyBytes,
      maxChatsPerClient: config.maxChatsPerClient,
      hub,
      assets: loadAssets(),
      emit: (inbound) => context.emit(inbound),
      streams,
    });
    const server = createServer((request, response) => void handler(request, response));
    // The API is HTTP + SSE only: no WebSocket upgrade is accepted.
    server.on('upgrade', (_request, socket) => socket.destroy());
    context.setInterval(() => hub.sweep(3_600_000), 60_000);
    let url = '';

    return {
      kind: 'channel',
      capabilities: { maxMessageLength: 100_000, format: 'markdown', threads: false, typing: true, edits: false },
      get url() {
        return url;
      },
      async start() {
        url = await listen(server, config.port, config.host);
        context.log.info({ url }, 'web chat listening');
      },
      async stop() {
        for (const stream of streams) stream.end();
        await closeServer(server);
      },
      async send(outbound) {
        const id = hub.publish(outbound.target.chatId, {
          type: 'reply',
          turnId: outbound.turnId,
          text: outbound.text,
          part: outbound.part,
          parts: outbound.parts,
        });
        return { platformMessageId: String(id) };
      },
      indicateWorking(indicator) {
        const chatId = indicator.target.chatId;
        hub.publish(chatId, { type: 'turn.start', turnId: indicator.turnId });
        indicator.signal.addEventListener('abort', () => hub.publish(chatId, { type: 'turn.end', turnId: indicator.turnId }), {
          once: true,
        });
      },
    };
  },
});
