import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelInstance } from '../../src/plugins/api.js';
import { definePlugin } from '../../src/plugins/api.js';
import type { Daemon } from '../../src/daemon.js';
import { startTestDaemon } from '../support/daemon.js';
import { waitFor } from '../support/wait.js';

let daemon: Daemon | undefined;
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
});

/** A channel that fails its first `failures` starts, then runs. */
function flakyChannel(failures: number) {
  let attempts = 0;
  return definePlugin<Record<string, never>, 'channel'>({
    name: 'flaky',
    kind: 'channel',
    schema: {},
    create: (): ChannelInstance => ({
      kind: 'channel',
      capabilities: { maxMessageLength: 1000, format: 'plain', threads: false, typing: false, edits: false },
      async start() {
        attempts++;
        if (attempts <= failures) throw new Error(`platform unreachable (attempt ${attempts})`);
      },
      async stop() {},
      async send() {
        return {};
      },
    }),
  });
}

describe('admin HTTP', () => {
  it('/healthz answers while /readyz is 503 for a failed plugin; it is retried and /readyz turns 200', async () => {
    daemon = await startTestDaemon({
      plugins: { flaky: flakyChannel(1) },
      config: { plugins: { flaky: { enabled: true }, web: { enabled: true, port: 0 } } },
    });
    const admin = daemon.adminUrl!;
    expect(admin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${admin}/healthz`)).status).toBe(200);

    const notReady = await fetch(`${admin}/readyz`);
    expect(notReady.status).toBe(503);
    const body = (await notReady.json()) as { ready: boolean; plugins: Record<string, { state: string; reason?: string }> };
    expect(body.ready).toBe(false);
    expect(body.plugins.flaky).toMatchObject({ state: 'failed', reason: expect.stringContaining('platform unreachable') });
    // The other plugins kept running.
    expect(body.plugins.web!.state).toBe('running');
    expect(body.plugins.echo!.state).toBe('running');

    await waitFor(async () => (await fetch(`${admin}/readyz`)).status === 200, 'retried plugin running', 10_000);
    const ready = (await (await fetch(`${admin}/readyz`)).json()) as { plugins: Record<string, { restarts: number }> };
    expect(ready.plugins.flaky!.restarts).toBeGreaterThanOrEqual(1);
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_plugin_restarts_total\{plugin="flaky"\} [1-9]/);
  });

  it('/metrics reports the pipeline in Prometheus text', async () => {
    daemon = await startTestDaemon({ config: { plugins: { web: { enabled: true, port: 0 } } } });
    const web = (daemon.plugin('web') as unknown as { url: string }).url;
    for (let i = 0; i < 3; i++) {
      await fetch(`${web}/api/chats/m/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: `m${i}` }),
      });
    }
    const admin = daemon.adminUrl!;
    await waitFor(async () => /switchboard_replies_sent_total\{[^}]*\} 3/.test(await (await fetch(`${admin}/metrics`)).text()), '3 replies counted');
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    for (const name of [
      'switchboard_inbound_messages_total{channel="web"} 3',
      'switchboard_turns_running 0',
      'switchboard_turn_duration_seconds_bucket',
      'switchboard_session_queue_depth',
      'switchboard_sessions_live',
      'switchboard_sends_retried_total',
      'switchboard_dedupe_suppressions_total',
      'switchboard_refused_busy_total',
      'switchboard_plugin_restarts_total',
    ]) {
      expect(metrics).toContain(name);
    }
    const status = (await (await fetch(`${admin}/status.json`)).json()) as { plugins: Array<{ name: string }> };
    expect(status.plugins.map((p) => p.name).sort()).toEqual(['echo', 'web']);
  });
});
