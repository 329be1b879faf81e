import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { type CoreMetrics, createCoreMetrics } from './admin/metrics.js';
import { startAdminServer } from './admin/server.js';
import type { DaemonStatus, RecentError } from './admin/status.js';
import { statusPage } from './admin/status-page.js';
import { checkRunnable } from './config/runnable.js';
import { Gateway, type GatewaySettings } from './core/gateway.js';
import type { SessionScope } from './core/session-key.js';
import type { AgentInstance, AnyPluginDefinition, PluginInstance } from './plugins/api.js';
import { PluginHost, type PluginSettings } from './plugins/host.js';
import { openStore } from './store/open.js';
import type { Store } from './store/types.js';
import { version } from './version.js';

/** The parts of the validated config the daemon reads. */
export interface DaemonConfig {
  gateway: GatewaySettings & { agent: string; shutdownGraceMs: number; failFast: boolean };
  admin: { enabled: boolean; host: string; port: number };
  store: { driver: 'sqlite' | 'memory'; path: string; retentionDays: number };
  plugins: Record<string, PluginSettings>;
}

/** A validated config and the plugin definitions it names (what `loadConfig` returns). */
export interface DaemonInput {
  config: DaemonConfig;
  definitions: ReadonlyMap<string, AnyPluginDefinition>;
}

/** The running daemon. */
export interface Daemon {
  readonly config: DaemonConfig;
  readonly metrics: Registry;
  /** `http://host:port` of the admin server, once it listens. */
  readonly adminUrl: string | undefined;
  readonly store: Store;
  readonly gateway: Gateway;
  status(): DaemonStatus;
  /** The running instance of a plugin (tests). */
  plugin(name: string): PluginInstance | undefined;
  /** Resolves once every enabled plugin has either started or failed (and is retrying). */
  ready(): Promise<void>;
  /** SIGHUP: restart plugins whose config changed; unchanged ones keep running. */
  reload(next: DaemonInput): Promise<void>;
  /** Graceful stop: no new input, running turns finish within `shutdownGraceMs`, sends flushed. */
  stop(): Promise<void>;
}

const maxRecentErrors = 20;

/** Starts the daemon: store, agent, recovery (replay before new input), channels, admin server. */
export async function startDaemon(input: DaemonInput, options: { logger: Logger }): Promise<Daemon> {
  let config = input.config;
  const log = options.logger;
  checkRunnable(input);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics: CoreMetrics = createCoreMetrics(registry);
  const startedAt = Date.now();
  const recentErrors: RecentError[] = [];
  const recordError = (error: Omit<RecentError, 'at'>) => {
    recentErrors.push({ at: Date.now(), ...error });
    if (recentErrors.length > maxRecentErrors) recentErrors.shift();
  };

  const store = await openStore(config.store);
  let gateway: Gateway | undefined;
  const host = new PluginHost({
    definitions: input.definitions,
    settings: config.plugins,
    store,
    registry,
    metrics,
    log,
    emit: (inbound) => gateway!.emit(inbound),
    failFast: config.gateway.failFast,
    onChannelStarted: (name) => gateway?.dispatcher.channelStarted(name),
    onError: recordError,
  });

  const agent = (): AgentInstance => {
    const instance = host.agent(config.gateway.agent);
    if (!instance) throw new Error(`agent plugin "${config.gateway.agent}" is not running`);
    return instance;
  };

  try {
    await host.start('agent');
    gateway = new Gateway({
      settings: config.gateway,
      store,
      metrics,
      log,
      agent,
      channel: (name) => host.channel(name),
      sessionScopeOf: (channel) =>
        (host.settingsOf(channel)?.sessionScope as SessionScope | '' | undefined) || undefined,
      workingDelayOf: (channel) => host.settingsOf(channel)?.workingIndicatorDelayMs as number | undefined,
      onError: recordError,
    });
    const recovered = await gateway.recover();
    if (recovered.replayed + recovered.resent > 0) log.info(recovered, 'recovered unfinished work from the store');
    await host.start('channel');
  } catch (error) {
    await host.stop('channel');
    await host.stop('agent');
    await store.close();
    throw error;
  }
  const running = gateway;

  const status = (): DaemonStatus => {
    const plugins = host.status();
    return {
      version,
      startedAt,
      ready: plugins.every((plugin) => plugin.state === 'running'),
      plugins,
      sessionsLive: running.scheduler.sessionsLive,
      turnsRunning: running.scheduler.turnsRunning,
      busySessions: running.busySessions(),
      messagesPerSecond: running.messagesPerSecond(),
      recentErrors: [...recentErrors],
    };
  };

  const admin = config.admin.enabled
    ? await startAdminServer({
        host: config.admin.host,
        port: config.admin.port,
        status,
        metrics: registry,
        extraRoutes: (request, response) => statusPage(request, response, status),
      })
    : undefined;

  const prune = () => {
    const olderThan = Date.now() - config.store.retentionDays * 86_400_000;
    store.prune(olderThan).catch((error: unknown) => log.warn({ err: error }, 'store pruning failed'));
  };
  const pruneTimer = setInterval(prune, 3_600_000);
  pruneTimer.unref();
  setImmediate(prune).unref();

  let stopping: Promise<void> | undefined;
  const stop = async () => {
    running.close();
    const grace = config.gateway.shutdownGraceMs;
    if (!(await waitUntil(() => running.scheduler.turnsRunning === 0, grace))) {
      const left = running.scheduler.runningTurns();
      log.warn(
        { turns: left.length },
        'shutdown grace over: aborting running turns (they are replayed at the next start)',
      );
      for (const turn of left) turn.abort('shutdown');
      await waitUntil(() => running.scheduler.turnsRunning === 0, 2000);
    }
    if (!(await running.dispatcher.flush(Math.min(5000, Math.max(grace, 500))))) {
      log.warn({ pending: running.dispatcher.pendingCount }, 'unsent replies stay in the outbox for the next start');
    }
    clearInterval(pruneTimer);
    await host.stop('channel');
    await host.stop('agent');
    running.scheduler.close();
    running.dispatcher.close();
    await admin?.close();
    await store.close();
    log.info('stopped');
  };

  log.info({ agent: config.gateway.agent, channels: host.channelNames(), admin: admin?.url }, 'switchboard ready');
  return {
    get config() {
      return config;
    },
    metrics: registry,
    adminUrl: admin?.url,
    store,
    gateway: running,
    status,
    plugin: (name) => host.instance(name),
    ready: () => Promise.resolve(),
    async reload(next) {
      checkRunnable(next);
      const changed = await host.reload(next.definitions, next.config.plugins);
      if (next.config.gateway.maxParallelTurns !== config.gateway.maxParallelTurns) {
        running.scheduler.setMaxParallelTurns(next.config.gateway.maxParallelTurns);
      }
      const needRestart = keysNeedingRestart(config, next.config);
      // What a reload applies: the plugins, the agent, the turn limit; the rest stays as it runs.
      const { agent, maxParallelTurns } = next.config.gateway;
      config = { ...config, plugins: next.config.plugins, gateway: { ...config.gateway, agent, maxParallelTurns } };
      log.info({ restarted: changed }, 'configuration reloaded');
      if (needRestart.length > 0) {
        log.warn({ keys: needRestart }, 'these changed settings apply at the next restart, not by SIGHUP');
      }
    },
    stop() {
      stopping ??= stop();
      return stopping;
    },
  };
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/**
 * Settings a SIGHUP does not apply (it applies `plugins`, `gateway.agent` and
 * `gateway.maxParallelTurns`): the changed ones are named in a warning, so a reload never silently
 * keeps the old value.
 */
function keysNeedingRestart(running: DaemonConfig, next: DaemonConfig): string[] {
  const applied = new Set(['plugins', 'gateway.agent', 'gateway.maxParallelTurns']);
  // Every section the config has (`log` too, which the daemon itself does not read).
  const before = running as unknown as Record<string, Record<string, unknown>>;
  const after = next as unknown as Record<string, Record<string, unknown>>;
  const changed: string[] = [];
  for (const section of Object.keys(after)) {
    if (applied.has(section)) continue;
    for (const key of new Set([...Object.keys(before[section] ?? {}), ...Object.keys(after[section] ?? {})])) {
      const path = `${section}.${key}`;
      if (!applied.has(path) && JSON.stringify(before[section]?.[key]) !== JSON.stringify(after[section]?.[key])) changed.push(path);
    }
  }
  return changed;
}
