import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { type App, type Receiver, SocketModeReceiver, verifySlackRequest } from '@slack/bolt';
import { closeServer, listen } from '../../src/http/listen.js';

/**
 * The two ways Slack delivers events, feeding ONE entry point ({@link EnvelopeHandler}, which runs
 * the event through Bolt's listeners): Socket Mode (a WebSocket; each envelope is acknowledged with
 * its `envelope_id`) and the HTTP Events API (a signed POST; the 200 answer is the acknowledgement).
 *
 * Bolt acknowledges an event BEFORE its listeners run. The gateway must acknowledge only after the
 * message is journaled (`emit` resolved), so both transports hand Bolt a no-op `ack` and send the
 * real acknowledgement themselves once the listeners are done, unless a listener declined it
 * (gateway closed, or the journal failed): then Slack redelivers.
 */

/** One event delivery, from either transport. */
export interface Envelope {
  body: Record<string, unknown>;
  /** Slack's redelivery count (`retry_attempt` in Socket Mode, `X-Slack-Retry-Num` over HTTP). */
  retryNum?: number;
  retryReason?: string;
}

/** Handles one envelope; resolves true to acknowledge it, false to leave it for Slack to redeliver. */
export type EnvelopeHandler = (envelope: Envelope) => Promise<boolean>;

/** Put on Bolt's listener context (`context.ackVerdict`): a listener sets `ack = false` to withhold the acknowledgement. */
export interface AckVerdict {
  ack: boolean;
}

/**
 * Runs an envelope through Bolt's middleware and listeners and reports whether to acknowledge it.
 * An error Bolt rethrows (a failed listener) withholds the acknowledgement.
 */
export async function dispatchThroughBolt(app: App, envelope: Envelope, log: Logger): Promise<boolean> {
  const verdict: AckVerdict = { ack: true };
  try {
    await app.processEvent({
      body: envelope.body,
      ...(envelope.retryNum !== undefined ? { retryNum: envelope.retryNum } : {}),
      ...(envelope.retryReason !== undefined ? { retryReason: envelope.retryReason } : {}),
      customProperties: { ackVerdict: verdict },
      ack: async () => undefined,
    });
  } catch (error) {
    log.error({ err: error }, 'slack: event handling failed; leaving it for Slack to redeliver');
    return false;
  }
  return verdict.ack;
}

/** Options of {@link socketModeReceiver}. */
export interface SocketModeOptions {
  appToken: string;
  clientOptions: Record<string, unknown>;
  logger: ConstructorParameters<typeof SocketModeReceiver>[0]['logger'];
  /** Milliseconds without a ping from Slack before the client reconnects. */
  serverPingTimeoutMs: number;
}

/**
 * Bolt's Socket Mode receiver with its event listener replaced: the envelope is acknowledged after
 * `handle` resolved true, never before. Connection handling (hello, disconnect/refresh_requested,
 * reconnects, pings) stays with @slack/socket-mode.
 */
export function socketModeReceiver(options: SocketModeOptions, handle: EnvelopeHandler, log: Logger): SocketModeReceiver {
  const receiver = new SocketModeReceiver({
    appToken: options.appToken,
    logger: options.logger,
    serverPingTimeout: options.serverPingTimeoutMs,
    installerOptions: { clientOptions: options.clientOptions },
  });
  receiver.client.removeAllListeners('slack_event');
  receiver.client.on(
    'slack_event',
    async (args: { ack: () => Promise<void>; body: Record<string, unknown>; retry_num?: number; retry_reason?: string }) => {
      const envelope: Envelope = { body: args.body ?? {} };
      if (typeof args.retry_num === 'number') envelope.retryNum = args.retry_num;
      if (typeof args.retry_reason === 'string' && args.retry_reason !== '') envelope.retryReason = args.retry_reason;
      if (!(await handle(envelope))) return;
      try {
        await args.ack();
      } catch (error) {
        // The socket dropped between emit and ack: Slack redelivers, the inbox sees a duplicate.
        log.warn({ err: error }, 'slack: could not acknowledge an envelope');
      }
    },
  );
  return receiver;
}

/** Options of {@link SlackHttpReceiver}. */
export interface HttpReceiverOptions {
  host: string;
  port: number;
  path: string;
  signingSecret: string;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
}

/**
 * The HTTP Events API endpoint: checks Slack's v0 signature and its 5-minute timestamp window
 * (Bolt's `verifySlackRequest`), answers `url_verification`, and answers 200 only once the event
 * was handled; 503 when the gateway declined it, so Slack retries (with `X-Slack-Retry-Num`).
 */
export class SlackHttpReceiver implements Receiver {
  private server: Server | undefined;
  /** `http://host:port/slack/events` once listening. */
  url = '';

  constructor(
    private readonly options: HttpReceiverOptions,
    private readonly handle: EnvelopeHandler,
    private readonly log: Logger,
  ) {}

  /** Bolt calls it with the App; the handler given to the constructor already knows it. */
  init(): void {}

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      this.onRequest(request, response).catch((error: unknown) => {
        this.log.error({ err: error }, 'slack: events request failed');
        if (!response.headersSent) response.writeHead(500).end();
      });
    });
    this.server = server;
    const base = await listen(server, this.options.port, this.options.host);
    this.url = `${base}${this.options.path}`;
  }

  async stop(): Promise<void> {
    if (this.server) await closeServer(this.server);
    this.server = undefined;
  }

  private async onRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '').split('?')[0];
    if (path !== this.options.path || request.method !== 'POST') {
      response.writeHead(404).end();
      return;
    }
    const raw = await readBody(request, this.options.maxBodyBytes ?? 1_000_000);
    if (raw === undefined) {
      response.writeHead(413).end();
      return;
    }
    try {
      verifySlackRequest({
        signingSecret: this.options.signingSecret,
        body: raw,
        headers: {
          'x-slack-signature': String(request.headers['x-slack-signature'] ?? ''),
          'x-slack-request-timestamp': Number(request.headers['x-slack-request-timestamp']),
        },
      });
    } catch {
      this.log.warn({ path }, 'slack: events request with a bad or stale signature refused');
      response.writeHead(401).end();
      return;
    }
    const body = parseBody(raw, String(request.headers['content-type'] ?? ''));
    if (body === undefined) {
      response.writeHead(400).end();
      return;
    }
    if (body.type === 'url_verification') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ challenge: body.challenge }));
      return;
    }
    const envelope: Envelope = { body };
    const retryNum = Number(request.headers['x-slack-retry-num']);
    if (Number.isInteger(retryNum)) envelope.retryNum = retryNum;
    const retryReason = request.headers['x-slack-retry-reason'];
    if (typeof retryReason === 'string') envelope.retryReason = retryReason;
    const ack = await this.handle(envelope);
    response.writeHead(ack ? 200 : 503).end();
  }
}

async function readBody(request: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** JSON event bodies; form-encoded `payload=` for interactive requests. */
function parseBody(raw: string, contentType: string): Record<string, unknown> | undefined {
  try {
    if (contentType.includes('application/x-www-form-urlencoded')) {
      const payload = new URLSearchParams(raw).get('payload');
      return payload ? (JSON.parse(payload) as Record<string, unknown>) : undefined;
    }
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
