import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An update the loopback platform delivers. */
export interface LoopbackUpdate {
  id: number;
  chatId: string;
  text: string;
}

/** A message the gateway sent to the loopback platform. */
export interface LoopbackSend {
  chatId: string;
  text: string;
  key: string;
}

/**
 * The platform behind test/fixtures/loopback-channel: updates by long polling with an offset
 * (redelivered until acknowledged by a later offset), sends recorded with their idempotency key.
 * A repeated key is recorded in `repeatedKeys` and not delivered twice, as Discord's enforce_nonce does.
 */
export class LoopbackPlatform {
  readonly updates: LoopbackUpdate[] = [];
  readonly delivered: LoopbackSend[] = [];
  readonly repeatedKeys: string[] = [];
  private readonly keys = new Set<string>();
  private waiters: Array<() => void> = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  push(chatId: string, text: string): void {
    this.updates.push({ id: this.updates.length, chatId, text });
    this.waiters.splice(0).forEach((wake) => {
      wake();
    });
  }

  async close(): Promise<void> {
    this.waiters.splice(0).forEach((wake) => {
      wake();
    });
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(request: IncomingMessage, response: import('node:http').ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    if (url.pathname === '/updates') {
      const offset = Number(url.searchParams.get('offset') ?? 0);
      if (offset >= this.updates.length) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 500);
          this.waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(this.updates.slice(offset, offset + 50)));
      return;
    }
    if (url.pathname === '/send' && request.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const send = JSON.parse(Buffer.concat(chunks).toString()) as LoopbackSend;
      if (this.keys.has(send.key)) this.repeatedKeys.push(send.key);
      else {
        this.keys.add(send.key);
        this.delivered.push(send);
      }
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ id: String(this.delivered.length) }));
      return;
    }
    response.statusCode = 404;
    response.end();
  }
}
