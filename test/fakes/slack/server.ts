import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appMentionEvent, eventCallback, messageChangedEvent, messageEvent, type UserMessage, world } from './payloads.js';
import { FakeSocketMode, type FakeSocketModeOptions, type SentEnvelope } from './socket.js';

export { world } from './payloads.js';
export type { UserMessage } from './payloads.js';

/** A message the gateway posted (chat.postMessage). */
export interface PostedMessage {
  channel: string;
  text: string;
  threadTs?: string;
  blocks?: unknown;
  mrkdwn?: unknown;
  ts: string;
}

/** One chat.postMessage call and how the fake answered it. */
export interface PostAttempt {
  channel: string;
  text: string;
  /** 'ok', 'http 429', 'http 500', or the Web API error code. */
  outcome: string;
}

/** A reactions.add / reactions.remove call that succeeded. */
export interface ReactionCall {
  method: 'add' | 'remove';
  channel: string;
  timestamp: string;
  name: string;
}

/** A fault for the next chat.postMessage calls. */
export type PostFault = { status: 429; retryAfterSeconds: number } | { status: 500 } | { error: string };

/** Options of {@link FakeSlack.start}: the Socket Mode side's, plus hooks. */
export interface FakeSlackOptions extends FakeSocketModeOptions {
  /** Called when a chat.postMessage succeeded, before the fake answers it (benchmarks time replies with it). */
  onPostMessage?: (posted: PostedMessage) => void;
}

/** What the fake delivered for one user message. */
export interface DeliveredMessage {
  ts: string;
  envelopes: SentEnvelope[];
}

/**
 * A fake Slack on 127.0.0.1: the Web API (`POST /api/<method>`, form-encoded or JSON, Bearer token)
 * with what the gateway uses (`auth.test`, `apps.connections.open`, `chat.postMessage`,
 * `reactions.add/remove`, `users.info`), a Socket Mode WebSocket (see {@link FakeSocketMode}), and a
 * client for signed HTTP Events API delivery. Records every call; injects 429s and platform errors.
 */
export class FakeSlack {
  readonly posted: PostedMessage[] = [];
  readonly postAttempts: PostAttempt[] = [];
  readonly reactionCalls: ReactionCall[] = [];
  /** The user ids users.info was asked about, in order. */
  readonly usersInfoCalls: string[] = [];
  /** Who users.info knows (Alice has a display name, Bob only a real name); tests may add more. */
  readonly users = new Map<string, { name: string; realName: string; displayName: string }>([
    [world.alice, { name: 'alice', realName: 'Alice Liddell', displayName: 'alice.l' }],
    [world.bob, { name: 'bob', realName: 'Bob Builder', displayName: '' }],
  ]);
  /** Delay of every users.info answer (a slow Slack). */
  usersInfoDelayMs = 0;
  /** Every Web API call: method and the token it carried. */
  readonly calls: Array<{ method: string; token: string }> = [];
  readonly unknownMethods: string[] = [];
  readonly socket: FakeSocketMode;
  apiUrl = '';
  private readonly reactions = new Set<string>();
  private readonly faults: PostFault[] = [];
  private seq = 0;
  private eventSeq = 0;
  private readonly onPostMessage: ((posted: PostedMessage) => void) | undefined;

  private constructor(
    private readonly server: Server,
    { onPostMessage, ...options }: FakeSlackOptions,
  ) {
    this.socket = new FakeSocketMode(server, options);
    this.onPostMessage = onPostMessage;
  }

  /** Starts the fake on a free port. */
  static async start(options: Partial<FakeSlackOptions> = {}): Promise<FakeSlack> {
    const server = createServer();
    const fake = new FakeSlack(server, { redeliverAfterMs: 3000, maxRetries: 3, pingIntervalMs: 5000, ...options });
    server.on('request', (request: IncomingMessage, response: ServerResponse) => void fake.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
    return fake;
  }

  /** The next `count` chat.postMessage calls fail with `fault`. */
  failNextPosts(count: number, fault: PostFault): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  /** Messages posted to `channel` (optionally in thread `threadTs`; `null` = the channel root). */
  postedIn(channel: string, threadTs?: string | null): PostedMessage[] {
    return this.posted.filter(
      (m) => m.channel === channel && (threadTs === undefined || (threadTs === null ? m.threadTs === undefined : m.threadTs === threadTs)),
    );
  }

  /** A fresh message ts, increasing. */
  nextTs(): string {
    this.seq++;
    return `${1_700_000_000 + this.seq}.${String(this.seq).padStart(6, '0')}`;
  }

  /** A fresh event id. */
  nextEventId(): string {
    return `Ev${String(++this.eventSeq).padStart(8, '0')}`;
  }

  /**
   * A user writes `message`: the fake pushes its `message` event over Socket Mode, and an
   * `app_mention` event too when `mention` is set (two envelopes, two event ids, one ts).
   */
  userMessage(message: UserMessage): DeliveredMessage {
    const ts = message.ts ?? this.nextTs();
    const envelopes = this.eventsOf({ ...message, ts }).map((event) => this.socket.deliver(eventCallback(event, this.nextEventId()), ''));
    for (const envelope of envelopes) envelope.eventId = String(envelope.payload.event_id);
    return { ts, envelopes };
  }

  /** A user edits a message delivered earlier (`message`, as first sent) to `text`: Slack's message_changed. */
  editUserMessage(message: UserMessage & { ts: string }, text: string): DeliveredMessage {
    const editTs = this.nextTs();
    const envelope = this.socket.deliver(eventCallback(messageChangedEvent(message, text, editTs), this.nextEventId()), '');
    envelope.eventId = String(envelope.payload.event_id);
    return { ts: editTs, envelopes: [envelope] };
  }

  /** The events Slack sends for a user message. */
  eventsOf(message: UserMessage & { ts: string }): Record<string, unknown>[] {
    const events = [messageEvent(message)];
    if (message.mention && message.channelType !== 'im') events.push(appMentionEvent(message));
    return events;
  }

  /**
   * Posts an Events API body to `url`, signed with `signingSecret` like Slack (`v0=HMAC_SHA256(secret,
   * "v0:" + ts + ":" + body)`); `retryNum` sets `X-Slack-Retry-Num`. Answers the HTTP status and body.
   */
  async postEvent(
    url: string,
    body: Record<string, unknown>,
    options: { signingSecret: string; retryNum?: number; timestamp?: number; signature?: string },
  ): Promise<{ status: number; body: string }> {
    const raw = JSON.stringify(body);
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const signature =
      options.signature ?? `v0=${createHmac('sha256', options.signingSecret).update(`v0:${timestamp}:${raw}`).digest('hex')}`;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signature,
    };
    if (options.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(options.retryNum);
      headers['x-slack-retry-reason'] = 'http_timeout';
    }
    const response = await fetch(url, { method: 'POST', headers, body: raw });
    return { status: response.status, body: await response.text() };
  }

  /** Closes sockets gracefully, then the HTTP server. */
  async close(): Promise<void> {
    await this.socket.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    if (!url.pathname.startsWith('/api/') || request.method !== 'POST') {
      response.writeHead(404).end();
      return;
    }
    const method = url.pathname.slice('/api/'.length);
    const params = await readParams(request);
    const token = String(request.headers.authorization ?? '').replace(/^Bearer /, '') || String(params.token ?? '');
    this.calls.push({ method, token });
    const answer = (body: Record<string, unknown>, status = 200, headers: Record<string, string> = {}): void => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    };
    switch (method) {
      case 'auth.test':
        if (!token.startsWith('xoxb-')) return answer({ ok: false, error: 'invalid_auth' });
        return answer({
          ok: true,
          url: 'https://fake.slack.com/',
          team: 'Fake',
          user: 'switchboard',
          team_id: world.teamId,
          user_id: world.botUserId,
          bot_id: world.botId,
        });
      case 'apps.connections.open': {
        if (!token.startsWith('xapp-')) return answer({ ok: false, error: 'invalid_auth' });
        const port = (this.server.address() as AddressInfo).port;
        return answer({ ok: true, url: `ws://127.0.0.1:${port}/link?ticket=${this.nextEventId()}` });
      }
      case 'chat.postMessage':
        return this.postMessage(params, answer);
      case 'reactions.add':
      case 'reactions.remove': {
        const key = `${String(params.channel)}:${String(params.timestamp)}:${String(params.name)}`;
        const add = method === 'reactions.add';
        if (add && this.reactions.has(key)) return answer({ ok: false, error: 'already_reacted' });
        if (!add && !this.reactions.has(key)) return answer({ ok: false, error: 'no_reaction' });
        if (add) this.reactions.add(key);
        else this.reactions.delete(key);
        this.reactionCalls.push({
          method: add ? 'add' : 'remove',
          channel: String(params.channel),
          timestamp: String(params.timestamp),
          name: String(params.name),
        });
        return answer({ ok: true });
      }
      case 'users.info': {
        const id = String(params.user);
        this.usersInfoCalls.push(id);
        const profile = this.users.get(id);
        if (this.usersInfoDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.usersInfoDelayMs));
        if (!profile) return answer({ ok: false, error: 'user_not_found' });
        return answer({ ok: true, user: { id, name: profile.name, real_name: profile.realName, is_bot: false, profile: { display_name: profile.displayName, real_name: profile.realName } } });
      }
      default:
        this.unknownMethods.push(method);
        return answer({ ok: false, error: 'unknown_method' });
    }
  }

  private postMessage(
    params: Record<string, unknown>,
    answer: (body: Record<string, unknown>, status?: number, headers?: Record<string, string>) => void,
  ): void {
    const channel = String(params.channel ?? '');
    const text = String(params.text ?? '');
    const fault = this.faults.shift();
    if (fault && 'status' in fault) {
      this.postAttempts.push({ channel, text, outcome: `http ${fault.status}` });
      if (fault.status === 429) return answer({ ok: false, error: 'ratelimited' }, 429, { 'retry-after': String(fault.retryAfterSeconds) });
      return answer({ ok: false, error: 'internal_error' }, 500);
    }
    if (fault) {
      this.postAttempts.push({ channel, text, outcome: fault.error });
      return answer({ ok: false, error: fault.error });
    }
    const ts = this.nextTs();
    const message: PostedMessage = { channel, text, ts };
    if (params.thread_ts !== undefined && params.thread_ts !== '') message.threadTs = String(params.thread_ts);
    if (params.blocks !== undefined) message.blocks = params.blocks;
    if (params.mrkdwn !== undefined) message.mrkdwn = params.mrkdwn;
    this.posted.push(message);
    this.postAttempts.push({ channel, text, outcome: 'ok' });
    this.onPostMessage?.(message);
    return answer({ ok: true, channel, ts, message: { type: 'message', text, user: world.botUserId, bot_id: world.botId, ts } });
  }
}

async function readParams(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (String(request.headers['content-type'] ?? '').includes('application/json')) {
    try {
      return JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(raw));
}
