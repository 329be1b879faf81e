import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { closeServer, listen } from '../http/listen.js';
import type { DaemonStatus } from './status.js';

/** Options of {@link startAdminServer}. */
export interface AdminServerOptions {
  host: string;
  port: number;
  status(): DaemonStatus;
  metrics: Registry;
  /** Other routes (the status page); returns false when it did not handle the request. */
  extraRoutes?(request: IncomingMessage, response: ServerResponse): boolean;
}

export interface AdminServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The admin HTTP server: `/healthz` (alive), `/readyz` (200 only when every enabled plugin runs;
 * JSON with each plugin's state), `/metrics` (Prometheus text), and the routes of `extraRoutes`.
 * Read-only; binds loopback unless configured otherwise.
 */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`internal error: ${(error as Error).message}\n`);
    });
  });
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const path = new URL(request.url ?? '/', 'http://admin').pathname;
    if (path === '/healthz') {
      json(response, 200, { status: 'ok' });
    } else if (path === '/readyz') {
      const status = options.status();
      json(response, status.ready ? 200 : 503, {
        ready: status.ready,
        plugins: Object.fromEntries(
          status.plugins.map((plugin) => [
            plugin.name,
            { kind: plugin.kind, state: plugin.state, restarts: plugin.restarts, reason: plugin.reason },
          ]),
        ),
      });
    } else if (path === '/metrics') {
      const body = await options.metrics.metrics();
      response.writeHead(200, { 'content-type': options.metrics.contentType }).end(body);
    } else if (!options.extraRoutes?.(request, response)) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  };
  const url = await listen(server, options.port, options.host);
  return { url, close: () => closeServer(server) };
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(`${JSON.stringify(body)}\n`);
}
