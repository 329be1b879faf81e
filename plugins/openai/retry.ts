import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import { TransientError } from '../../src/core/errors.js';
import { parseRetryAfter } from '../../src/core/retry-after.js';

/** Retry settings of the model calls. */
export interface RetryPolicy {
  /** Attempts after the first one. */
  maxRetries: number;
  /** First backoff delay; doubled per attempt, with jitter, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Longest `retry-after` honoured: a server asking for more is treated as a failure now. */
const maxRetryAfterMs = 60_000;

/**
 * Whether a failed model call is worth retrying: 408/409/429/5xx, a connection failure, or the
 * agent's own idle timeout ({@link TransientError}). An abort of the turn never is.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof OpenAI.APIUserAbortError) return false;
  if (error instanceof TransientError) return true;
  if (error instanceof OpenAI.APIConnectionError) return true;
  if (error instanceof OpenAI.APIError) {
    const status = error.status ?? 0;
    return status === 408 || status === 409 || status === 429 || status >= 500;
  }
  return false;
}

/** The server's own wait hint (`retry-after-ms`, `retry-after` in seconds or as an HTTP date), in ms. */
export function retryAfterMs(error: unknown): number | undefined {
  if (error instanceof TransientError) return error.retryAfterMs;
  if (!(error instanceof OpenAI.APIError) || !error.headers) return undefined;
  const ms = Number.parseFloat(error.headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  return parseRetryAfter(error.headers.get('retry-after'));
}

/**
 * Runs `attempt` until it succeeds, a non-retryable error, or `policy.maxRetries` retries. The
 * SDK's own retries are off: its backoff sleep does not observe the abort signal, and `/stop` must
 * end the turn at once, also while waiting to retry.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  signal: AbortSignal,
  attempt: () => Promise<T>,
  onRetry: (error: unknown, attempt: number, delayMs: number) => void,
): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      if (signal.aborted || retry >= policy.maxRetries || !isRetryable(error)) throw error;
      const hint = retryAfterMs(error);
      if (hint !== undefined && hint > maxRetryAfterMs) throw error;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry) * (0.75 + Math.random() * 0.25);
      const delayMs = hint ?? backoff;
      onRetry(error, retry + 1, delayMs);
      await sleep(delayMs, undefined, { signal });
    }
  }
}
