import type { Telegram } from 'telegraf';
import { TelegramError } from 'telegraf';
import { PermanentError, TransientError } from '../../src/core/errors.js';
import type { Outbound } from '../../src/core/types.js';
import type { SendResult } from '../../src/plugins/api.js';

/**
 * Sending one part, and what a failure means for the outbox. telegraf does not retry sendMessage:
 * it throws `TelegramError` (429 with `parameters.retry_after`, 400, 403, 5xx) or a network error;
 * the outbox does the retrying, this file only says which kind of failure it was.
 */

/** Options of {@link sendPart}. */
export interface SendOptions {
  /** Reply-quote the triggering message (`replyToMessage` config). */
  replyToMessage: boolean;
  /** Called when a part had to be resent as plain text. */
  onPlainFallback?: (description: string) => void;
}

const namedEntities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

/** Telegram HTML → the plain text it shows: tags removed, entities decoded. */
export function htmlToPlain(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (whole, name: string) => {
      if (name in namedEntities) return namedEntities[name]!;
      if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
      if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
      return whole;
    });
}

/** Whether Telegram refused the HTML itself (the part can still go out as plain text). */
export function isParseError(error: unknown): boolean {
  return error instanceof TelegramError && error.code === 400 && /can't parse entities/i.test(error.description);
}

/** Maps a failed send to the outbox's kinds: TransientError (retry) or PermanentError (give up). */
export function toSendError(error: unknown): TransientError | PermanentError {
  if (error instanceof TelegramError) {
    const code = error.code;
    const description = error.description;
    if (code === 429) {
      const retryAfter = error.parameters?.retry_after;
      const options: { retryAfterMs?: number; code: number; cause: unknown } = { code, cause: error };
      if (typeof retryAfter === 'number') options.retryAfterMs = retryAfter * 1000;
      return new TransientError(`telegram: ${description}`, options);
    }
    if (code >= 500) return new TransientError(`telegram: ${code} ${description}`, { code, cause: error });
    // 400 (chat not found, message too long, ...), 401, 403 (blocked, kicked): retrying changes nothing.
    return new PermanentError(`telegram: ${description}`, { code, cause: error });
  }
  // Network failures (ECONNREFUSED, reset sockets, timeouts) come from node-fetch as FetchError/TypeError.
  const message = error instanceof Error ? error.message : String(error);
  return new TransientError(`telegram: ${message}`, { cause: error });
}

/** Extra parameters of sendMessage for a part: topic, reply quote. */
export function sendExtra(outbound: Outbound, options: SendOptions): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  if (outbound.target.threadId !== undefined) extra.message_thread_id = Number(outbound.target.threadId);
  if (options.replyToMessage && outbound.replyToId !== undefined && outbound.part === 0) {
    // allow_sending_without_reply: the trigger may have been deleted meanwhile; the answer still goes out.
    extra.reply_parameters = { message_id: Number(outbound.replyToId), allow_sending_without_reply: true };
  }
  return extra;
}

/**
 * Sends one part as HTML. If Telegram cannot parse the HTML, the same part goes out once more as
 * plain text (tags stripped, entities decoded) rather than being lost.
 */
export async function sendPart(telegram: Telegram, outbound: Outbound, options: SendOptions): Promise<SendResult> {
  const chatId = outbound.target.chatId;
  const extra = sendExtra(outbound, options);
  try {
    try {
      const message = await telegram.callApi('sendMessage', { chat_id: chatId, text: outbound.text, parse_mode: 'HTML', ...extra });
      return { platformMessageId: String(message.message_id) };
    } catch (error) {
      if (!isParseError(error)) throw error;
      options.onPlainFallback?.((error as TelegramError).description);
      const message = await telegram.callApi('sendMessage', { chat_id: chatId, text: htmlToPlain(outbound.text), ...extra });
      return { platformMessageId: String(message.message_id) };
    }
  } catch (error) {
    throw toSendError(error);
  }
}
