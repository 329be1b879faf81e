import { definePlugin } from '../../src/plugins/api.js';
import { createHttpAgent, type HttpAgentConfig } from './agent.js';

/**
 * A webhook agent for any backend. Each turn is POSTed as JSON `{ turnId, sessionKey, origin,
 * messages }` to `url`, with `x-switchboard-signature: sha256=<HMAC-SHA256 of the body with
 * secret>`. The response is `{ replies: [{ text, target? }] }`, or an NDJSON stream
 * (`content-type: application/x-ndjson`) of `{ text, target? }` lines, each sent as it arrives.
 * `/stop` aborts the request; `timeoutMs` bounds it. A refused connection and 429/502/503/504 are
 * retried (`retries`, Retry-After honoured, same `x-switchboard-turn-id`); other non-2xx, bad JSON
 * and timeouts end the turn with the core's apology.
 */
export default definePlugin<HttpAgentConfig, 'agent'>({
  name: 'http',
  kind: 'agent',
  description: 'POSTs each turn to a webhook and routes its JSON / NDJSON replies',
  schema: {
    url: { doc: 'Webhook URL (http or https).', format: String, default: '' },
    secret: { doc: 'HMAC-SHA256 key for the x-switchboard-signature header.', format: String, default: '', sensitive: true },
    timeoutMs: { doc: 'Longest time for a whole request, retries and response stream included.', format: 'nat', default: 120_000 },
    retries: {
      doc: 'Retries when the webhook did not take the turn (connection refused, HTTP 429/502/503/504).',
      format: 'nat',
      default: 2,
    },
  },
  required: ['url', 'secret'],
  validate(config) {
    try {
      const { protocol } = new URL(config.url);
      if (protocol === 'http:' || protocol === 'https:') return undefined;
    } catch {
      // reported below
    }
    return { key: 'url', message: `not an http(s) URL: ${config.url}` };
  },
  create: (context) => createHttpAgent(context),
});
