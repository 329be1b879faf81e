import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

/** Options of {@link createLogger}. */
export interface LogOptions {
  level: string;
  format: 'auto' | 'json' | 'pretty';
  /** Secret values (tokens): replaced by "[redacted]" wherever they appear in a line. */
  secrets?: readonly string[];
  /** Where lines go (default stdout). */
  destination?: NodeJS.WritableStream;
}

/** Keys that hold credentials wherever they appear in a logged object. */
const redactPaths = [
  'token',
  '*.token',
  'appToken',
  '*.appToken',
  'botToken',
  '*.botToken',
  'signingSecret',
  '*.signingSecret',
  'apiKey',
  '*.apiKey',
  'secretToken',
  '*.secretToken',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
];

/** pino-pretty, loaded only when used: a daemon logging JSON (under systemd) starts ~40 ms sooner. */
function loadPretty(): typeof PinoPretty {
  return createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
}

/**
 * The daemon's logger: JSON lines, or human-readable on a TTY (`format: auto`). Credentials are
 * removed twice: by key (pino's redact) and by value (every configured secret is replaced in the
 * written line, wherever a library put it: a URL, an error message).
 */
export function createLogger(options: LogOptions): Logger {
  const destination = options.destination ?? process.stdout;
  const usePretty = options.format === 'pretty' || (options.format === 'auto' && process.stdout.isTTY === true);
  const target: NodeJS.WritableStream = usePretty
    ? loadPretty()({ colorize: process.stdout.isTTY === true, destination, sync: true, translateTime: 'SYS:HH:MM:ss.l' })
    : destination;
  const secrets = (options.secrets ?? []).filter((secret) => secret.length >= 4);
  const stream = secrets.length === 0 ? target : redactingStream(target, secrets);
  return pino({ level: options.level, redact: { paths: redactPaths, censor: '[redacted]' } }, stream);
}

function redactingStream(target: NodeJS.WritableStream, secrets: readonly string[]): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      let line = chunk.toString();
      for (const secret of secrets) if (line.includes(secret)) line = line.split(secret).join('[redacted]');
      target.write(line);
      callback();
    },
  });
}
