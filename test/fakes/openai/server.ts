import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A chat message as the fake received it (the OpenAI request shape, loosely typed). */
export interface FakeChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content?: string | null;
  name?: string;
  tool_call_id?: string;
  tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
}

/** The body of a `POST /v1/chat/completions`. */
export interface FakeChatRequest {
  model: string;
  messages: FakeChatMessage[];
  stream?: boolean;
  tools?: Array<{ type: 'function'; function: { name: string; parameters?: unknown } }>;
  temperature?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
}

/** One request the fake received, and what became of it. */
export interface RecordedRequest {
  body: FakeChatRequest;
  headers: IncomingMessage['headers'];
  /** The client closed the connection before the response was complete (abort, timeout). */
  aborted: boolean;
  /** The response was written completely. */
  completed: boolean;
}

/** A tool call the fake's model makes. */
export interface FakeToolCall {
  name: string;
  /** Object (serialized by the fake) or raw JSON text (to send bad arguments). */
  arguments: Record<string, unknown> | string;
}

/** What the fake answers to one request. */
export type FakeReply =
  /** An assistant text; streamed in `chunks` (default: word by word) when the request streams. */
  | { text: string; chunks?: string[] }
  /** Tool calls (with optional text before them). */
  | { toolCalls: FakeToolCall[]; text?: string }
  /** An HTTP error, e.g. 429 with `retry-after`. */
  | { status: number; headers?: Record<string, string>; message?: string }
  /** Streams `text`'s first chunk, then never finishes (until the client closes). */
  | { stall: string }
  /** Never answers at all (until the client closes). */
  | { hang: true };

/** Decides the reply to a request; may wait (to hold a response until a test is ready). */
export type FakeHandler = (request: FakeChatRequest, index: number) => FakeReply | Promise<FakeReply>;

/**
 * A fake OpenAI-compatible server on 127.0.0.1: `POST /v1/chat/completions`, streaming (SSE
 * `data: {chunk}` lines ending in `data: [DONE]`) and non-streaming, scripted text, tool calls,
 * HTTP errors, stalls and hangs. Records every request, whether the client aborted it, and the
 * highest number of requests in flight at once.
 */
export class FakeOpenAI {
  readonly requests: RecordedRequest[] = [];
  /** Replies used in order before `handler` is consulted. */
  readonly queue: FakeReply[] = [];
  /** Fallback: answers `echo: <last user content>`. */
  handler: FakeHandler = (request) => ({ text: `echo: ${lastUser(request)}` });
  inFlight = 0;
  maxInFlight = 0;
  url = '';
  private server: Server | undefined;

  /** Listens on 127.0.0.1, a free port; `url` is then the base URL to give the client (with `/v1`). */
  async start(): Promise<this> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST' || !request.url?.endsWith('/chat/completions')) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FakeChatRequest;
    const recorded: RecordedRequest = { body, headers: request.headers, aborted: false, completed: false };
    const index = this.requests.push(recorded) - 1;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    response.on('close', () => {
      this.inFlight--;
      if (!response.writableFinished) recorded.aborted = true;
    });
    response.on('finish', () => (recorded.completed = true));
    const reply = this.queue.shift() ?? (await this.handler(body, index));
    if (response.destroyed) return;
    if ('status' in reply) {
      response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      response.end(JSON.stringify({ error: { message: reply.message ?? `error ${reply.status}`, type: 'server_error' } }));
    } else if ('hang' in reply) {
      return;
    } else if (body.stream) {
      this.stream(response, body, reply);
    } else {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(completion(body, reply)));
    }
  }

  private stream(response: ServerResponse, body: FakeChatRequest, reply: FakeReply): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const write = (delta: Record<string, unknown>, finish: string | null = null) =>
      response.write(
        `data: ${JSON.stringify({
          id: 'chatcmpl-fake',
          object: 'chat.completion.chunk',
          created: Math.floor(Date.now() / 1000),
          model: body.model,
          choices: [{ index: 0, delta, finish_reason: finish }],
        })}\n\n`,
      );
    write({ role: 'assistant', content: '' });
    if ('stall' in reply) {
      write({ content: reply.stall });
      return;
    }
    if ('text' in reply && reply.text !== undefined) {
      const parts = 'chunks' in reply && reply.chunks ? reply.chunks : splitWords(reply.text);
      for (const part of parts) write({ content: part });
    }
    if ('toolCalls' in reply) {
      reply.toolCalls.forEach((call, index) => {
        const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
        write({ tool_calls: [{ index, id: `call_${index}`, type: 'function', function: { name: call.name, arguments: '' } }] });
        // Arguments arrive in fragments, as real servers send them.
        for (let at = 0; at < args.length; at += 7)
          write({ tool_calls: [{ index, function: { arguments: args.slice(at, at + 7) } }] });
      });
    }
    write({}, 'toolCalls' in reply ? 'tool_calls' : 'stop');
    response.end('data: [DONE]\n\n');
  }
}

/** The content of the last user message of a request. */
export function lastUser(request: FakeChatRequest): string {
  const user = request.messages.filter((message) => message.role === 'user').at(-1);
  return typeof user?.content === 'string' ? user.content : '';
}

function splitWords(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [text];
}

function completion(body: FakeChatRequest, reply: FakeReply): Record<string, unknown> {
  const message: Record<string, unknown> = { role: 'assistant', content: null };
  if ('stall' in reply) message.content = reply.stall;
  if ('text' in reply && reply.text !== undefined) message.content = reply.text;
  if ('toolCalls' in reply)
    message.tool_calls = reply.toolCalls.map((call, index) => ({
      id: `call_${index}`,
      type: 'function',
      function: {
        name: call.name,
        arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
      },
    }));
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: [{ index: 0, message, finish_reason: 'toolCalls' in reply ? 'tool_calls' : 'stop', logprobs: null }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
}
