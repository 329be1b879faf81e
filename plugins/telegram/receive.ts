import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Telegram } from 'telegraf';
import { TelegramError } from 'telegraf';
import { asUpdate, type TgUpdate } from './normalize.js';
import { takeBatch } from './take-batch.js';

/**
 * The two transports. Both feed every update to one {@link UpdateHandler} (grammY's `handleUpdate`
 * shape) and acknowledge Telegram only once it resolved: polling by advancing the getUpdates offset,
 * webhook by answering 200.
 */

/** telegraf types its signal with the abort-controller polyfill; Node's AbortSignal is what it uses at runtime. */
type CallApiSignal = NonNullable<Parameters<Telegram['callApi']>[2]>['signal'];

/** What became of an update: `ack` = safely taken (or deliberately ignored); `closed` = do not acknowledge. */
export type UpdateOutcome = 'ack' | 'closed';

/** Handles one update; throws when it could not be taken (it will be delivered again). */
export type UpdateHandler = (update: TgUpdate) => Promise<UpdateOutcome>;

/** Update kinds asked for: the gateway reads messages and (optionally) their edits. */
export const allowedUpdates = ['message', 'edited_message'] as const;

/** Options of {@link pollUpdates}. */
export interface PollOptions {
  telegram: Telegram;
  handle: UpdateHandler;
  log: Logger;
  timeoutSec: number;
  signal: AbortSignal;
  /** Health reporting: called with a reason when polling fails, undefined when it works again. */
  onHealth?: (problem: string | undefined) => void;
}

/**
 * The getUpdates loop (instead of telegraf's `launch()`, which acknowledges an update as soon as it
 * was fetched). A batch is taken chats in parallel, each chat in order ({@link takeBatch}); `offset`
 * only moves past updates whose handler resolved `ack`; on `closed` the loop stops without moving
 * it, so Telegram delivers the rest again to the next run. Resolves
 * when `signal` aborts or the gateway closed.
 */
export async function pollUpdates(options: PollOptions): Promise<void> {
  const { telegram, handle, log, signal } = options;
  let offset: number | undefined;
  let failures = 0;
  let closed = false;
  while (!signal.aborted && !closed) {
    let updates: unknown[];
    try {
      const payload = { timeout: options.timeoutSec, allowed_updates: [...allowedUpdates], ...(offset === undefined ? {} : { offset }) };
      updates = (await telegram.callApi('getUpdates', payload, { signal: signal as CallApiSignal })) as unknown[];
      if (failures > 0) options.onHealth?.(undefined);
      failures = 0;
    } catch (error) {
      if (signal.aborted) break;
      failures++;
      const waitMs = retryDelayMs(error, failures);
      const reason = error instanceof Error ? error.message : String(error);
      options.onHealth?.(`getUpdates failed: ${reason}`);
      log.warn({ reason, waitMs, failures }, 'telegram: getUpdates failed; retrying');
      await sleep(waitMs, undefined, { signal }).catch(() => undefined);
      continue;
    }
    const fresh = updates.map(asUpdate).filter((update): update is TgUpdate => update !== undefined && (offset === undefined || update.update_id >= offset));
    if (fresh.length === 0) continue;
    const batch = await takeBatch(fresh, handle);
    if (batch.offset !== undefined) offset = batch.offset;
    if (batch.outcomes.includes('closed')) {
      closed = true;
    } else if (batch.error) {
      // Not taken: poll again from this update (it is redelivered) after a pause.
      log.error({ err: batch.error.error, updateId: batch.error.update.update_id }, 'telegram: could not take an update; it will be fetched again');
      await sleep(1000, undefined, { signal }).catch(() => undefined);
    }
  }
  // Confirm what was taken, so the next run does not fetch it again (timeout 0: answers at once).
  if (offset !== undefined) {
    await telegram.callApi('getUpdates', { offset, limit: 1, timeout: 0, allowed_updates: [...allowedUpdates] }).catch((error: unknown) => {
      log.warn({ reason: error instanceof Error ? error.message : String(error) }, 'telegram: could not confirm the last offset');
    });
  }
}

function retryDelayMs(error: unknown, failures: number): number {
  const retryAfter = error instanceof TelegramError ? error.parameters?.retry_after : undefined;
  if (typeof retryAfter === 'number') return retryAfter * 1000;
  return Math.min(30_000, 500 * 2 ** Math.min(failures - 1, 6));
}

/** Options of {@link startWebhookServer}. */
export interface WebhookOptions {
  host: string;
  port: number;
  path: string;
  secretToken: string;
  handle: UpdateHandler;
  log: Logger;
}

/**
 * The webhook receiver: POST `path` with Telegram's secret header. 401 on a wrong or missing secret
 * (nothing is handled), 200 once the update was taken, 503 when the gateway is closing or the update
 * could not be taken (Telegram retries).
 */
export async function startWebhookServer(options: WebhookOptions): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const done = (status: number) => {
      if (!response.headersSent) response.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{}' : '');
    };
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'POST' || path !== options.path) return done(404);
    if (options.secretToken !== '' && request.headers['x-telegram-bot-api-secret-token'] !== options.secretToken) {
      options.log.warn({ remote: request.socket.remoteAddress }, 'telegram: webhook call with a wrong secret token refused');
      request.resume();
      return done(401);
    }
    readBody(request)
      .then(async (body) => {
        const update = asUpdate(JSON.parse(body) as unknown);
        if (!update) return done(200); // not an update: nothing Telegram should redeliver
        done((await options.handle(update)) === 'ack' ? 200 : 503);
      })
      .catch((error: unknown) => {
        options.log.error({ err: error }, 'telegram: could not take a webhook update; Telegram will redeliver it');
        done(503);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return { server, url: `http://${options.host}:${address.port}${options.path}` };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
