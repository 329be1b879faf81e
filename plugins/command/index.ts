import { definePlugin } from '../../src/plugins/api.js';
import { type CommandAgentConfig, createCommandAgent } from './agent.js';

/**
 * A local program per turn. `argv` is spawned without a shell; the turn JSON (`{ turnId,
 * sessionKey, origin, messages }`, as the http agent posts it) is written to its stdin. Each stdout
 * line is a reply, sent as it is written: a plain line is text to the origin, a JSON line is
 * `{ text, target? }`. Non-zero exit, `timeoutMs` and bad JSON lines end the turn with an apology
 * and a log line carrying the stderr tail. `/stop` sends SIGTERM, then SIGKILL after `killGraceMs`.
 * The environment is minimal: PATH, HOME, LANG, LC_ALL, TZ, SWITCHBOARD_TURN_ID,
 * SWITCHBOARD_SESSION_KEY, plus what `env` lists (`NAME` to pass the daemon's value, `NAME=value`).
 */
export default definePlugin<CommandAgentConfig, 'agent'>({
  name: 'command',
  kind: 'agent',
  description: 'Runs a local program per turn: turn JSON on stdin, replies on stdout',
  schema: {
    argv: { doc: 'Program and arguments, e.g. ["python3", "bot.py"] (no shell).', format: Array, default: [] },
    cwd: { doc: 'Working directory of the program; empty for the daemon\'s.', format: String, default: '' },
    env: {
      doc: 'Environment variables given to the program: NAME (the daemon\'s value) or NAME=value. Nothing else is inherited.',
      format: Array,
      default: [],
    },
    timeoutMs: { doc: 'Longest run of the program per turn.', format: 'nat', default: 120_000 },
    killGraceMs: { doc: 'Time between SIGTERM and SIGKILL on /stop or timeout.', format: 'nat', default: 2000 },
  },
  required: ['argv'],
  validate(config) {
    if (config.argv.some((part) => typeof part !== 'string' || part === ''))
      return { key: 'argv', message: 'every element must be a non-empty string' };
    if (config.env.some((entry) => typeof entry !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*(=.*)?$/s.test(entry)))
      return { key: 'env', message: 'entries are NAME or NAME=value' };
    return undefined;
  },
  create: (context) => createCommandAgent(context),
});
