import { createHmac } from 'node:crypto';
import type { Turn } from '../../src/core/turn.js';
import type { AgentInstance, PluginContext } from '../../src/plugins/api.js';
import { BadOutputError, chunksOf, deliver, lines, parseReplies, turnPayload } from './payload.js';

/** Config of the http agent (`plugins.http`). */
export interface HttpAgentConfig {
  url: string;
  secret: string;
  timeoutMs: number;
}

/** Header carrying `sha256=<hex HMAC-SHA256 of the body with the secret>`. */
export const signatureHeader = 'x-switchboard-signature';

/** The signature header value of a body. */
export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * The http agent: POSTs each turn as JSON, signed, to `url`. The answer is `{ replies: [...] }`
 * (content type JSON) or NDJSON (`application/x-ndjson`), one `{ text, target? }` per line, each
 * routed as it arrives. Not retried: a webhook need not be idempotent; a failure is an apology.
 */
export function createHttpAgent(context: PluginContext<HttpAgentConfig>): AgentInstance {
  const { url, secret, timeoutMs } = context.config;

  async function run(turn: Turn): Promise<void> {
    const body = JSON.stringify(turnPayload(turn));
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([turn.signal, timeout]);
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

function parseLine(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadOutputError(`webhook output is not JSON: ${text.slice(0, 80)}`);
  }
}
