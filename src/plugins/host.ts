import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { CoreMetrics } from '../admin/metrics.js';
import type { PluginState, PluginStatus } from '../admin/status.js';
import { backoffMs } from '../core/backoff.js';
import type { Inbound } from '../core/types.js';
import type { Store } from '../store/types.js';
import type {
  AgentInstance,
  AnyPluginDefinition,
  ChannelInstance,
  EmitResult,
  GatewayView,
  PluginContext,
  PluginInstance,
} from './api.js';

/** Settings of one plugin as the host sees them (`plugins.<name>`). */
export type PluginSettings = { enabled: boolean } & Record<string, unknown>;

/** What the host needs from the daemon. */
export interface PluginHostOptions {
  definitions: ReadonlyMap<string, AnyPluginDefinition>;
  settings: Readonly<Record<string, PluginSettings>>;
  store: Store;
  registry: Registry;
  metrics: CoreMetrics;
  log: Logger;
  emit(inbound: Inbound): Promise<EmitResult>;
  failFast: boolean;
  /** Called when a channel starts running (the dispatcher resumes its parked sends). */
  onChannelStarted(name: string): void;
  /** Called when a plugin fails to start (for the status page's recent errors). */
  onError?(error: { message: string; plugin: string }): void;
  /** Retry delay after the n-th failed start (default: capped exponential backoff, 1 s to 60 s). */
  restartDelay?(attempt: number): number;
}

/** A plugin the host manages: its definition, settings, instance and lifecycle state. */
interface ManagedPlugin {
  readonly name: string;
  readonly definition: AnyPluginDefinition;
  settings: PluginSettings;
  instance: PluginInstance | undefined;
  state: PluginState;
  reason: string | undefined;
  restarts: number;
  /** Aborted when the plugin stops: releases its context's timers and hooks. */
  lifetime: AbortController;
  stopHooks: Array<() => void | Promise<void>>;
  retryTimer: NodeJS.Timeout | undefined;
}

/** Error thrown by `start()` when `gateway.failFast` is set and a plugin fails to start. */
export class PluginStartError extends Error {
  override readonly name = 'PluginStartError';
}

/**
 * Loads, starts, restarts and stops plugins. A plugin runs only if `plugins.<name>.enabled`. One
 * that throws at start is reported by name, shown as failed, and retried with capped backoff while
 * the others keep running (unless `failFast`). What a plugin registered through its context is
 * released when it stops.
 */
export class PluginHost implements GatewayView {
  private readonly plugins = new Map<string, ManagedPlugin>();

  constructor(private readonly options: PluginHostOptions) {
    for (const [name, definition] of options.definitions) {
      const settings = options.settings[name];
      if (!settings?.enabled) continue;
      this.plugins.set(name, {
        name,
        definition,
        settings,
        instance: undefined,
        state: 'starting',
        reason: undefined,
        restarts: 0,
        lifetime: new AbortController(),
        stopHooks: [],
        retryTimer: undefined,
      });
    }
  }

  /** Starts every enabled plugin of `kind`; resolves when each is running or failed (and retrying). */
  async start(kind: 'agent' | 'channel'): Promise<void> {
    const starting = [...this.plugins.values()].filter((plugin) => plugin.definition.kind === kind);
    await Promise.all(starting.map((plugin) => this.launch(plugin)));
  }

  /** The running channel of that name. */
  channel(name: string): ChannelInstance | undefined {
    const plugin = this.plugins.get(name);
    if (!plugin || (plugin.state !== 'running' && plugin.state !== 'degraded')) return undefined;
    return plugin.instance?.kind === 'channel' ? plugin.instance : undefined;
  }

  channelNames(): string[] {
    return [...this.plugins.values()]
      .filter((plugin) => plugin.definition.kind === 'channel' && this.channel(plugin.name))
      .map((plugin) => plugin.name);
  }

  /** The agent plugin of that name, if running. */
  agent(name: string): AgentInstance | undefined {
    const instance = this.plugins.get(name)?.instance;
    return instance?.kind === 'agent' ? instance : undefined;
  }

  /** The running instance of any plugin (tests, status). */
  instance(name: string): PluginInstance | undefined {
    return this.plugins.get(name)?.instance;
  }

  status(): PluginStatus[] {
    return [...this.plugins.values()].map((plugin) => {
      let state = plugin.state;
      let reason = plugin.reason;
      if (state === 'running' && plugin.instance?.kind === 'channel') {
        const health = plugin.instance.health?.();
        if (health?.state === 'degraded') {
          state = 'degraded';
          reason = health.reason;
        }
      }
      return {
        name: plugin.name,
        kind: plugin.definition.kind,
        state,
        ...(reason !== undefined ? { reason } : {}),
        restarts: plugin.restarts,
      };
    });
  }

  /** Stops every plugin of `kind` (channels first at shutdown, so no new input arrives). */
  async stop(kind: 'agent' | 'channel'): Promise<void> {
    const stopping = [...this.plugins.values()].filter((plugin) => plugin.definition.kind === kind);
    await Promise.all(stopping.map((plugin) => this.halt(plugin)));
  }

  /** Settings of an enabled plugin. */
  settingsOf(name: string): PluginSettings | undefined {
    return this.plugins.get(name)?.settings;
  }

  /**
   * Applies new settings (SIGHUP): plugins whose settings changed are restarted, newly enabled ones
   * started, disabled ones stopped; unchanged ones keep running.
   */
  async reload(
    definitions: ReadonlyMap<string, AnyPluginDefinition>,
    settings: Readonly<Record<string, PluginSettings>>,
  ): Promise<string[]> {
    const changed: string[] = [];
    for (const [name, plugin] of this.plugins) {
      const next = settings[name];
      if (!next?.enabled) {
        await this.halt(plugin);
        this.plugins.delete(name);
        changed.push(name);
      }
    }
    for (const [name, definition] of definitions) {
      const next = settings[name];
      if (!next?.enabled) continue;
      const current = this.plugins.get(name);
      if (current && JSON.stringify(current.settings) === JSON.stringify(next)) continue;
      if (current) await this.halt(current);
      const plugin: ManagedPlugin = {
        name,
        definition,
        settings: next,
        instance: undefined,
        state: 'starting',
        reason: undefined,
        restarts: current?.restarts ?? 0,
        lifetime: new AbortController(),
        stopHooks: [],
        retryTimer: undefined,
      };
      this.plugins.set(name, plugin);
      await this.launch(plugin);
      changed.push(name);
    }
    return changed;
  }

  private async launch(plugin: ManagedPlugin): Promise<void> {
    const log = this.options.log.child({ plugin: plugin.name });
    try {
      const instance = plugin.definition.create(this.contextFor(plugin, log) as PluginContext<never>);
      plugin.instance = instance;
      await instance.start?.(plugin.lifetime.signal);
      if (plugin.lifetime.signal.aborted) return;
      plugin.state = 'running';
      plugin.reason = undefined;
      log.info({ kind: plugin.definition.kind }, 'plugin running');
      if (instance.kind === 'channel') this.options.onChannelStarted(plugin.name);
    } catch (error) {
      if (plugin.lifetime.signal.aborted) return;
      const reason = error instanceof Error ? error.message : String(error);
      plugin.state = 'failed';
      plugin.reason = reason;
      log.error({ reason }, `plugin ${plugin.name} failed to start: ${reason}`);
      this.options.onError?.({ message: `plugin ${plugin.name} failed to start: ${reason}`, plugin: plugin.name });
      await plugin.instance?.stop?.().catch(() => undefined);
      await this.release(plugin);
      if (this.options.failFast) throw new PluginStartError(`plugin ${plugin.name} failed to start: ${reason}`);
      const delay = (this.options.restartDelay ?? ((n) => backoffMs(n, 1000, 60_000)))(plugin.restarts + 1);
      plugin.retryTimer = setTimeout(() => {
        plugin.retryTimer = undefined;
        plugin.restarts++;
        this.options.metrics.pluginRestarts.inc({ plugin: plugin.name });
        plugin.lifetime = new AbortController();
        plugin.state = 'starting';
        void this.launch(plugin);
      }, delay);
      plugin.retryTimer.unref();
    }
  }

  private contextFor(plugin: ManagedPlugin, log: Logger): PluginContext {
    const lifetime = plugin.lifetime;
    return {
      name: plugin.name,
      config: plugin.settings,
      log,
      metrics: this.options.registry,
      store: this.options.store,
      gateway: this,
      emit: (inbound) => this.options.emit(inbound),
      onStop: (fn) => plugin.stopHooks.push(fn),
      setInterval: (fn, ms) => {
        const timer = setInterval(fn, ms);
        timer.unref();
        lifetime.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
      },
      signal: lifetime.signal,
    };
  }

  private async halt(plugin: ManagedPlugin): Promise<void> {
    if (plugin.retryTimer) clearTimeout(plugin.retryTimer);
    plugin.retryTimer = undefined;
    const wasRunning = plugin.state === 'running' || plugin.state === 'degraded';
    plugin.state = 'stopped';
    if (wasRunning) {
      try {
        await plugin.instance?.stop?.();
      } catch (error) {
        this.options.log.warn({ plugin: plugin.name, err: error }, 'plugin stop failed');
      }
    }
    await this.release(plugin);
  }

  /** Releases what the plugin registered through its context. */
  private async release(plugin: ManagedPlugin): Promise<void> {
    plugin.lifetime.abort();
    for (const hook of plugin.stopHooks.splice(0).reverse()) {
      try {
        await hook();
      } catch (error) {
        this.options.log.warn({ plugin: plugin.name, err: error }, 'plugin stop hook failed');
      }
    }
  }
}
