import { setTimeout as sleep } from 'node:timers/promises';
import { PermanentError, TransientError } from '../../src/core/errors.js';

/**
 * Web API `error` codes that no retry will fix: the conversation is gone, archived, or the bot is not
 * in it or may not post; the token is bad or revoked; the request itself is malformed.
 */
const permanentErrors = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'msg_too_long',
  'no_text',
  'invalid_blocks',
  'restricted_action',
  'cannot_reply_to_message',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'ekm_access_denied',
  'team_access_not_granted',
  'invalid_arguments',
]);

/** Web API `error` codes that are Slack's own trouble: retry. */
const transientErrors = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

interface CodedSlackError {
  code?: unknown;
  message?: unknown;
  retryAfter?: unknown;
  statusCode?: unknown;
  data?: { error?: unknown };
}

/**
 * Maps a @slack/web-api failure to the core's error kinds (by the error's `code`, which is stable
 * across the client's versions): a rate limit becomes a `TransientError` carrying Slack's
 * `Retry-After`; a 5xx or network failure is transient; a known platform error such as
 * `channel_not_found` is permanent, an unknown one transient (the outbox gives up after its attempts).
 */
export function toSendError(error: unknown): TransientError | PermanentError {
  const coded = (typeof error === 'object' && error !== null ? error : {}) as CodedSlackError;
  const message = typeof coded.message === 'string' ? coded.message : String(error);
  switch (coded.code) {
    case 'slack_webapi_rate_limited_error': {
      const seconds = typeof coded.retryAfter === 'number' ? coded.retryAfter : undefined;
      return new TransientError(`Slack rate limit: ${message}`, {
        code: 429,
        cause: error,
        ...(seconds !== undefined ? { retryAfterMs: seconds * 1000 } : {}),
      });
    }
    case 'slack_webapi_platform_error': {
      const code = typeof coded.data?.error === 'string' ? coded.data.error : 'unknown_error';
      if (permanentErrors.has(code)) return new PermanentError(`Slack refused the message: ${code}`, { code, cause: error });
      if (transientErrors.has(code)) return new TransientError(`Slack error: ${code}`, { code, cause: error });
      return new TransientError(`Slack error: ${code}`, { code, cause: error });
    }
    case 'slack_webapi_http_error': {
      const status = typeof coded.statusCode === 'number' ? coded.statusCode : 0;
      if (status === 429 || status >= 500 || status === 0)
        return new TransientError(`Slack HTTP ${status}`, { code: status, cause: error });
      return new PermanentError(`Slack HTTP ${status}`, { code: status, cause: error });
    }
    default:
      // Network errors and timeouts: the message may or may not have been posted.
      return new TransientError(`Slack request failed: ${message}`, { cause: error });
  }
}

/**
 * Keeps posts to one conversation at least `intervalMs` apart (Slack allows about one message per
 * second per channel, with short bursts): a burst is queued and paced instead of earning 429s.
 */
export class ConversationPacer {
  private readonly nextAt = new Map<string, number>();

  constructor(private readonly intervalMs: number) {}

  /** Resolves when a post to `key` may go out, and books the slot after it. */
  async wait(key: string): Promise<void> {
    const delay = this.reserve(key, Date.now());
    if (delay > 0) await sleep(delay);
  }

  /** Books the next slot of `key` at time `now` and returns how long to wait for it (ms). */
  reserve(key: string, now: number): number {
    if (this.intervalMs <= 0) return 0;
    const at = Math.max(now, this.nextAt.get(key) ?? 0);
    this.nextAt.set(key, at + this.intervalMs);
    if (this.nextAt.size > 1000) this.prune(now);
    return at - now;
  }

  /** Forgets conversations whose slot is in the past, so the map stays as big as the active ones. */
  private prune(now: number): void {
    for (const [key, at] of this.nextAt) if (at <= now) this.nextAt.delete(key);
  }
}
