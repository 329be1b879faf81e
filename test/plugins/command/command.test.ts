import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { controlReplies } from '../../../src/core/gateway.js';
import { notices } from '../../../src/core/turn-runner.js';
import type { AnyPluginDefinition } from '../../../src/plugins/api.js';
import commandPlugin from '../../../plugins/command/index.js';
import { type ChatDaemon, startChatDaemon } from '../../fixtures/agents/chat-daemon.js';
import { waitFor } from '../../support/wait.js';

const script = fileURLToPath(new URL('../../fixtures/agents/agent.mjs', import.meta.url));
let harness: ChatDaemon | undefined;
const pids: number[] = [];

afterEach(async () => {
  await harness?.stop();
  harness = undefined;
  // Never leave a fixture process behind, whatever the test did.
  for (const pid of pids.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let logLines: Array<Record<string, unknown>> = [];

async function start(mode: string, config: Record<string, unknown> = {}): Promise<ChatDaemon> {
  logLines = [];
  harness = await startChatDaemon({
    logLines,
    agentName: 'command',
    agent: commandPlugin as unknown as AnyPluginDefinition,
    agentConfig: { argv: [process.execPath, script, mode], ...config },
  });
  return harness;
}

/** The pid the hang/stubborn fixture announced in the chat (the nth announcement, from 0). */
async function announcedPid(h: ChatDaemon, nth = 0): Promise<number> {
  const line = await waitFor(
    () => h.chat.textsTo('c1').filter((text) => text.startsWith('pid '))[nth],
    'pid line',
  );
  const pid = Number(line.slice(4));
  pids.push(pid);
  return pid;
}

describe('command agent', () => {
  it('each stdout line is a reply; JSON lines may target another allowed chat', async () => {
    const h = await start('echo');
    await h.say('c1', 'hello', { chat: { id: 'c1', type: 'group', threadId: '3' } });
    await waitFor(() => h.chat.sent.length === 1, 'reply');
    expect(h.chat.sent[0]!.text).toBe('got: hello');
    expect(h.chat.sent[0]!.target).toEqual({ channel: 'chat', chatId: 'c1', threadId: '3' });

    await h.say('c1', 'to:ops deploy done');
    await waitFor(() => h.other.sent.length === 1, 'targeted reply');
    expect(h.other.textsTo('ops')).toEqual(['deploy done']);
  });

  it('the environment is minimal: no inherited secrets unless listed in env', async () => {
    process.env.SWITCHBOARD_TEST_SECRET = 'hunter2';
    process.env.SWITCHBOARD_TEST_SHARED = 'shared';
    try {
      const h = await start('env', { env: ['SWITCHBOARD_TEST_SHARED', 'EXTRA=1'] });
      await h.say('c1', 'env?');
      await waitFor(() => h.chat.sent.length === 1, 'reply');
      const names = h.chat.sent[0]!.text.split(',');
      expect(names).toContain('SWITCHBOARD_TEST_SHARED');
      expect(names).toContain('EXTRA');
      expect(names).toContain('SWITCHBOARD_TURN_ID');
      expect(names).not.toContain('SWITCHBOARD_TEST_SECRET');
      expect(names.every((name) => ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'EXTRA', 'SWITCHBOARD_TEST_SHARED', 'SWITCHBOARD_TURN_ID', 'SWITCHBOARD_SESSION_KEY'].includes(name))).toBe(true);
    } finally {
      delete process.env.SWITCHBOARD_TEST_SECRET;
      delete process.env.SWITCHBOARD_TEST_SHARED;
    }
  });

  it('/stop kills the running process; output lines already written were sent as they came', async () => {
    const h = await start('hang');
    await h.say('c1', 'work');
    const pid = await announcedPid(h);
    expect(alive(pid)).toBe(true);
    await h.say('c1', '/stop');
    await waitFor(() => !alive(pid), 'process gone');
    await waitFor(() => h.chat.textsTo('c1').includes(controlReplies.stopped(0)), 'stop answered');
    expect(h.chat.textsTo('c1')).toEqual([`pid ${pid}`, controlReplies.stopped(0)]);
  });

  it('a process ignoring SIGTERM is killed with SIGKILL after killGraceMs', async () => {
    const h = await start('stubborn', { killGraceMs: 300 });
    await h.say('c1', 'work');
    const pid = await announcedPid(h);
    await h.say('c1', '/stop');
    await waitFor(() => !alive(pid), 'process gone');
    await waitFor(() => h.daemon.gateway.scheduler.turnsRunning === 0, 'turn ended');
    // The session goes on with a new process, which /stop ends as well.
    await h.say('c1', 'again');
    const second = await announcedPid(h, 1);
    expect(second).not.toBe(pid);
    await h.say('c1', '/stop');
    await waitFor(() => !alive(second), 'second process gone');
  });

  it('timeoutMs kills the process and the user gets an apology', async () => {
    const h = await start('hang', { timeoutMs: 500 });
    await h.say('c1', 'work');
    const pid = await announcedPid(h);
    await waitFor(() => h.chat.textsTo('c1').includes(notices.apology), 'apology');
    expect(alive(pid)).toBe(false);
  });

  it('a non-zero exit is an apology; the session is not stuck', async () => {
    const h = await start('fail');
    await h.say('c1', 'hi');
    await waitFor(() => h.chat.sent.length === 1, 'apology');
    expect(h.chat.textsTo('c1')).toEqual([notices.apology]);
    expect(h.daemon.status().recentErrors.at(-1)?.message).toBe('command exited with code 3');
    // Logged with the tail of what the program wrote to stderr, and the turn it ended.
    const logged = logLines.find((line) => line.msg === 'command exited with code 3');
    expect(logged).toMatchObject({ level: 50, exitCode: 3 });
    expect(String(logged!.stderrTail)).toContain('boom: database unreachable');
    expect(String(logged!.turnId)).toMatch(/^t-/);
    await h.say('c1', 'hi again');
    await waitFor(() => h.chat.sent.length === 2, 'second apology');
  });

  it('bad output: good lines are sent, the bad JSON line ends in an apology', async () => {
    const h = await start('bad');
    await h.say('c1', 'hi');
    await waitFor(() => h.chat.sent.length === 2, 'line and apology');
    expect(h.chat.textsTo('c1')).toEqual(['fine line', notices.apology]);
  });

  it('shutdown stops a running process once shutdownGraceMs has passed', async () => {
    harness = await startChatDaemon({
      agentName: 'command',
      agent: commandPlugin as unknown as AnyPluginDefinition,
      agentConfig: { argv: [process.execPath, script, 'hang'] },
      gateway: { shutdownGraceMs: 200 },
    });
    await harness.say('c1', 'work');
    const pid = await announcedPid(harness);
    await harness.stop();
    harness = undefined;
    expect(alive(pid)).toBe(false);
  });

  it('a missing program is an apology, not a crash', async () => {
    harness = await startChatDaemon({
      agentName: 'command',
      agent: commandPlugin as unknown as AnyPluginDefinition,
      agentConfig: { argv: ['/nonexistent/switchboard-agent'] },
    });
    await harness.say('c1', 'hi');
    await waitFor(() => harness!.chat.sent.length === 1, 'apology');
    expect(harness.chat.textsTo('c1')).toEqual([notices.apology]);
  });
});
