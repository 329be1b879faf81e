import type { ConfigSchema } from '../plugins/api.js';

/**
 * The core's convict schema. Plugins mount their own fragment at `plugins.<name>` (see
 * `pluginSchema`). Every key here is documented in config/switchboard.example.yaml.
 */
export const coreSchema: ConfigSchema = {
  gateway: {
    agent: { doc: 'Name of the agent plugin that runs turns.', format: String, default: 'echo' },
    sessionScope: {
      doc: 'What one session is: a thread/topic, a whole chat, or a user across chats.',
      format: ['thread', 'chat', 'user'],
      default: 'thread',
    },
    queueMode: {
      doc: 'What a message that arrives while its session is busy does.',
      format: ['queue', 'interrupt', 'collect', 'steer'],
      default: 'queue',
    },
    maxParallelTurns: { doc: 'Turns running at once over all sessions.', format: 'nat', default: 16 },
    maxQueuedPerSession: { doc: 'Messages a busy session holds before refusing.', format: 'nat', default: 100 },
    sessionIdleMs: { doc: 'A session idle this long is released.', format: 'nat', default: 300_000 },
    turnTimeoutMs: { doc: 'A turn running longer is aborted.', format: 'nat', default: 600_000 },
    workingIndicatorDelayMs: {
      doc: 'Show a channel\'s working indicator (typing, a reaction) only once a turn has run this long; 0: at once. Spares a platform call per fast answer.',
      format: 'nat',
      default: 1000,
    },
    finalReplyDedupe: {
      doc: 'Final reply suppression: "text" (same target and same text) or "target" (any reply to a target already sent to this round).',
      format: ['text', 'target'],
      default: 'text',
    },
    shutdownGraceMs: { doc: 'How long running turns may finish at shutdown.', format: 'nat', default: 10_000 },
    failFast: { doc: 'Exit non-zero when a plugin fails to start, instead of retrying it.', format: Boolean, default: false },
    busyReply: {
      doc: 'Reply to a message refused because its session backlog is full.',
      format: String,
      default: 'Busy: too many messages are waiting in this chat. Please try again shortly.',
    },
  },
  admin: {
    enabled: { doc: 'Serve /healthz, /readyz, /metrics and the status page.', format: Boolean, default: true },
    host: { doc: 'Admin listen address.', format: String, default: '127.0.0.1' },
    port: { doc: 'Admin listen port (0: any free port).', format: 'port', default: 7301 },
  },
  store: {
    driver: { doc: 'sqlite (durable) or memory (lost at exit).', format: ['sqlite', 'memory'], default: 'sqlite' },
    path: {
      doc: 'SQLite file; relative paths resolve against $STATE_DIRECTORY under systemd.',
      format: String,
      default: './data/switchboard.db',
    },
    retentionDays: { doc: 'Finished messages and sent replies older than this are pruned.', format: 'nat', default: 7 },
  },
  log: {
    level: {
      doc: 'Log level.',
      format: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'info',
    },
    format: {
      doc: 'json (one object a line), pretty (human), or auto (pretty on a TTY).',
      format: ['auto', 'json', 'pretty'],
      default: 'auto',
    },
  },
};

/** Keys every plugin has, whatever its own schema says. */
export function pluginSchema(own: ConfigSchema): ConfigSchema {
  return {
    enabled: { doc: 'Run this plugin.', format: Boolean, default: false },
    package: {
      doc: 'npm package (or path) of a third-party plugin; empty for a built-in.',
      format: String,
      default: '',
    },
    sessionScope: {
      doc: 'Override gateway.sessionScope for this channel ("" inherits).',
      format: ['', 'thread', 'chat', 'user'],
      default: '',
    },
    workingIndicatorDelayMs: {
      doc: 'Override gateway.workingIndicatorDelayMs for this channel (-1 inherits).',
      format: 'int',
      default: -1,
    },
    ...own,
  };
}
