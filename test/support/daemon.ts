import { Writable } from 'node:stream';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config/load.js';
import { type Daemon, startDaemon } from '../../src/daemon.js';
import type { AnyPluginDefinition } from '../../src/plugins/api.js';

/** Options of {@link startTestDaemon}. */
export interface TestDaemonOptions {
  /** Nested config (same shape as switchboard.yaml) merged over the test defaults. */
  config?: Record<string, unknown>;
  /** Extra plugin definitions by name (a scripted test agent, a test channel...). */
  plugins?: Record<string, AnyPluginDefinition>;
  /** Collects every log line (debug and up), parsed, for tests that check what is logged. */
  logLines?: Array<Record<string, unknown>>;
}

/**
 * Starts a real in-process daemon for tests. Test defaults: memory store, admin on 127.0.0.1 port 0,
 * silent log (set SWITCHBOARD_TEST_LOG=debug to see it), only `echo` enabled (delayMs 0). Always
 * `await daemon.stop()` in afterEach.
 */
export async function startTestDaemon(options: TestDaemonOptions = {}): Promise<Daemon> {
  const defaults = {
    gateway: { agent: 'echo' },
    admin: { host: '127.0.0.1', port: 0 },
    store: { driver: 'memory', path: join(mkdtempSync(join(tmpdir(), 'switchboard-test-')), 'test.db') },
    log: { level: 'silent' },
    plugins: { echo: { enabled: true, delayMs: 0 } },
  };
  const loaded = await loadConfig({
    files: [],
    env: {},
    overrides: deepMerge(defaults, options.config ?? {}),
    extraPlugins: options.plugins ?? {},
  });
  const lines = options.logLines;
  const logger = lines
    ? pino(
        { level: 'debug' },
        new Writable({
          write(chunk: Buffer, _encoding, callback) {
            for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
            callback();
          },
        }),
      )
    : pino({ level: process.env.SWITCHBOARD_TEST_LOG ?? 'silent' });
  return startDaemon(loaded, { logger });
}

/** Deep merge of plain objects; arrays and scalars from `over` replace. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
