import type { SendOutcome, Turn } from '../../src/core/turn.js';
import type { Inbound, Target } from '../../src/core/types.js';

/**
 * The wire format shared by the `http` and `command` agents: the turn as JSON going out, reply
 * items `{ text, target? }` coming back.
 */

/** The turn as an external agent receives it. */
export interface TurnPayload {
  turnId: string;
  sessionKey: string;
  /** Where replies go by default. */
  origin: Target;
  /** The messages this turn answers (normalized inbounds: `sender`, `text`, `chat`, ...), in order. */
  messages: readonly Inbound[];
}

/** One reply of an external agent. Without `target` it goes to the turn's origin. */
export interface ReplyItem {
  text: string;
  target?: Target;
}

/** The payload of a turn. */
export function turnPayload(turn: Turn): TurnPayload {
  return { turnId: turn.id, sessionKey: turn.sessionKey, origin: turn.origin, messages: turn.messages };
}

/** Thrown for output that is not reply items. */
export class BadOutputError extends Error {
  override readonly name = 'BadOutputError';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseTarget(value: unknown): Target {
  if (!isRecord(value) || typeof value.channel !== 'string' || typeof value.chatId !== 'string')
    throw new BadOutputError('"target" must be { channel, chatId, threadId? } with string values');
  const target: Target = { channel: value.channel, chatId: value.chatId };
  if (value.threadId !== undefined) {
    if (typeof value.threadId !== 'string') throw new BadOutputError('"target.threadId" must be a string');
    target.threadId = value.threadId;
  }
  return target;
}

/** One reply item `{ text, target? }`; throws {@link BadOutputError} for anything else. */
export function parseReplyItem(value: unknown): ReplyItem {
  if (!isRecord(value) || typeof value.text !== 'string') throw new BadOutputError('a reply must be { text, target? }');
  return value.target === undefined ? { text: value.text } : { text: value.text, target: parseTarget(value.target) };
}

/** `{ replies: [...] }` or a single `{ text, target? }` (an NDJSON line may be either). */
export function parseReplies(value: unknown): ReplyItem[] {
  if (isRecord(value) && Array.isArray(value.replies)) return value.replies.map(parseReplyItem);
  if (isRecord(value) && 'text' in value) return [parseReplyItem(value)];
  throw new BadOutputError('expected { replies: [{ text, target? }] }');
}

/** Routes one reply like any agent output (dedupe, NO_REPLY, allowlist); nothing once the turn is aborted. */
export async function deliver(turn: Turn, item: ReplyItem): Promise<SendOutcome | undefined> {
  if (turn.signal.aborted) return undefined;
  const outcome = await turn.reply(item.text, item.target);
  if (outcome.status === 'refused') turn.log.warn({ reason: outcome.reason }, 'agent reply refused');
  return outcome;
}

/** Splits a byte stream into lines as they arrive (a trailing line without newline included). */
export async function* lines(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of chunks) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      yield buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
    }
  }
  buffer += decoder.decode();
  if (buffer !== '') yield buffer;
}

/** The chunks of a web stream; leaving the loop early cancels the stream (closing the connection). */
export async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
  }
}
