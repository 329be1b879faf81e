import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import {
  type ApiUser,
  ChannelKind,
  apiUser,
  guildCreate,
  message,
  role,
  snowflake,
  textChannel,
  threadChannel,
} from './payloads.js';
import { answerFault, json, type MessageFault, readJson } from './http.js';

/**
 * A fake Discord for end-to-end tests: REST (API v10 over real HTTP) and the gateway (v10 JSON over a
 * real WebSocket) on 127.0.0.1, speaking the wire protocol discord.js 14 uses. It records what it
 * received (messages created, typing, identifies, resumes), can inject faults into message creation
 * (429 with Retry-After, 403 Missing Access, 404 Unknown Channel, 500), and can drop the gateway
 * socket; the session's dispatches are kept so a RESUME replays what was missed, like Discord.
 *
 * Point discord.js at it with `rest: { api: fake.apiBase }`; the gateway URL comes from
 * `GET /gateway/bot`. Unknown routes answer 404 and are logged loudly (and kept in `unknownRoutes`).
 */

export type { MessageFault } from './http.js';

/** A message the bot created through `POST /channels/:id/messages`. */
export interface CreatedMessage {
  id: string;
  channelId: string;
  /** The JSON body discord.js sent (content, nonce, enforce_nonce, message_reference, allowed_mentions...). */
  body: Record<string, unknown>;
  /** The message object the fake answered (and dispatches as `referenced_message` of a reply to it). */
  message: Record<string, unknown>;
}

/** Options of {@link FakeDiscord.start}. */
export interface FakeDiscordOptions {
  token?: string;
  /** Gateway heartbeat interval announced in HELLO (ms). */
  heartbeatIntervalMs?: number;
  /** Guild text channels to announce, at least the 3 named ones (default 3); extras are `text-4`... */
  textChannels?: number;
  /** Called as each message is created (benchmarks time replies with it). */
  onMessageCreated?: (created: CreatedMessage) => void;
}

/** Ids of the world the fake announces. */
export interface FakeWorld {
  bot: ApiUser;
  guildId: string;
  /** Guild text channels, by name: general, random, ops. */
  channels: Record<'general' | 'random' | 'ops', string>;
  /** Every guild text channel: general, random, ops, then any extra ones (option `textChannels`). */
  textChannels: string[];
  /** An active public thread in #general. */
  threadId: string;
  /** A role a member can carry (for role allowlists). */
  roleId: string;
}

interface GatewaySession {
  id: string;
  seq: number;
  /** Every dispatch of the session, for RESUME replays. */
  log: Array<{ s: number; t: string; d: unknown }>;
  socket: WebSocket | undefined;
}

const nonceWindowMs = 5 * 60_000;

export class FakeDiscord {
  /** REST base for discord.js `rest.api` (no version: the library adds /v10). */
  readonly apiBase: string;
  readonly gatewayUrl: string;
  /** What GET /gateway/bot answers instead of `gatewayUrl` (tests of the plugin's `gatewayUrl` override). */
  advertisedGatewayUrl: string | undefined;
  readonly world: FakeWorld;
  readonly created: CreatedMessage[] = [];
  /** Every POST to /channels/:id/messages, including faulted and nonce-deduplicated ones. */
  readonly messageAttempts: Array<{ channelId: string; body: Record<string, unknown>; status: number }> = [];
  readonly typing: Array<{ channelId: string; at: number }> = [];
  readonly identifies: Array<{ intents: number }> = [];
  readonly resumes: Array<{ sessionId: string; seq: number }> = [];
  readonly unknownRoutes: string[] = [];
  /** Messages dispatched to the bot, by id, so tests can find what a reply refers to. */
  readonly dispatched = new Map<string, Record<string, unknown>>();
  private readonly faults: MessageFault[] = [];
  private readonly nonces = new Map<string, { at: number; message: Record<string, unknown> }>();
  private readonly sockets = new Set<WebSocket>();
  private session: GatewaySession | undefined;
  /** While set, new gateway sockets wait for their HELLO (a gateway that is slow to come back). */
  private held: WebSocket[] | undefined;

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    private readonly token: string,
    private readonly heartbeatIntervalMs: number,
    textChannels: number,
    private readonly onMessageCreated: ((created: CreatedMessage) => void) | undefined,
  ) {
    const { port } = server.address() as AddressInfo;
    this.apiBase = `http://127.0.0.1:${port}/api`;
    this.gatewayUrl = `ws://127.0.0.1:${port}/gateway`;
    const guildId = snowflake();
    const channels = { general: snowflake(), random: snowflake(), ops: snowflake() };
    const extra = Array.from({ length: Math.max(0, textChannels - 3) }, () => snowflake());
    this.world = {
      bot: apiUser(snowflake(), 'switchbot', true),
      guildId,
      channels,
      textChannels: [channels.general, channels.random, channels.ops, ...extra],
      threadId: snowflake(),
      roleId: snowflake(),
    };
    server.on('request', (req, res) => {
      this.handleRest(req, res).catch((error: unknown) => {
        console.error('[fake-discord] REST handler failed', error);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    wss.on('connection', (socket) => {
      this.onSocket(socket);
    });
  }

  /** Starts the fake on 127.0.0.1, a free port. */
  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const server = createServer();
    const wss = new WebSocketServer({ server, path: '/gateway' });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new FakeDiscord(
      server,
      wss,
      options.token ?? 'fake-bot-token',
      options.heartbeatIntervalMs ?? 41_250,
      options.textChannels ?? 3,
      options.onMessageCreated,
    );
  }

  /** Makes the next `count` message creations fail with `fault`. */
  failNextMessages(count: number, fault: MessageFault): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  /** Messages created in a channel, in order. */
  createdIn(channelId: string): CreatedMessage[] {
    return this.created.filter((m) => m.channelId === channelId);
  }

  /** Whether a bot is connected and identified (or resumed). */
  get connected(): boolean {
    return this.session?.socket !== undefined;
  }

  /**
   * Dispatches MESSAGE_CREATE from a user. `mention` puts `<@botId> ` before the text and the bot in
   * `mentions`; `dm` makes it a DM (channel_type 1, no guild); `replyTo` makes it a reply.
   */
  sendUserMessage(options: {
    channelId: string;
    text: string;
    author?: ApiUser;
    mention?: boolean;
    dm?: boolean;
    roles?: string[];
    replyTo?: string;
  }): string {
    const author = options.author ?? apiUser('200000000000000001', 'alice');
    const id = snowflake();
    const referenced = options.replyTo !== undefined ? this.lookupMessage(options.replyTo) : undefined;
    const payload = message({
      id,
      channelId: options.channelId,
      author,
      content: options.mention ? `<@${this.world.bot.id}> ${options.text}` : options.text,
      ...(options.dm ? { channelType: ChannelKind.DM } : { guildId: this.world.guildId, memberRoles: options.roles ?? [] }),
      mentions: options.mention ? [this.world.bot] : [],
      ...(options.replyTo !== undefined
        ? {
            reference: {
              messageId: options.replyTo,
              channelId: options.channelId,
              ...(options.dm ? {} : { guildId: this.world.guildId }),
            },
            ...(referenced ? { referenced } : {}),
          }
        : {}),
    });
    this.dispatched.set(id, payload);
    this.dispatch('MESSAGE_CREATE', payload);
    return id;
  }

  /** Cuts the gateway socket without a close frame (a network drop); discord.js should RESUME. */
  dropGateway(): void {
    const socket = this.session?.socket;
    if (this.session) this.session.socket = undefined;
    socket?.terminate();
  }

  /**
   * Cuts the gateway socket and forgets the session (Discord restarted it): the bot's RESUME gets
   * INVALID_SESSION (op 9, not resumable) and it must IDENTIFY again.
   */
  invalidateSession(): void {
    const socket = this.session?.socket;
    this.session = undefined;
    socket?.terminate();
  }

  /** Holds new gateway connections before HELLO until {@link releaseGateway}, so a drop stays visible. */
  holdGateway(): void {
    this.held ??= [];
  }

  /** Lets held and future gateway connections proceed. */
  releaseGateway(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const socket of held) if (socket.readyState === socket.OPEN) this.hello(socket);
  }

  /** Stops the HTTP and WebSocket servers and cuts every socket. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private lookupMessage(id: string): Record<string, unknown> | undefined {
    return this.dispatched.get(id) ?? this.created.find((m) => m.id === id)?.message;
  }

  // ---------------------------------------------------------------- gateway

  private dispatch(t: string, d: unknown): void {
    const session = this.session;
    if (!session) throw new Error('[fake-discord] dispatch before any IDENTIFY');
    const s = ++session.seq;
    session.log.push({ s, t, d });
    session.socket?.send(JSON.stringify({ op: 0, t, s, d }));
  }

  private onSocket(socket: WebSocket): void {
    this.sockets.add(socket);
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (this.session?.socket === socket) this.session.socket = undefined;
    });
    socket.on('message', (data: Buffer) => {
      let payload: { op: number; d: Record<string, unknown> | number | null };
      try {
        payload = JSON.parse(data.toString('utf8')) as typeof payload;
      } catch {
        socket.close(4002, 'Decode error');
        return;
      }
      this.onGatewayPayload(socket, payload.op, payload.d);
    });
    if (this.held) this.held.push(socket);
    else this.hello(socket);
  }

  private hello(socket: WebSocket): void {
    socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: this.heartbeatIntervalMs }, s: null, t: null }));
  }

  private onGatewayPayload(socket: WebSocket, op: number, d: Record<string, unknown> | number | null): void {
    const data = typeof d === 'object' && d !== null ? d : {};
    switch (op) {
      case 1: // HEARTBEAT
        socket.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
        return;
      case 2: // IDENTIFY
        if (data.token !== this.token) {
          socket.close(4004, 'Authentication failed');
          return;
        }
        this.identifies.push({ intents: Number(data.intents) });
        this.session = { id: snowflake(), seq: 0, log: [], socket };
        this.dispatch('READY', {
          v: 10,
          user: this.world.bot,
          guilds: [{ id: this.world.guildId, unavailable: true }],
          session_id: this.session.id,
          resume_gateway_url: this.gatewayUrl,
          shard: [0, 1],
          application: { id: this.world.bot.id, flags: 0 },
          private_channels: [],
          relationships: [],
          user_settings: {},
        });
        this.dispatch('GUILD_CREATE', this.guildPayload());
        return;
      case 6: {
        // RESUME
        const session = this.session;
        const seq = Number(data.seq);
        if (data.token !== this.token || !session || data.session_id !== session.id) {
          socket.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
          return;
        }
        this.resumes.push({ sessionId: session.id, seq });
        session.socket = socket;
        for (const event of session.log)
          if (event.s > seq) socket.send(JSON.stringify({ op: 0, t: event.t, s: event.s, d: event.d }));
        this.dispatch('RESUMED', {});
        return;
      }
      default:
        // Presence updates (op 3) and others are accepted silently; anything else is worth seeing.
        if (op !== 3) console.error(`[fake-discord] unhandled gateway op ${op}`);
    }
  }

  private guildPayload(): Record<string, unknown> {
    const { guildId, channels, textChannels, threadId, roleId, bot } = this.world;
    return guildCreate({
      id: guildId,
      name: 'Test Guild',
      ownerId: bot.id,
      roles: [role(guildId, '@everyone', 0), role(roleId, 'helpers', 1)],
      channels: [
        textChannel(channels.general, guildId, 'general', 0),
        textChannel(channels.random, guildId, 'random', 1),
        textChannel(channels.ops, guildId, 'ops', 2),
        ...textChannels.slice(3).map((id, i) => textChannel(id, guildId, `text-${i + 4}`, i + 3)),
      ],
      threads: [threadChannel(threadId, guildId, channels.general, 'a thread')],
    });
  }

  // ---------------------------------------------------------------- REST

  private async handleRest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    const body = await readJson(req);
    if (req.headers.authorization !== `Bot ${this.token}`) {
      json(res, 401, { message: '401: Unauthorized', code: 0 });
      return;
    }
    if (route === 'GET /api/v10/gateway/bot') {
      json(res, 200, {
        url: this.advertisedGatewayUrl ?? this.gatewayUrl,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 },
      });
      return;
    }
    if (route === 'GET /api/v10/users/@me') {
      json(res, 200, this.world.bot);
      return;
    }
    const messages = /^POST \/api\/v10\/channels\/(\d+)\/messages$/.exec(route);
    if (messages?.[1] !== undefined) {
      this.createMessage(messages[1], body, res);
      return;
    }
    const typing = /^POST \/api\/v10\/channels\/(\d+)\/typing$/.exec(route);
    if (typing?.[1] !== undefined) {
      this.typing.push({ channelId: typing[1], at: Date.now() });
      res.writeHead(204).end();
      return;
    }
    console.error(`[fake-discord] UNKNOWN ROUTE ${route}`);
    this.unknownRoutes.push(route);
    json(res, 404, { message: '404: Not Found', code: 0 });
  }

  private createMessage(channelId: string, body: Record<string, unknown>, res: ServerResponse): void {
    const fault = this.faults.shift();
    if (fault) {
      this.messageAttempts.push({ channelId, body, status: fault.status });
      answerFault(res, fault);
      return;
    }
    if (!this.knownChannel(channelId)) {
      this.messageAttempts.push({ channelId, body, status: 404 });
      json(res, 404, { message: 'Unknown Channel', code: 10003 });
      return;
    }
    if (typeof body.content === 'string' && body.content.length > 2000) {
      this.messageAttempts.push({ channelId, body, status: 400 });
      json(res, 400, {
        message: 'Invalid Form Body',
        code: 50035,
        errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } },
      });
      return;
    }
    const nonce = body.nonce;
    const nonceKey = `${channelId}:${String(nonce)}`;
    if (body.enforce_nonce === true && (typeof nonce === 'string' || typeof nonce === 'number')) {
      const seen = this.nonces.get(nonceKey);
      if (seen && Date.now() - seen.at < nonceWindowMs) {
        // Discord answers the message created earlier with this nonce, and creates nothing.
        this.messageAttempts.push({ channelId, body, status: 200 });
        json(res, 200, seen.message);
        return;
      }
    }
    const id = snowflake();
    const reference = body.message_reference as { message_id?: string } | undefined;
    const created = message({
      id,
      channelId,
      author: this.world.bot,
      content: typeof body.content === 'string' ? body.content : '',
      ...(channelId in this.dmChannels ? {} : { guildId: this.world.guildId }),
      ...(typeof nonce === 'string' || typeof nonce === 'number' ? { nonce } : {}),
      ...(reference?.message_id !== undefined ? { reference: { messageId: reference.message_id, channelId } } : {}),
    });
    this.messageAttempts.push({ channelId, body, status: 200 });
    const record = { id, channelId, body, message: created };
    this.created.push(record);
    this.onMessageCreated?.(record);
    if (body.enforce_nonce === true) this.nonces.set(nonceKey, { at: Date.now(), message: created });
    json(res, 200, created);
  }

  /** DM channel ids the fake knows (any id dispatched as a DM becomes one). */
  private get dmChannels(): Record<string, true> {
    const dms: Record<string, true> = {};
    for (const payload of this.dispatched.values())
      if (payload.channel_type === ChannelKind.DM) dms[String(payload.channel_id)] = true;
    return dms;
  }

  private knownChannel(channelId: string): boolean {
    const { textChannels, threadId } = this.world;
    return textChannels.includes(channelId) || channelId === threadId || channelId in this.dmChannels;
  }
}
