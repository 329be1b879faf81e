import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { type WebSocket, WebSocketServer } from 'ws';

/** An envelope as the fake sent it. */
export interface SentEnvelope {
  envelopeId: string;
  eventId: string;
  retryAttempt: number;
  retryReason: string;
  payload: Record<string, unknown>;
}

/** An acknowledgement the fake received. */
export interface ReceivedAck {
  envelopeId: string;
  payload: unknown;
}

/** Options of {@link FakeSocketMode}. */
export interface FakeSocketModeOptions {
  /** An envelope not acknowledged within this time is delivered again (new envelope id, `retry_attempt` + 1). */
  redeliverAfterMs: number;
  /** Redeliveries per event, as Slack (3). */
  maxRetries: number;
  /** Server pings. */
  pingIntervalMs: number;
}

interface Pending {
  envelope: SentEnvelope;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The Socket Mode side of the fake: a WebSocket server at `/link` that says `hello` on connect,
 * pushes `events_api` envelopes, records acknowledgements `{ envelope_id, payload }`, and redelivers
 * an envelope left unacknowledged, like Slack (`retry_attempt`, `retry_reason: timeout`).
 */
export class FakeSocketMode {
  readonly sent: SentEnvelope[] = [];
  readonly acks: ReceivedAck[] = [];
  /** Number of WebSocket connections accepted so far. */
  connections = 0;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  private readonly pending = new Map<string, Pending>();
  private readonly queued: SentEnvelope[] = [];
  private readonly pinger: NodeJS.Timeout;

  constructor(
    server: Server,
    private readonly options: FakeSocketModeOptions,
  ) {
    this.wss = new WebSocketServer({ server, path: '/link' });
    this.wss.on('connection', (socket) => this.onConnection(socket));
    this.pinger = setInterval(() => {
      for (const socket of this.sockets) socket.ping();
    }, options.pingIntervalMs);
    this.pinger.unref();
  }

  /** Sockets currently open. */
  get open(): number {
    return this.sockets.size;
  }

  /** Pushes an `events_api` envelope with `payload` (an `event_callback` body); queued until a socket is open. */
  deliver(payload: Record<string, unknown>, eventId: string, retryAttempt = 0, retryReason = ''): SentEnvelope {
    const envelope: SentEnvelope = { envelopeId: randomUUID(), eventId, retryAttempt, retryReason, payload };
    this.sent.push(envelope);
    this.pending.set(envelope.envelopeId, { envelope, timer: undefined });
    const socket = this.current();
    if (socket) this.push(socket, envelope);
    else this.queued.push(envelope);
    return envelope;
  }

  /** Delivers an already sent envelope's event again, as Slack's retry does. */
  redeliver(envelope: SentEnvelope, reason = 'timeout'): SentEnvelope {
    return this.deliver(envelope.payload, envelope.eventId, envelope.retryAttempt + 1, reason);
  }

  /** Asks the client to reconnect (`disconnect` / `refresh_requested`), as Slack does every few hours. */
  requestRefresh(): void {
    for (const socket of this.sockets)
      socket.send(JSON.stringify({ type: 'disconnect', reason: 'refresh_requested', debug_info: { host: 'fake-slack' } }));
  }

  /** Whether `envelopeId` was acknowledged. */
  acked(envelopeId: string): boolean {
    return this.acks.some((ack) => ack.envelopeId === envelopeId);
  }

  /** Closes every socket with a normal close frame and stops redelivering. */
  async close(): Promise<void> {
    clearInterval(this.pinger);
    for (const pending of this.pending.values()) clearTimeout(pending.timer);
    this.pending.clear();
    const closed = [...this.sockets].map(
      (socket) =>
        new Promise<void>((resolve) => {
          socket.once('close', () => resolve());
          socket.close(1000, 'fake slack closing');
          setTimeout(() => {
            socket.terminate();
            resolve();
          }, 1000).unref();
        }),
    );
    await Promise.all(closed);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private current(): WebSocket | undefined {
    let last: WebSocket | undefined;
    for (const socket of this.sockets) if (socket.readyState === socket.OPEN) last = socket;
    return last;
  }

  private onConnection(socket: WebSocket): void {
    this.connections++;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('message', (data) => this.onMessage(String(data)));
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.sockets.size,
        debug_info: { host: 'fake-slack', approximate_connection_time: 18060 },
        connection_info: { app_id: 'A0FAKE' },
      }),
    );
    for (const envelope of this.queued.splice(0)) this.push(socket, envelope);
  }

  private push(socket: WebSocket, envelope: SentEnvelope): void {
    socket.send(
      JSON.stringify({
        envelope_id: envelope.envelopeId,
        type: 'events_api',
        accepts_response_payload: false,
        retry_attempt: envelope.retryAttempt,
        retry_reason: envelope.retryReason,
        payload: envelope.payload,
      }),
    );
    const pending = this.pending.get(envelope.envelopeId);
    if (pending && envelope.retryAttempt < this.options.maxRetries) {
      pending.timer = setTimeout(() => {
        this.pending.delete(envelope.envelopeId);
        if (!this.acked(envelope.envelopeId)) this.redeliver(envelope);
      }, this.options.redeliverAfterMs);
      pending.timer.unref();
    }
  }

  private onMessage(text: string): void {
    let message: { envelope_id?: unknown; payload?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (typeof message.envelope_id !== 'string') return;
    this.acks.push({ envelopeId: message.envelope_id, payload: message.payload });
    const pending = this.pending.get(message.envelope_id);
    if (pending) clearTimeout(pending.timer);
    this.pending.delete(message.envelope_id);
  }
}
