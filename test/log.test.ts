import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, type LogOptions } from '../src/log.js';

/** The daemon's logger: JSON or human lines, credentials removed by key and by value. */

function capture(options: Omit<LogOptions, 'destination'>) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { log: createLogger({ ...options, destination }), lines };
}

describe('logger', () => {
  it('writes one JSON object a line in json format', () => {
    const { log, lines } = capture({ level: 'info', format: 'json' });
    log.info({ chatId: 'c1' }, 'hello');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, chatId: 'c1', msg: 'hello' });
  });

  it('writes human lines in pretty format (pino-pretty, loaded on demand)', () => {
    const { log, lines } = capture({ level: 'info', format: 'pretty' });
    log.info({ chatId: 'c1' }, 'hello');
    const text = lines.join('');
    expect(text).toContain('INFO');
    expect(text).toContain('hello');
    expect(text).toContain('chatId');
    expect(() => JSON.parse(lines[0]!)).toThrow();
  });

  it('removes credentials by key and configured secrets by value, in both formats', () => {
    for (const format of ['json', 'pretty'] as const) {
      const { log, lines } = capture({ level: 'info', format, secrets: ['xoxb-very-secret'] });
      log.info({ botToken: 'xoxb-very-secret', nested: { apiKey: 'sk-123456' } }, 'calling https://x.test/?t=xoxb-very-secret');
      const text = lines.join('');
      expect(text, format).not.toContain('xoxb-very-secret');
      expect(text, format).not.toContain('sk-123456');
      expect(text, format).toContain('[redacted]');
    }
  });
});
