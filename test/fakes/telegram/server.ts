import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '../../support/wait.js';
import { parseTelegramHtml } from './html.js';
import { buildMessage, type FakeUpdate, type FakeUser, type PushMessageOptions } from './updates.js';

/**
 * A fake Telegram Bot API on 127.0.0.1 (real HTTP, `POST /bot<token>/<method>` with JSON bodies, as
 * telegraf calls it). getUpdates is a real long poll with Telegram's offset semantics: a call with
 * `offset` confirms (drops for good) every update below it; an empty queue holds the call until an
 * update arrives or `timeout` seconds pass; a newer getUpdates ends an older one with 409.
 * Every call is recorded; sendMessage can be made to fail the next N times.
 */

/** One recorded API call. */
export interface ApiCall {
  method: string;
  params: Record<string, unknown>;
  at: number;
}

/** A message the bot delivered (a successful sendMessage). */
export interface SentMessage {
  messageId: number;
  chatId: string;
  text: string;
  parseMode?: string;
  threadId?: number;
  replyToMessageId?: number;
  /** Text as the user sees it (HTML parsed). */
  plain: string;
}

/** A fault answered to the next sendMessage calls. */
export type SendFault =
  | { kind: 'retryAfter'; seconds: number }
  | { kind: 'cantParse' }
  | { kind: 'blocked' }
  | { kind: 'chatNotFound' }
  | { kind: 'serverError' }
  /** The connection is cut before the message is taken (a network failure; nothing was sent). */
  | { kind: 'drop' };

/** Options of {@link FakeTelegram.start}. */
export interface FakeTelegramOptions {
  token?: string;
  bot?: Partial<FakeUser>;
  /** Called for every delivered message (a successful sendMessage), when it was recorded. */
  onSendMessage?: (sent: SentMessage) => void;
}

interface Poll {
  response: ServerResponse;
  limit: number;
  timer: NodeJS.Timeout;
}

/** The fake Bot API server. */
export class FakeTelegram {
  readonly calls: ApiCall[] = [];
  readonly sent: SentMessage[] = [];
  /** Lowest update_id still deliverable (everything below was confirmed by an offset). */
  confirmedOffset = 0;
  readonly bot: FakeUser;
  readonly token: string;
  apiRoot = '';
  /** setWebhook's url and secret, while set. */
  webhook: { url: string; secretToken?: string } | undefined;
  private readonly queue: FakeUpdate[] = [];
  private nextUpdateId = 1;
  private nextMessageId = 1;
  private readonly faults: SendFault[] = [];
  /** editMessageText calls that changed a message, in order. */
  readonly edits: Array<{ messageId: number; chatId: string; text: string }> = [];
  private readonly pollFaults: Array<'drop' | 'serverError'> = [];
  private poll: Poll | undefined;
  private readonly server: Server;
  private readonly onSendMessage: ((sent: SentMessage) => void) | undefined;

  private constructor(options: FakeTelegramOptions) {
    this.onSendMessage = options.onSendMessage;
    this.token = options.token ?? '123456:TEST-token';
    this.bot = { id: 999, is_bot: true, first_name: 'Switchboard', username: 'switchboard_bot', ...options.bot };
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        console.error('[fake-telegram]', error);
        if (!res.headersSent) json(res, 500, { ok: false, error_code: 500, description: 'Internal Server Error' });
      });
    });
  }

  /** Starts a fake on 127.0.0.1, on a free port. */
  static async start(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
    const fake = new FakeTelegram(options);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.apiRoot = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  /** Enqueues a message update (see {@link PushMessageOptions}); returns the update. */
  pushMessage(options: PushMessageOptions): FakeUpdate {
    const messageId = options.messageId ?? options.editOf ?? this.nextMessageId++;
    const message = buildMessage(options, messageId, Math.floor(Date.now() / 1000));
    return this.pushUpdate(options.editOf !== undefined ? { edited_message: message } : { message });
  }

  /** Enqueues any update body; `update_id` is assigned. */
  pushUpdate(body: Record<string, unknown>): FakeUpdate {
    const update: FakeUpdate = { update_id: this.nextUpdateId++, ...body };
    this.queue.push(update);
    this.answerPoll();
    return update;
  }

  /** The next `count` sendMessage calls fail with `fault`. */
  failNextSends(count: number, fault: SendFault): void {
    for (let n = 0; n < count; n++) this.faults.push(fault);
  }

  /** The next `count` getUpdates calls fail: the socket is destroyed ('drop') or answered 502. */
  failNextPolls(count: number, kind: 'drop' | 'serverError'): void {
    for (let n = 0; n < count; n++) this.pollFaults.push(kind);
  }

  /** Forgets the getUpdates faults not used yet. */
  clearPollFaults(): void {
    this.pollFaults.length = 0;
  }

  /** Recorded calls of one method. */
  callsOf(method: string): ApiCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** Delivered messages in a chat (and topic, when given). */
  sentTo(chatId: number | string, threadId?: number): SentMessage[] {
    return this.sent.filter((m) => m.chatId === String(chatId) && (threadId === undefined || m.threadId === threadId));
  }

  /** Waits until at least `count` messages were delivered to the chat; returns them. */
  async waitForSent(chatId: number | string, count = 1, timeoutMs = 15_000): Promise<SentMessage[]> {
    return waitFor(() => {
      const sent = this.sentTo(chatId);
      return sent.length >= count ? sent : undefined;
    }, `${count} message(s) sent to chat ${chatId}`, timeoutMs);
  }

  /** Whether a getUpdates call is being held open now. */
  get polling(): boolean {
    return this.poll !== undefined;
  }

  /** Updates still queued (not yet confirmed by an offset). */
  get pending(): readonly FakeUpdate[] {
    return this.queue;
  }

  /**
   * POSTs an update to the registered webhook, as Telegram does; returns the HTTP status.
   * `secretToken`: the header sent (default: the registered secret; null: no header).
   */
  async deliverWebhook(update: FakeUpdate, secretToken: string | null | undefined = this.webhook?.secretToken): Promise<number> {
    if (!this.webhook) throw new Error('no webhook set');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (typeof secretToken === 'string') headers['x-telegram-bot-api-secret-token'] = secretToken;
    const response = await fetch(this.webhook.url, { method: 'POST', headers, body: JSON.stringify(update) });
    await response.arrayBuffer();
    return response.status;
  }

  /** Builds (without queueing) an update for webhook delivery. */
  makeUpdate(options: PushMessageOptions): FakeUpdate {
    const messageId = options.messageId ?? this.nextMessageId++;
    return { update_id: this.nextUpdateId++, message: buildMessage(options, messageId, Math.floor(Date.now() / 1000)) };
  }

  async close(): Promise<void> {
    if (this.poll) {
      clearTimeout(this.poll.timer);
      this.poll = undefined;
    }
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(new URL(req.url ?? '/', this.apiRoot).pathname);
    if (!match) return json(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const params = await readJson(req);
    if (match[1] !== this.token) return json(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const method = match[2]!;
    this.calls.push({ method, params, at: Date.now() });
    switch (method) {
      case 'getMe':
        return ok(res, this.bot);
      case 'deleteWebhook':
        this.webhook = undefined;
        if (params.drop_pending_updates === true) this.queue.splice(0);
        return ok(res, true);
      case 'setWebhook':
        this.webhook = { url: String(params.url) };
        if (typeof params.secret_token === 'string') this.webhook.secretToken = params.secret_token;
        return ok(res, true);
      case 'setMyCommands':
      case 'sendChatAction':
        return ok(res, true);
      case 'getUpdates':
        return this.getUpdates(req, res, params);
      case 'sendMessage':
        return this.sendMessage(req, res, params);
      case 'editMessageText':
        return this.editMessageText(res, params);
      default:
        return json(res, 404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
    }
  }

  private getUpdates(req: IncomingMessage, res: ServerResponse, params: Record<string, unknown>): void {
    if (this.webhook) {
      return json(res, 409, { ok: false, error_code: 409, description: "Conflict: can't use getUpdates method while webhook is active" });
    }
    const fault = this.pollFaults.shift();
    if (fault === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault === 'serverError') return json(res, 502, { ok: false, error_code: 502, description: 'Bad Gateway' });
    const offset = typeof params.offset === 'number' ? params.offset : 0;
    if (offset > this.confirmedOffset) this.confirmedOffset = offset;
    while (this.queue.length > 0 && this.queue[0]!.update_id < this.confirmedOffset) this.queue.shift();
    const limit = typeof params.limit === 'number' && params.limit > 0 ? Math.min(params.limit, 100) : 100;
    const timeoutSec = typeof params.timeout === 'number' ? params.timeout : 0;
    if (this.poll) {
      const older = this.poll;
      clearTimeout(older.timer);
      this.poll = undefined;
      json(older.response, 409, { ok: false, error_code: 409, description: 'Conflict: terminated by other getUpdates request' });
    }
    if (this.queue.length > 0 || timeoutSec <= 0) return ok(res, this.queue.slice(0, limit));
    const poll: Poll = {
      response: res,
      limit,
      timer: setTimeout(() => {
        if (this.poll === poll) this.poll = undefined;
        ok(res, []);
      }, timeoutSec * 1000),
    };
    this.poll = poll;
    // The client gave up (aborted on stop): forget the poll so nothing is answered to a dead socket.
    res.on('close', () => {
      clearTimeout(poll.timer);
      if (this.poll === poll) this.poll = undefined;
    });
  }

  private answerPoll(): void {
    const poll = this.poll;
    if (!poll) return;
    this.poll = undefined;
    clearTimeout(poll.timer);
    ok(poll.response, this.queue.slice(0, poll.limit));
  }

  private sendMessage(req: IncomingMessage, res: ServerResponse, params: Record<string, unknown>): void {
    const fault = this.faults.shift();
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault) return answerFault(res, fault);
    const chatId = String(params.chat_id);
    const body = textOf(res, params);
    if (!body) return;
    const { text, plain } = body;
    const messageId = this.nextMessageId++;
    const sent: SentMessage = { messageId, chatId, text, plain };
    if (typeof params.parse_mode === 'string') sent.parseMode = params.parse_mode;
    if (typeof params.message_thread_id === 'number') sent.threadId = params.message_thread_id;
    const reply = params.reply_parameters as { message_id?: unknown } | undefined;
    if (typeof reply?.message_id === 'number') sent.replyToMessageId = reply.message_id;
    this.sent.push(sent);
    this.onSendMessage?.(sent);
    const chat = { id: Number(params.chat_id), type: Number(params.chat_id) < 0 ? 'supergroup' : 'private' };
    ok(res, { message_id: messageId, date: Math.floor(Date.now() / 1000), chat, from: this.bot, text: plain, message_thread_id: sent.threadId });
  }

  /** Edits a message the bot sent (its text and parse mode); Telegram's 400s for unknown or unchanged ones. */
  private editMessageText(res: ServerResponse, params: Record<string, unknown>): void {
    const chatId = String(params.chat_id);
    const message = this.sent.find((m) => m.chatId === chatId && m.messageId === params.message_id);
    if (!message) return json(res, 400, { ok: false, error_code: 400, description: 'Bad Request: message to edit not found' });
    const body = textOf(res, params);
    if (!body) return;
    const { text, plain } = body;
    if (text === message.text) {
      return json(res, 400, { ok: false, error_code: 400, description: 'Bad Request: message is not modified' });
    }
    message.text = text;
    message.plain = plain;
    if (typeof params.parse_mode === 'string') message.parseMode = params.parse_mode;
    else delete message.parseMode;
    this.edits.push({ messageId: message.messageId, chatId, text });
    const chat = { id: Number(chatId), type: Number(chatId) < 0 ? 'supergroup' : 'private' };
    ok(res, { message_id: message.messageId, date: Math.floor(Date.now() / 1000), edit_date: Math.floor(Date.now() / 1000), chat, from: this.bot, text: plain });
  }
}

/**
 * The text of a send or edit and what the user sees of it, checked as Telegram does (HTML parse
 * mode, empty, over 4096); undefined when it was refused (the 400 is already answered).
 */
function textOf(res: ServerResponse, params: Record<string, unknown>): { text: string; plain: string } | undefined {
  const text = typeof params.text === 'string' ? params.text : '';
  let plain = text;
  if (params.parse_mode === 'HTML') {
    const parsed = parseTelegramHtml(text);
    if (!parsed.ok) {
      json(res, 400, { ok: false, error_code: 400, description: parsed.description });
      return undefined;
    }
    plain = parsed.plain;
  }
  const problem = plain.trim() === '' ? 'message text is empty' : plain.length > 4096 ? 'message is too long' : undefined;
  if (problem) {
    json(res, 400, { ok: false, error_code: 400, description: `Bad Request: ${problem}` });
    return undefined;
  }
  return { text, plain };
}

function answerFault(res: ServerResponse, fault: SendFault): void {
  switch (fault.kind) {
    case 'retryAfter':
      return json(res, 429, {
        ok: false,
        error_code: 429,
        description: `Too Many Requests: retry after ${fault.seconds}`,
        parameters: { retry_after: fault.seconds },
      });
    case 'cantParse':
      return json(res, 400, { ok: false, error_code: 400, description: "Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 0" });
    case 'blocked':
      return json(res, 403, { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    case 'chatNotFound':
      return json(res, 400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' });
    case 'serverError':
      return json(res, 502, { ok: false, error_code: 502, description: 'Bad Gateway' });
  }
}

function ok(res: ServerResponse, result: unknown): void {
  json(res, 200, { ok: true, result });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return {};
  const parsed = JSON.parse(text) as unknown;
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
}
