import { type ChildProcess, spawn } from 'node:child_process';
import type { Turn } from '../../src/core/turn.js';
import type { AgentInstance, PluginContext } from '../../src/plugins/api.js';
import { BadOutputError, deliver, lines, parseReplyItem, type ReplyItem, turnPayload } from '../http/payload.js';

/** Config of the command agent (`plugins.command`). */
export interface CommandAgentConfig {
  argv: string[];
  cwd: string;
  env: string[];
  timeoutMs: number;
  killGraceMs: number;
}

/** Variables every child gets from the daemon's environment (none of them a secret). */
const baseEnv = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ'];
const stderrTailBytes = 2048;

/**
 * The environment of a child: the harmless basics, the turn's ids, and what `env` lists — `NAME`
 * passes the daemon's value on, `NAME=value` sets one. Nothing else is inherited (no tokens).
 */
export function childEnv(listed: readonly string[], turn: Turn): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of baseEnv) if (process.env[name] !== undefined) env[name] = process.env[name];
  for (const entry of listed) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    else if (process.env[entry] !== undefined) env[entry] = process.env[entry];
  }
  env.SWITCHBOARD_TURN_ID = turn.id;
  env.SWITCHBOARD_SESSION_KEY = turn.sessionKey;
  return env;
}

/** A stdout line as a reply: a JSON object line is `{ text, target? }`, any other line is text. */
export function parseOutputLine(line: string): ReplyItem {
  if (!line.trimStart().startsWith('{')) return { text: line };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new BadOutputError(`not a JSON reply: ${line.slice(0, 80)}`);
  }
  return parseReplyItem(value);
}

/** Sends SIGTERM to the child's process group, then SIGKILL after `graceMs` unless it exited. */
function terminate(child: ChildProcess, graceMs: number, exited: Promise<unknown>): void {
  const signal = (name: NodeJS.Signals) => {
    try {
      // The child leads its own group (detached): its own children go too.
      process.kill(-child.pid!, name);
    } catch {
      child.kill(name);
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), graceMs);
  void exited.finally(() => clearTimeout(timer));
}

/**
 * The command agent: runs `argv` (no shell) per turn with the turn JSON on stdin; each stdout line
 * is a reply, routed as it is written. Non-zero exit, timeout and bad output end the turn with the
 * core's apology (logged with the stderr tail). `/stop` and `timeoutMs` send SIGTERM, then SIGKILL
 * after `killGraceMs`; the turn ends only once the process is gone.
 */
export function createCommandAgent(context: PluginContext<CommandAgentConfig>): AgentInstance {
  const { argv, cwd, env, timeoutMs, killGraceMs } = context.config;

  async function run(turn: Turn): Promise<void> {
    turn.signal.throwIfAborted();
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: cwd || undefined,
      env: childEnv(env, turn),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve({ code, signal }));
    });
    exited.catch(() => undefined);
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-stderrTailBytes);
    });
    // A child that exits without reading its input must not crash the daemon with EPIPE.
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(`${JSON.stringify(turnPayload(turn))}\n`);

    let timedOut = false;
    let stopping = false;
    const stop = () => {
      if (stopping || child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      terminate(child, killGraceMs, exited);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, timeoutMs);
    turn.signal.addEventListener('abort', stop, { once: true });

    const bad: string[] = [];
    try {
      for await (const line of lines(child.stdout!)) {
        if (line.trim() === '' || stopping) continue;
        try {
          await deliver(turn, parseOutputLine(line));
        } catch (error) {
          if (!(error instanceof BadOutputError)) throw error;
          bad.push(error.message);
          turn.log.warn({ err: error }, 'command wrote a bad output line');
        }
      }
      const { code, signal } = await exited;
      turn.signal.throwIfAborted();
      const failure = timedOut
        ? `command timed out after ${timeoutMs} ms`
        : code !== 0
          ? `command exited with ${code === null ? `signal ${signal}` : `code ${code}`}`
          : bad.length > 0
            ? `command wrote ${bad.length} bad output line(s): ${bad[0]}`
            : undefined;
      if (failure) {
        turn.log.error({ argv0: argv[0], exitCode: code, signal, stderrTail: stderr.slice(-1024) }, failure);
        throw new Error(failure);
      }
    } finally {
      clearTimeout(timer);
      turn.signal.removeEventListener('abort', stop);
      if (child.exitCode === null && child.signalCode === null) {
        // Left early (a delivery failed): the process must not outlive its turn.
        stop();
        await exited.catch(() => undefined);
      }
    }
  }

  return { kind: 'agent', run };
}
