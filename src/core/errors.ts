/**
 * Errors by kind. Channels and agents throw these so the core knows what to do:
 * retry later, record and give up, or refuse to start with a message naming the key.
 */

/** A failure worth retrying (429, 5xx, network). `retryAfterMs` is the platform's own hint, when it gave one. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
  readonly retryAfterMs: number | undefined;
  readonly code: string | number | undefined;
  constructor(message: string, options: { retryAfterMs?: number; code?: string | number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
    this.code = options.code;
  }
}

/** A failure that will not go away by retrying (403 blocked, chat not found, missing access). */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  readonly code: string | number | undefined;
  constructor(message: string, options: { code?: string | number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = options.code;
  }
}

/** A configuration problem, always naming the key path and, when known, the file. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly key: string | undefined;
  readonly file: string | undefined;
  constructor(message: string, options: { key?: string; file?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.key = options.key;
    this.file = options.file;
  }
}

/** The reason a turn's AbortSignal fired. */
export type AbortReason = 'stop' | 'interrupt' | 'timeout' | 'shutdown';

/** The value a turn's AbortSignal is aborted with. */
export class TurnAbortedError extends Error {
  override readonly name = 'AbortError';
  constructor(readonly reason: AbortReason) {
    super(`turn aborted: ${reason}`);
  }
}
