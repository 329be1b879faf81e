import { createHash } from 'node:crypto';
import { DiscordAPIError, HTTPError, RateLimitError } from 'discord.js';
import { PermanentError, TransientError } from '../../src/core/errors.js';
import type { Outbound } from '../../src/core/types.js';

/**
 * Discord JSON error codes that no retry will fix: Unknown Channel, Unknown Message, Unknown User,
 * Missing Access, Cannot send messages to this user, Missing Permissions, Invalid Form Body.
 */
const permanentCodes = new Set<number | string>([10003, 10008, 10013, 50001, 50007, 50013, 50035]);

/** Longest `nonce` Discord accepts. */
const maxNonceLength = 25;

/**
 * The `nonce` of a part: its idempotency key (stable across retries and restarts) plus a short hash
 * of the turn and text, so that a reset database whose outbox ids start again at 1 does not make
 * Discord swallow a new message as a repeat of an old one with the same id (its window is minutes).
 */
export function nonceOf(outbound: Pick<Outbound, 'idempotencyKey' | 'turnId' | 'text'>): string {
  const hash = createHash('sha256').update(`${outbound.idempotencyKey}\n${outbound.turnId}\n${outbound.text}`).digest('base64url');
  if (outbound.idempotencyKey.length <= maxNonceLength - 9) return `${outbound.idempotencyKey}.${hash.slice(0, 8)}`;
  return hash.slice(0, maxNonceLength);
}

/** What `POST /channels/:id/messages` gets for a part. */
export interface CreateMessageBody {
  content: string;
  nonce: string;
  enforce_nonce: true;
  allowed_mentions: { parse: never[]; replied_user: boolean };
  message_reference?: { message_id: string; fail_if_not_exists: false };
}

/**
 * The request body of one part. `enforce_nonce` makes Discord return the earlier message instead of
 * creating a second one when a send is repeated (a retry after a lost answer, a resend after a crash).
 * `allowed_mentions.parse: []` keeps an agent's text from pinging @everyone, @here, roles or users.
 * Only the first part of a reply quotes the trigger message, when `replyToMessage` is on.
 */
export function createMessageBody(outbound: Outbound, replyToMessage: boolean): CreateMessageBody {
  const body: CreateMessageBody = {
    content: outbound.text,
    nonce: nonceOf(outbound),
    enforce_nonce: true,
    allowed_mentions: { parse: [], replied_user: false },
  };
  if (replyToMessage && outbound.replyToId !== undefined && outbound.part === 0)
    body.message_reference = { message_id: outbound.replyToId, fail_if_not_exists: false };
  return body;
}

/** The channel a part goes to: a thread's own id when there is one, never its parent. */
export function destinationOf(outbound: Pick<Outbound, 'target'>): string {
  return outbound.target.threadId ?? outbound.target.chatId;
}

/**
 * Maps a discord.js REST failure to the core's error kinds: missing access / permissions, unknown
 * channel and other 4xx are permanent; 429 (a wait longer than the channel lets discord.js absorb),
 * 5xx and network errors are transient, with Discord's retry-after when it gave one.
 */
export function toSendError(error: unknown): TransientError | PermanentError {
  if (error instanceof RateLimitError)
    return new TransientError(`Discord rate limit on ${error.route} (${error.global ? 'global' : error.scope})`, {
      retryAfterMs: error.retryAfter,
      code: 429,
      cause: error,
    });
  if (error instanceof DiscordAPIError) {
    const message = `Discord ${error.status} ${String(error.code)}: ${error.message}`;
    if (error.status === 429 || error.status >= 500) return new TransientError(message, { code: error.code, cause: error });
    if (permanentCodes.has(error.code) || (error.status >= 400 && error.status < 500))
      return new PermanentError(message, { code: error.code, cause: error });
    return new TransientError(message, { code: error.code, cause: error });
  }
  if (error instanceof HTTPError) {
    const message = `Discord HTTP ${error.status}: ${error.message}`;
    return error.status >= 500 || error.status === 429
      ? new TransientError(message, { code: error.status, cause: error })
      : new PermanentError(message, { code: error.status, cause: error });
  }
  // Network errors, timeouts (AbortError): the message may or may not have been created; the nonce
  // makes the retry safe.
  const message = error instanceof Error ? error.message : String(error);
  return new TransientError(`Discord request failed: ${message}`, { cause: error });
}
