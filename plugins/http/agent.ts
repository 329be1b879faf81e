import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs } from '../../src/core/backoff.js';
import { parseRetryAfter } from '../../src/core/retry-after.js';
import type { Turn } from '../../src/core/turn.js';
import type { AgentInstance, PluginContext } from '../../src/plugins/api.js';
import { BadOutputError, chunksOf, deliver, lines, parseReplies, turnPayload } from './payload.js';

/** Config of the http agent (`plugins.http`). */
export interface HttpAgentConfig {
  url: string;
  secret: string;
  timeoutMs: number;
  retries: number;
}

/** Statuses that say "not handled, try again": rate limited, or a proxy/load balancer without the app. */
const retryableStatuses = new Set([429, 502, 503, 504]);
/** Longest Retry-After honoured (a longer one ends the turn with the apology instead). */
const maxRetryAfterMs = 30_000;

/** Header carrying `sha256=<hex HMAC-SHA256 of the body with the secret>`. */
export const signatureHeader = 'x-switchboard-signature';

/** The signature header value of a body. */
export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * The http agent: POSTs each turn as JSON, signed, to `url`. The answer is `{ replies: [...] }`
 * (content type JSON) or NDJSON (`application/x-ndjson`), one `{ text, target? }` per line, each
 * routed as it arrives. Retried (up to `retries` times, within `timeoutMs`) only when the webhook
 * did not take the turn: the connection was refused, or it answered 429/502/503/504 (its
 * `Retry-After` honoured). Every attempt carries the same `x-switchboard-turn-id`, so a backend can
 * recognise a repeat. Any other failure ends the turn with the core's apology.
 */
export function createHttpAgent(context: PluginContext<HttpAgentConfig>): AgentInstance {
  const { url, secret, timeoutMs, retries } = context.config;

  /** POSTs until a response that is not a retryable refusal, or the retries are spent. */
  async function post(turn: Turn, body: string, signal: AbortSignal): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      let waitMs: number;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, application/x-ndjson',
            [signatureHeader]: sign(secret, body),
            'x-switchboard-turn-id': turn.id,
          },
          body,
          signal,
        });
        if (response.ok || !retryableStatuses.has(response.status) || attempt > retries) return response;
        await response.body?.cancel();
        waitMs = parseRetryAfter(response.headers.get('retry-after')) ?? backoffMs(attempt);
        if (waitMs > maxRetryAfterMs) throw new Error(`webhook answered HTTP ${response.status}, retry after ${waitMs} ms`);
        context.log.warn({ turnId: turn.id, status: response.status, attempt, waitMs }, 'http agent: webhook refused the turn; retrying');
      } catch (error) {
        if (signal.aborted || !refused(error) || attempt > retries) throw error;
        waitMs = backoffMs(attempt);
        context.log.warn({ turnId: turn.id, reason: causeCode(error), attempt, waitMs }, 'http agent: webhook unreachable; retrying');
      }
      await sleep(waitMs, undefined, { signal });
    }
  }

  async function run(turn: Turn): Promise<void> {
    const body = JSON.stringify(turnPayload(turn));
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([turn.signal, timeout]);
    try {
      const response = await post(turn, body, signal);
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`webhook answered HTTP ${response.status}`);
      }
      const type = response.headers.get('content-type') ?? '';
      if (response.status === 204 || !response.body) return;
      if (/ndjson|jsonl/i.test(type)) {
        for await (const line of lines(chunksOf(response.body))) {
          if (line.trim() === '') continue;
          for (const item of parseReplies(parseLine(line))) await deliver(turn, item);
        }
        signal.throwIfAborted();
        return;
      }
      const text = await response.text();
      for (const item of parseReplies(parseLine(text))) await deliver(turn, item);
    } catch (error) {
      if (turn.signal.aborted) throw turn.signal.reason;
      if (timeout.aborted) throw new Error(`webhook did not answer within ${timeoutMs} ms`, { cause: error });
      throw error;
    }
  }

  return { kind: 'agent', run };
}

/** fetch's network error code (undici puts it on `cause`). */
function causeCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

/** The request surely never reached the webhook: nobody listened (a restart, a deploy). */
function refused(error: unknown): boolean {
  return causeCode(error) === 'ECONNREFUSED';
}

function parseLine(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadOutputError(`webhook output is not JSON: ${text.slice(0, 80)}`);
  }
}
