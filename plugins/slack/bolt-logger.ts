import { LogLevel } from '@slack/bolt';
import type { Logger as PinoLogger } from 'pino';

/** The logger interface Bolt and @slack/socket-mode take (`@slack/logger`). */
export interface SlackLogger {
  debug(...message: unknown[]): void;
  info(...message: unknown[]): void;
  warn(...message: unknown[]): void;
  error(...message: unknown[]): void;
  setLevel(level: LogLevel): void;
  getLevel(): LogLevel;
  setName(name: string): void;
}

const text = (message: unknown[]): string =>
  message.map((part) => (part instanceof Error ? part.message : typeof part === 'string' ? part : JSON.stringify(part))).join(' ');

/**
 * Routes Bolt's and the Socket Mode client's log lines into the plugin's pino logger, one level
 * down for info (their info lines are connection chatter). Their debug lines include whole payloads,
 * so they only appear at pino's debug level, which is where message contents may be logged anyway.
 */
export function boltLogger(log: PinoLogger): SlackLogger {
  return {
    debug: (...message) => log.debug(text(message)),
    info: (...message) => log.debug(text(message)),
    warn: (...message) => log.warn(text(message)),
    error: (...message) => log.error(text(message)),
    setLevel: () => undefined,
    getLevel: () => (log.isLevelEnabled('debug') ? LogLevel.DEBUG : LogLevel.INFO),
    setName: () => undefined,
  };
}
