import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoopbackPlatform } from '../fakes/loopback.js';
import { runCli, tempDir, writeConfig } from '../support/cli.js';
import { waitFor } from '../support/wait.js';

const pluginPath = fileURLToPath(new URL('../fixtures/loopback-channel/index.mjs', import.meta.url));
const chats = 4;
const perChat = 15;
const kills = 24;

describe('crash and replay (real CLI, real SQLite file, SIGKILL at random points)', () => {
  const platform = new LoopbackPlatform();
  let configPath = '';

  beforeAll(async () => {
    await platform.start();
    const dir = tempDir('switchboard-crash-');
    configPath = writeConfig(dir, {
      gateway: { agent: 'echo', maxParallelTurns: 4 },
      admin: { enabled: false },
      store: { driver: 'sqlite', path: join(dir, 'switchboard.db') },
      log: { level: 'warn', format: 'json' },
      plugins: {
        echo: { enabled: true, prefix: 'echo: ', delayMs: 3 },
        loopback: { enabled: true, package: pluginPath, url: platform.url },
      },
    });
  });
  afterAll(() => platform.close());

  it(`answers every accepted message exactly once, in order per chat, across ${kills} kills`, async () => {
    let pushed = 0;
    const pushSome = (count: number) => {
      for (let i = 0; i < count && pushed < chats * perChat; i++, pushed++) {
        platform.push(`chat${pushed % chats}`, `m${Math.floor(pushed / chats)}`);
      }
    };
    pushSome(12);
    for (let k = 0; k < kills; k++) {
      const daemon = runCli(['start', '--config', configPath]);
      // Kill at a different point each time: after some replies, or mid-startup.
      const target = platform.delivered.length + (k % 3);
      const deadline = Date.now() + 40 + ((k * 37) % 200);
      await waitFor(
        () => Date.now() > deadline || (k % 3 !== 0 && platform.delivered.length >= target),
        `kill point ${k}`,
        15_000,
      );
      pushSome(3);
      daemon.child.kill('SIGKILL');
      const exit = await daemon.exited;
      expect(exit.signal).toBe('SIGKILL');
    }
    pushSome(chats * perChat);
    const last = runCli(['start', '--config', configPath]);
    try {
      await waitFor(() => platform.delivered.length >= chats * perChat, 'every message answered', 30_000);
      await new Promise((resolve) => setTimeout(resolve, 300)); // would-be duplicates have time to show
    } finally {
      last.child.kill('SIGTERM');
      expect((await last.exited).code).toBe(0);
    }
    for (let c = 0; c < chats; c++) {
      const texts = platform.delivered.filter((send) => send.chatId === `chat${c}`).map((send) => send.text);
      expect(texts).toEqual(Array.from({ length: perChat }, (_, m) => `echo: m${m}`));
    }
    // The README's promise: a restart repeats at most the send that was in flight at the kill, one per
    // target (each target's sends go one at a time). The platform drops such repeats by key; a store
    // that re-sent rows already marked sent would repeat far more than this.
    expect(platform.repeatedKeys.length).toBeLessThanOrEqual(kills * chats);
    console.log(
      `crash test: ${platform.delivered.length} delivered, ${platform.repeatedKeys.length} repeated sends dropped by key`,
    );
  }, 120_000);
});
