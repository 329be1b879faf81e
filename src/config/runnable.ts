import { ConfigError } from '../core/errors.js';
import type { AnyPluginDefinition } from '../plugins/api.js';
import type { DaemonInput } from '../daemon.js';
import { originOf } from './sources.js';

/**
 * What a config needs before a daemon can run on it, beyond its keys being valid: `gateway.agent`
 * names an enabled agent plugin, and the limits allow work. Checked by `start`, `config check` and
 * a SIGHUP reload alike, so a config that check accepts is one start accepts, and a reload to a
 * config that cannot run is refused (the running one is kept).
 */
export function checkRunnable(loaded: DaemonInput & { origins?: ReadonlyMap<string, string> }): void {
  const { config, definitions } = loaded;
  const fail = (key: string, message: string): never => {
    const origin = loaded.origins ? originOf(key, loaded.origins) : undefined;
    throw new ConfigError(`${origin ?? 'config'}: ${key}: ${message}`, { key, file: origin });
  };
  const agent = config.gateway.agent;
  const definition = definitions.get(agent);
  if (!definition) fail('gateway.agent', `no plugin named "${agent}" (agents: ${agentNames(definitions)})`);
  if (definition!.kind !== 'agent') fail('gateway.agent', `"${agent}" is a ${definition!.kind} plugin, not an agent (agents: ${agentNames(definitions)})`);
  if (!config.plugins[agent]?.enabled) fail('gateway.agent', `agent plugin "${agent}" is not enabled (set plugins.${agent}.enabled: true)`);
  if (config.gateway.maxParallelTurns < 1) fail('gateway.maxParallelTurns', 'must be at least 1');
  if (config.gateway.maxQueuedPerSession < 1) fail('gateway.maxQueuedPerSession', 'must be at least 1');
}

function agentNames(definitions: ReadonlyMap<string, AnyPluginDefinition>): string {
  return [...definitions].filter(([, d]) => d.kind === 'agent').map(([name]) => name).join(', ') || 'none loaded';
}
