import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { controlReplies } from '../../../src/core/gateway.js';
import { notices } from '../../../src/core/turn-runner.js';
import type { AnyPluginDefinition } from '../../../src/plugins/api.js';
import httpPlugin from '../../../plugins/http/index.js';
import { type ChatDaemon, startChatDaemon } from '../../fixtures/agents/chat-daemon.js';
import { waitFor } from '../../support/wait.js';

const secret = 'webhook-secret';

/** One request the backend received. */
interface BackendRequest {
  raw: string;
  body: { turnId: string; sessionKey: string; origin: unknown; messages: Array<{ text: string; sender: { name: string } }> };
  signatureValid: boolean;
  /** The connection closed before the response ended. */
  aborted: boolean;
}

/** A webhook backend on 127.0.0.1 that checks the signature as a real one would. */
class Backend {
  readonly requests: BackendRequest[] = [];
  handler: (request: BackendRequest, response: ServerResponse) => void | Promise<void> = (request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ replies: request.body.messages.map((m) => ({ text: `hook: ${m.text}` })) }));
  };
  url = '';
  private server: Server | undefined;

  async start(): Promise<this> {
    return this.listenOn(0);
  }

  /** Listens (again) on `port` (0: any free one). */
  async listenOn(port: number): Promise<this> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
    const given = Buffer.from(String(request.headers['x-switchboard-signature'] ?? ''));
    const recorded: BackendRequest = {
      raw,
      body: JSON.parse(raw) as BackendRequest['body'],
      signatureValid: given.length === expected.length && timingSafeEqual(given, expected),
      aborted: false,
    };
    this.requests.push(recorded);
    response.on('close', () => {
      if (!response.writableFinished) recorded.aborted = true;
    });
    if (!recorded.signatureValid) {
      response.writeHead(401).end();
      return;
    }
    await this.handler(recorded, response);
  }
}

let backend: Backend;
let harness: ChatDaemon | undefined;

afterEach(async () => {
  await harness?.stop();
  harness = undefined;
  await backend?.close();
});

async function start(config: Record<string, unknown> = {}): Promise<ChatDaemon> {
  backend = await new Backend().start();
  harness = await startChatDaemon({
    agentName: 'http',
    agent: httpPlugin as unknown as AnyPluginDefinition,
    agentConfig: { url: backend.url, secret, ...config },
  });
  return harness;
}

describe('http agent', () => {
  it('posts the signed turn and routes the JSON replies', async () => {
    const h = await start();
    await h.say('c1', 'hello', { chat: { id: 'c1', type: 'group', threadId: '4' } });
    await waitFor(() => h.chat.sent.length === 1, 'reply');
    expect(h.chat.sent[0]!.text).toBe('hook: hello');
    expect(h.chat.sent[0]!.target).toEqual({ channel: 'chat', chatId: 'c1', threadId: '4' });
    const request = backend.requests[0]!;
    expect(request.signatureValid).toBe(true);
    expect(request.body.turnId).toMatch(/^t-/);
    expect(request.body.origin).toEqual({ channel: 'chat', chatId: 'c1', threadId: '4' });
    expect(request.body.messages.map((m) => [m.sender.name, m.text])).toEqual([['Ann', 'hello']]);
  });

  it('a wrong secret is refused by the backend and the user gets an apology', async () => {
    const h = await start({ secret: 'not-the-secret' });
    await h.say('c1', 'hello');
    await waitFor(() => h.chat.sent.length === 1, 'apology');
    expect(backend.requests[0]!.signatureValid).toBe(false);
    expect(h.chat.textsTo('c1')).toEqual([notices.apology]);
  });

  it('replies may target another allowed chat; a refused target is not sent', async () => {
    const h = await start();
    backend.handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          replies: [
            { text: 'to ops', target: { channel: 'other', chatId: 'ops' } },
            { text: 'leak', target: { channel: 'other', chatId: 'forbidden' } },
            { text: 'done' },
          ],
        }),
      );
    };
    await h.say('c1', 'go');
    await waitFor(() => h.chat.sent.length === 1, 'reply to origin');
    expect(h.other.sent.map((o) => [o.target.chatId, o.text])).toEqual([['ops', 'to ops']]);
    expect(h.chat.textsTo('c1')).toEqual(['done']);
  });

  it('NDJSON replies are sent as each line arrives', async () => {
    const h = await start();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    backend.handler = async (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      response.write(`${JSON.stringify({ text: 'first' })}\n`);
      await gate;
      response.end(`${JSON.stringify({ text: 'second' })}\n`);
    };
    await h.say('c1', 'stream');
    // The first line reaches the chat while the response is still open.
    await waitFor(() => h.chat.sent.length === 1, 'first line');
    expect(backend.requests[0]!.aborted).toBe(false);
    release();
    await waitFor(() => h.chat.sent.length === 2, 'second line');
    expect(h.chat.textsTo('c1')).toEqual(['first', 'second']);
  });

  it('/stop aborts the request: the backend sees the connection closed, no reply follows', async () => {
    const h = await start();
    backend.handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      response.write(`${JSON.stringify({ text: 'thinking...' })}\n`);
    };
    await h.say('c1', 'slow');
    await waitFor(() => h.chat.sent.length === 1, 'first line');
    await h.say('c1', '/stop');
    await waitFor(() => backend.requests[0]!.aborted, 'connection closed');
    await waitFor(() => h.chat.textsTo('c1').includes(controlReplies.stopped(0)), 'stop answered');
    await waitFor(() => h.daemon.gateway.scheduler.turnsRunning === 0, 'turn ended');
    expect(h.chat.textsTo('c1')).toEqual(['thinking...', controlReplies.stopped(0)]);
  });

  it('timeoutMs aborts a silent backend and the user gets an apology; the session goes on', async () => {
    const h = await start({ timeoutMs: 400 });
    backend.handler = () => {};
    await h.say('c1', 'slow');
    await waitFor(() => h.chat.sent.length === 1, 'apology');
    expect(h.chat.textsTo('c1')).toEqual([notices.apology]);
    await waitFor(() => backend.requests[0]!.aborted, 'connection closed');
    expect(h.daemon.status().recentErrors.at(-1)?.message).toBe('webhook did not answer within 400 ms');

    backend.handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ replies: [{ text: 'back' }] }));
    };
    await h.say('c1', 'again');
    await waitFor(() => h.chat.sent.length === 2, 'answer');
  });

  it('bad output (not JSON, wrong shape, HTTP 500) is an apology', async () => {
    const h = await start();
    const bodies: Array<[number, string, string]> = [
      [200, 'application/json', 'not json'],
      [200, 'application/json', JSON.stringify({ answer: 'wrong shape' })],
      [200, 'application/x-ndjson', `${JSON.stringify({ text: 'ok line' })}\n{"target": 1}\n`],
      [500, 'text/plain', 'internal error'],
    ];
    backend.handler = (_request, response) => {
      const [status, type, body] = bodies.shift()!;
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    };
    for (let i = 0; i < 4; i++) {
      await h.say(`c${i}`, 'hi');
      await waitFor(() => h.chat.textsTo(`c${i}`).includes(notices.apology), `apology ${i}`);
    }
    expect(h.chat.textsTo('c2')).toEqual(['ok line', notices.apology]);
  });

  it('retries a turn the webhook refused (503 with Retry-After, 429) with the same turn id, and answers once', async () => {
    const h = await start();
    const refusals = [
      [503, { 'retry-after': '0' }],
      [429, {}],
    ] as const;
    const answer = backend.handler;
    backend.handler = (request, response) => {
      const refusal = refusals[backend.requests.length - 1];
      if (!refusal) return answer(request, response);
      response.writeHead(refusal[0], refusal[1]).end();
    };
    await h.say('c1', 'again');
    await waitFor(() => h.chat.sent.length === 1, 'reply');
    expect(h.chat.textsTo('c1')).toEqual(['hook: again']);
    expect(backend.requests).toHaveLength(3);
    expect(new Set(backend.requests.map((r) => r.body.turnId)).size).toBe(1);
    expect(backend.requests.every((r) => r.signatureValid)).toBe(true);
  });

  it('gives up after `retries` refusals, and never retries a 500', async () => {
    const h = await start({ retries: 1 });
    backend.handler = (request, response) => {
      response.writeHead(request.body.messages[0]!.text === 'busy' ? 503 : 500, { 'retry-after': '0' }).end();
    };
    await h.say('c1', 'busy');
    await waitFor(() => h.chat.textsTo('c1').includes(notices.apology), 'apology after the retries');
    expect(backend.requests).toHaveLength(2);
    await h.say('c2', 'broken');
    await waitFor(() => h.chat.textsTo('c2').includes(notices.apology), 'apology at once');
    expect(backend.requests).toHaveLength(3);
  });

  it('retries while nobody listens on the webhook port, until it is back', async () => {
    const h = await start();
    const port = Number(new URL(backend.url).port);
    await backend.close();
    await h.say('c1', 'are you there');
    // The first attempt is refused at once; the backend comes back before the next one.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await backend.listenOn(port);
    await waitFor(() => h.chat.sent.length === 1, 'reply once the backend is back');
    expect(h.chat.textsTo('c1')).toEqual(['hook: are you there']);
    expect(backend.requests).toHaveLength(1);
  });

  it('an invalid url is a config error naming the key', async () => {
    const error = await startChatDaemon({
      agentName: 'http',
      agent: httpPlugin as unknown as AnyPluginDefinition,
      agentConfig: { url: 'ftp://example', secret },
    }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toContain('plugins.http.url');
  });
});
