import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { version } from '../../src/version.js';
import { LoopbackPlatform } from '../fakes/loopback.js';
import { cliPath, runCli, tempDir, writeConfig } from '../support/cli.js';
import { waitFor } from '../support/wait.js';

const loopback = fileURLToPath(new URL('../fixtures/loopback-channel/index.mjs', import.meta.url));
const failing = fileURLToPath(new URL('../fixtures/failing-channel/index.mjs', import.meta.url));
const secret = 'tok-a81f3c2b9e7d-do-not-log';

function baseConfig(url: string, echo: Record<string, unknown> = {}, gateway: Record<string, unknown> = {}) {
  return {
    gateway: { agent: 'echo', ...gateway },
    admin: { enabled: false },
    store: { driver: 'memory' },
    log: { level: 'debug', format: 'json' },
    plugins: {
      echo: { enabled: true, ...echo },
      loopback: { enabled: true, package: loopback, url, token: secret },
    },
  };
}

describe('switchboard CLI (real process)', () => {
  const platform = new LoopbackPlatform();
  beforeAll(() => platform.start());
  afterAll(() => platform.close());

  it('prints its version', async () => {
    const cli = runCli(['--version']);
    expect((await cli.exited).code).toBe(0);
    expect(cli.output().trim()).toBe(version);
  });

  it('the bin runs as an executable (what `npx switchboard` starts): shebang and mode set by the build', () => {
    const direct = spawnSync(cliPath, ['--version'], { encoding: 'utf8' });
    expect(direct.error).toBeUndefined();
    expect(direct.stdout.trim()).toBe(version);
  });

  it('config check: exit 0 on a valid config, 1 with one line naming the key and file otherwise', async () => {
    const dir = tempDir();
    const good = writeConfig(dir, baseConfig(platform.url), 'good.yaml');
    const ok = runCli(['config', 'check', '--config', good]);
    expect((await ok.exited).code).toBe(0);
    expect(ok.output()).toContain('config OK');

    const bad = writeConfig(dir, { gateway: { queueMode: 'fifo' } }, 'bad.yaml');
    const failed = runCli(['config', 'check', '--config', bad]);
    expect((await failed.exited).code).toBe(1);
    const lines = failed.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(bad);
    expect(lines[0]).toContain('gateway.queueMode');
    expect(failed.output()).not.toMatch(/\n\s+at /);
  });

  it('config check refuses what start would: a missing, disabled or non-agent gateway.agent, and no turn slots', async () => {
    const dir = tempDir();
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ gateway: { agent: 'nosuch' } }, 'gateway.agent', /no plugin named "nosuch"/],
      [{ gateway: { agent: 'loopback' } }, 'gateway.agent', /is a channel plugin, not an agent/],
      [{ plugins: { echo: { enabled: false } } }, 'gateway.agent', /"echo" is not enabled/],
      [{ gateway: { maxParallelTurns: 0 } }, 'gateway.maxParallelTurns', /at least 1/],
    ];
    for (const [i, [change, key, reason]] of cases.entries()) {
      const base = baseConfig(platform.url);
      const config = { ...base, gateway: { ...base.gateway, ...(change.gateway as object) }, plugins: { ...base.plugins, ...(change.plugins as object) } };
      const path = writeConfig(dir, config, `case${i}.yaml`);
      const cli = runCli(['config', 'check', '--config', path]);
      expect((await cli.exited).code, key).toBe(1);
      const lines = cli.output().trim().split('\n');
      expect(lines, key).toHaveLength(1);
      expect(lines[0]).toContain(path);
      expect(lines[0]).toContain(key);
      expect(lines[0]).toMatch(reason);
    }
  });

  it('config print shows the effective config with secrets redacted', async () => {
    const dir = tempDir();
    const path = writeConfig(dir, baseConfig(platform.url));
    const cli = runCli(['config', 'print', '--config', path, '--set', 'gateway.maxParallelTurns=3'], {
      env: { SWITCHBOARD_GATEWAY_SESSION_IDLE_MS: '1234' },
    });
    expect((await cli.exited).code).toBe(0);
    const printed = JSON.parse(cli.output()) as { gateway: Record<string, unknown>; plugins: Record<string, Record<string, unknown>> };
    expect(printed.gateway.maxParallelTurns).toBe(3);
    expect(printed.gateway.sessionIdleMs).toBe(1234);
    expect(printed.plugins.loopback!.token).toBe('[Sensitive]');
    expect(cli.output()).not.toContain(secret);
  });

  it('SIGTERM lets the running turn finish and send its reply, exits 0, and never logs the token', async () => {
    const dir = tempDir();
    const path = writeConfig(dir, baseConfig(platform.url, { delayMs: 1500, prefix: 'drained: ' }));
    const cli = runCli(['start', '--config', path]);
    platform.push('drain-chat', 'slow one');
    await waitFor(() => cli.output().includes('"msg":"turn started"'), 'turn started', 15_000);
    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
    expect(platform.delivered.filter((d) => d.chatId === 'drain-chat').map((d) => d.text)).toEqual(['drained: slow one']);
    const output = cli.output();
    expect(output).toContain('"msg":"stopped"');
    expect(output).toContain('loopback channel created'); // the line that carried the token...
    expect(output).not.toContain(secret); // ...without it
    // Every line about the turn carries its channel, session and turn id.
    const turnLine = JSON.parse(output.split('\n').find((line) => line.includes('"msg":"turn started"'))!) as Record<string, unknown>;
    expect(turnLine).toMatchObject({ channel: 'loopback', sessionKey: expect.stringContaining('drain-chat') });
    expect(turnLine.turnId).toEqual(expect.any(String));
  }, 30_000);

  it('a second signal exits at once', async () => {
    const dir = tempDir();
    const path = writeConfig(dir, baseConfig(platform.url, { delayMs: 60_000 }, { shutdownGraceMs: 60_000 }));
    const cli = runCli(['start', '--config', path]);
    platform.push('stuck-chat', 'never done');
    await waitFor(() => cli.output().includes('"msg":"turn started"'), 'turn started', 15_000);
    cli.child.kill('SIGTERM');
    await waitFor(() => cli.output().includes('"msg":"stopping"'), 'stopping');
    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(1);
    expect(cli.output()).toContain('second signal');
  }, 30_000);

  it('SIGHUP applies a changed config and keeps the old one when the new one is invalid', async () => {
    const dir = tempDir();
    const path = writeConfig(dir, baseConfig(platform.url, { prefix: 'one: ' }));
    const cli = runCli(['start', '--config', path]);
    try {
      const replies = () => platform.delivered.filter((d) => d.chatId === 'hup-chat').map((d) => d.text);
      platform.push('hup-chat', 'a');
      await waitFor(() => replies().length === 1, 'first reply', 15_000);
      writeConfig(dir, baseConfig(platform.url, { prefix: 'two: ' }, { queueMode: 'collect' }));
      cli.child.kill('SIGHUP');
      await waitFor(() => cli.output().includes('configuration reloaded'), 'reload', 15_000);
      // Applied: the plugin settings; named as needing a restart: the queue mode.
      await waitFor(() => cli.output().includes('apply at the next restart'), 'restart warning', 15_000);
      expect(cli.output()).toContain('gateway.queueMode');
      platform.push('hup-chat', 'b');
      await waitFor(() => replies().length === 2, 'second reply', 15_000);
      writeFileSync(path, 'gateway:\n  maxParallelTurns: many\n');
      cli.child.kill('SIGHUP');
      await waitFor(() => cli.output().includes('reload rejected'), 'rejected reload', 15_000);
      platform.push('hup-chat', 'c');
      await waitFor(() => replies().length === 3, 'third reply', 15_000);
      // A config that parses but cannot run (its agent disabled) is refused the same way.
      writeConfig(dir, baseConfig(platform.url, { prefix: 'three: ', enabled: false }, { queueMode: 'collect' }));
      cli.child.kill('SIGHUP');
      await waitFor(() => cli.output().includes('is not enabled'), 'second rejected reload', 15_000);
      platform.push('hup-chat', 'd');
      await waitFor(() => replies().length === 4, 'fourth reply', 15_000);
      expect(replies()).toEqual(['one: a', 'two: b', 'two: c', 'two: d']);
      expect(cli.output()).toContain('gateway.maxParallelTurns');
    } finally {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
  }, 40_000);

  it('gateway.failFast: a plugin that cannot start makes the daemon exit non-zero, naming it', async () => {
    const dir = tempDir();
    const path = writeConfig(dir, {
      gateway: { agent: 'echo', failFast: true },
      admin: { enabled: false },
      store: { driver: 'memory' },
      log: { level: 'error', format: 'json' },
      plugins: { echo: { enabled: true }, failing: { enabled: true, package: failing } },
    });
    const cli = runCli(['start', '--config', path]);
    expect((await cli.exited).code).not.toBe(0);
    expect(cli.output()).toContain('failing');
    expect(cli.output()).toContain('cannot reach the platform');
  }, 20_000);

  it('refuses to start on a config error with one line on stderr', async () => {
    const dir = tempDir();
    const path = join(dir, 'switchboard.yaml');
    writeFileSync(path, 'plugins:\n  nosuch:\n    enabled: true\n');
    const cli = runCli(['start', '--config', path]);
    expect((await cli.exited).code).toBe(1);
    expect(cli.output().trim().split('\n')).toHaveLength(1);
    expect(cli.output()).toContain('plugins.nosuch');
  });

  it('refuses to start on a file that is not a database: the file named, no stack trace', async () => {
    const dir = tempDir();
    const db = join(dir, 'broken.db');
    writeFileSync(db, 'this is not a database, it is a text file that is long enough to have a header');
    const base = baseConfig(platform.url);
    const path = writeConfig(dir, { ...base, store: { driver: 'sqlite', path: db } });
    const cli = runCli(['start', '--config', path]);
    expect((await cli.exited).code).toBe(1);
    expect(cli.output()).toContain(db);
    expect(cli.output()).toContain('not a SQLite database');
    expect(cli.output()).not.toMatch(/\n\s+at /);
    expect(cli.output()).not.toContain('"stack"');
  });

  it('refuses to start, in one line naming key and file, on a config check would refuse', async () => {
    const dir = tempDir();
    const base = baseConfig(platform.url);
    const path = writeConfig(dir, { ...base, gateway: { agent: 'nosuch' } });
    const cli = runCli(['start', '--config', path]);
    expect((await cli.exited).code).toBe(1);
    const lines = cli.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(path);
    expect(lines[0]).toContain('gateway.agent');
  });
});
