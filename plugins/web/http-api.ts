import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Inbound } from '../../src/core/types.js';
import type { EmitResult } from '../../src/plugins/api.js';
import type { Asset } from './assets.js';
import { presentedToken, tokenCookie, tokenMatches } from './auth.js';
import type { ChatHub, StampedEvent } from './chat-hub.js';

/** What the HTTP API needs from the plugin. */
/** How long after its last event (with no browser listening) a chat still counts as open. */
export const chatLiveMs = 600_000;

export interface HttpApiOptions {
  channel: string;
  token: string;
  maxBodyBytes: number;
  maxChatsPerClient: number;
  hub: ChatHub;
  assets: Map<string, Asset>;
  emit(inbound: Inbound): Promise<EmitResult>;
  /** Every open SSE response, closed when the plugin stops. */
  streams: Set<ServerResponse>;
}

const chatIdPattern = /^[A-Za-z0-9_-]{1,64}$/;
const messagesPath = /^\/api\/chats\/([^/]+)\/messages$/;
const eventsPath = /^\/api\/chats\/([^/]+)\/events$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The web channel's HTTP surface: the chat page (`/`, `/app.js`, `/app.css`), `POST
 * /api/chats/:chatId/messages` → 202 `{ messageId }`, and `GET /api/chats/:chatId/events` (SSE).
 */
export function createHttpApi(options: HttpApiOptions) {
  const chatsByClient = new Map<string, Set<string>>();

  /**
   * Limits how many chats one client address has open at once: a chat counts while a browser
   * listens to it or for `chatLiveMs` after its last event, so closed tabs free their place.
   */
  const admitChat = (request: IncomingMessage, chatId: string) => {
    if (options.maxChatsPerClient <= 0) return;
    const client = request.socket.remoteAddress ?? 'unknown';
    let chats = chatsByClient.get(client);
    if (!chats) chatsByClient.set(client, (chats = new Set()));
    if (chats.has(chatId)) return;
    if (chats.size >= options.maxChatsPerClient) {
      for (const open of chats) if (!options.hub.isLive(open, chatLiveMs)) chats.delete(open);
    }
    if (chats.size >= options.maxChatsPerClient) {
      throw new HttpError(429, `too many chats from this client (plugins.web.maxChatsPerClient = ${options.maxChatsPerClient})`);
    }
    chats.add(chatId);
  };

  const readBody = (request: IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > options.maxBodyBytes) {
        reject(new HttpError(413, `body over ${options.maxBodyBytes} bytes`));
        request.resume();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      request.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBodyBytes) {
          reject(new HttpError(413, `body over ${options.maxBodyBytes} bytes`));
          request.removeAllListeners('data');
          request.resume();
          return;
        }
        chunks.push(chunk);
      });
      request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      request.on('error', reject);
    });

  const postMessage = async (request: IncomingMessage, response: ServerResponse, chatId: string) => {
    const raw = await readBody(request);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw new HttpError(400, 'body must be JSON: { "text": "...", "user"?: "..." }');
    }
    const { text, user, id } = (body ?? {}) as { text?: unknown; user?: unknown; id?: unknown };
    if (typeof text !== 'string' || text.trim() === '') throw new HttpError(400, '"text" must be a non-empty string');
    if (user !== undefined && (typeof user !== 'string' || user.length > 100)) {
      throw new HttpError(400, '"user" must be a string of at most 100 characters');
    }
    if (id !== undefined && (typeof id !== 'string' || !chatIdPattern.test(id))) {
      throw new HttpError(400, '"id" (optional idempotency key) must match [A-Za-z0-9_-]{1,64}');
    }
    admitChat(request, chatId);
    const messageId = (id as string | undefined) ?? randomUUID();
    const name = (user as string | undefined) ?? 'web user';
    // Shown before it is handled, so an answer that comes at once (a /stop's) follows it on the page;
    // a retried POST (same id) is shown once.
    if (!options.hub.hasMessage(chatId, messageId)) options.hub.publish(chatId, { type: 'message', messageId, text, user: name });
    const result = await options.emit({
      id: `${chatId}:${messageId}`,
      channel: options.channel,
      chat: { id: chatId, type: 'dm' },
      sender: { id: name, name, isBot: false },
      text,
      mentionsBot: true,
      receivedAt: Date.now(),
    });
    if (result.status === 'closed') throw new HttpError(503, 'shutting down: send again shortly');
    json(response, 202, { messageId, status: result.status });
  };

  const streamEvents = (request: IncomingMessage, response: ServerResponse, chatId: string, url: URL) => {
    admitChat(request, chatId);
    const last = request.headers['last-event-id'] ?? url.searchParams.get('lastEventId') ?? undefined;
    const afterId = last === undefined || last === '' ? undefined : Number(last);
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write('retry: 1000\n\n');
    const write = (stamped: StampedEvent) => response.write(`id: ${stamped.id}\ndata: ${JSON.stringify(stamped.event)}\n\n`);
    const unsubscribe = options.hub.subscribe(chatId, Number.isFinite(afterId) ? afterId : undefined, write);
    const ping = setInterval(() => response.write(': ping\n\n'), 15_000);
    options.streams.add(response);
    const close = () => {
      clearInterval(ping);
      unsubscribe();
      options.streams.delete(response);
    };
    request.on('close', close);
  };

  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    try {
      const url = new URL(request.url ?? '/', 'http://web');
      if (options.token) {
        const presented = presentedToken(request, url);
        if (!tokenMatches(presented, options.token)) throw new HttpError(401, 'token required (plugins.web.token)');
        if (url.searchParams.has('token') && url.pathname === '/') response.setHeader('set-cookie', tokenCookie(options.token));
      }
      const asset = request.method === 'GET' ? options.assets.get(url.pathname) : undefined;
      if (asset) {
        response.writeHead(200, {
          'content-type': asset.contentType,
          'cache-control': 'no-cache',
          'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'",
          'x-content-type-options': 'nosniff',
        });
        response.end(asset.body);
        return;
      }
      const post = messagesPath.exec(url.pathname);
      const events = eventsPath.exec(url.pathname);
      const chatId = decodeURIComponent((post ?? events)?.[1] ?? '');
      if ((post || events) && !chatIdPattern.test(chatId)) throw new HttpError(400, 'chatId must match [A-Za-z0-9_-]{1,64}');
      if (post && request.method === 'POST') await postMessage(request, response, chatId);
      else if (events && request.method === 'GET') streamEvents(request, response, chatId, url);
      else if (post || events) throw new HttpError(405, 'method not allowed');
      else throw new HttpError(404, 'not found');
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      if (!response.headersSent) json(response, status, { error: (error as Error).message });
      else response.end();
    }
  };
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}
