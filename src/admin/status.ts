/** A snapshot of the running daemon, served by `/readyz`, the status page and `switchboard plugins`. */

/** Lifecycle state of one plugin. */
export type PluginState = 'disabled' | 'starting' | 'running' | 'degraded' | 'failed' | 'stopped';

export interface PluginStatus {
  name: string;
  kind: 'channel' | 'agent';
  state: PluginState;
  /** Why it failed or is degraded. */
  reason?: string;
  restarts: number;
}

export interface BusySession {
  sessionKey: string;
  /** Messages waiting behind the running turn. */
  queued: number;
  running: boolean;
  turnId?: string;
  /** Epoch ms the running turn started. */
  since?: number;
}

export interface RecentError {
  at: number;
  message: string;
  plugin?: string;
  sessionKey?: string;
  turnId?: string;
}

export interface DaemonStatus {
  version: string;
  startedAt: number;
  /** True when every enabled plugin is running (degraded counts as not ready). */
  ready: boolean;
  plugins: PluginStatus[];
  sessionsLive: number;
  turnsRunning: number;
  busySessions: BusySession[];
  /** Inbound messages per second averaged over the last minute. */
  messagesPerSecond: number;
  recentErrors: RecentError[];
}
