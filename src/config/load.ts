import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import convict from 'convict';
import { ConfigError } from '../core/errors.js';
import type { DaemonConfig, DaemonInput } from '../daemon.js';
import type { AnyPluginDefinition, ConfigSchema } from '../plugins/api.js';
import { builtinPlugins } from '../plugins/builtins.js';
import { resolvePlugins } from './plugins.js';
import { coreSchema, pluginSchema } from './schema.js';
import {
  coerce,
  envNamesOf,
  getPath,
  leavesOf,
  setPath,
  unknownKeys,
  withSecretFiles,
} from './schema-tree.js';
import { type ConfigSource, isTree, mergeInto, originOf, readConfigFile, type Tree } from './sources.js';

/** The whole validated configuration. */
export interface AppConfig extends DaemonConfig {
  log: { level: string; format: 'auto' | 'json' | 'pretty' };
}

/** What {@link loadConfig} returns. */
export interface LoadedConfig extends DaemonInput {
  config: AppConfig;
  /** The files read, in order. */
  files: string[];
  /** The effective config as JSON with every secret replaced by "[Sensitive]". */
  redacted(): Record<string, unknown>;
  /** The values of every secret (for log redaction). */
  secrets: string[];
  /** Which file (or layer) set each key, for errors found later. */
  origins: ReadonlyMap<string, string>;
}

export interface LoadOptions {
  /** Config files, later wins. */
  files: readonly string[];
  /** Environment (`SWITCHBOARD_<PATH>`, `CREDENTIALS_DIRECTORY`). */
  env: NodeJS.ProcessEnv;
  /** Command-line values (highest precedence), a nested tree. */
  overrides?: Tree;
  /** Plugin definitions supplied in-process (tests), by name. */
  extraPlugins?: Readonly<Record<string, AnyPluginDefinition>>;
}

const environment = 'environment';
const commandLine = 'command line';

/**
 * Loads the configuration: defaults < files < environment < command line. Strict: unknown keys,
 * wrong types, unknown plugins and missing required keys are `ConfigError`s naming the key and
 * where it was set. Secrets may come as `<key>File` or `$CREDENTIALS_DIRECTORY/<key path>`.
 */
export async function loadConfig(options: LoadOptions): Promise<LoadedConfig> {
  const sources: ConfigSource[] = options.files.map(readConfigFile);
  const extra = options.extraPlugins ?? {};

  // Which plugins the config talks about, and what defines each.
  const named = new Map<string, { packageName?: string; origin?: string }>();
  const notePlugins = (data: Tree, origin: string) => {
    if (data.plugins === undefined) return;
    if (!isTree(data.plugins)) throw new ConfigError(`${origin}: plugins: must be a mapping`, { key: 'plugins', file: origin });
    for (const [name, value] of Object.entries(data.plugins)) {
      const entry = named.get(name) ?? {};
      if (isTree(value) && typeof value.package === 'string' && value.package !== '') {
        entry.packageName = value.package;
        entry.origin = origin;
      }
      entry.origin ??= origin;
      named.set(name, entry);
    }
  };
  for (const source of sources) notePlugins(source.data, source.origin);
  if (options.overrides) notePlugins(options.overrides, commandLine);
  // The agent named by gateway.agent is loaded even when no plugins.<agent> section mentions it.
  for (const source of [...sources, { data: options.overrides ?? {} }]) {
    const agent = getPath(source.data, 'gateway.agent');
    if (typeof agent === 'string' && !named.has(agent) && (builtinPlugins[agent] || extra[agent])) named.set(agent, {});
  }
  if (!named.has('echo')) named.set('echo', {});
  const knownNames = new Set([...Object.keys(builtinPlugins), ...Object.keys(extra), ...named.keys()]);
  for (const name of Object.keys(options.env)) {
    const match = /^SWITCHBOARD_PLUGINS_(.+)$/.exec(name);
    if (!match) continue;
    for (const plugin of knownNames) {
      const prefix = plugin.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();
      if (match[1]!.startsWith(`${prefix}_`) && !named.has(plugin)) named.set(plugin, { origin: environment });
    }
  }
  const definitions = await resolvePlugins(
    [...named].map(([name, entry]) => ({ name, ...entry })),
    extra,
  );

  const schema: ConfigSchema = { ...coreSchema, plugins: {} };
  const pluginsSchema: ConfigSchema = {};
  for (const [name, definition] of definitions) pluginsSchema[name] = withSecretFiles(pluginSchema(definition.schema));
  schema.plugins = pluginsSchema;
  const leaves = leavesOf(schema);

  // Environment layer.
  const envLayer: Tree = {};
  const byEnvName = new Map<string, (typeof leaves)[number]>();
  for (const leaf of leaves) for (const envName of envNamesOf(leaf.path)) byEnvName.set(envName, leaf);
  for (const [name, value] of Object.entries(options.env)) {
    const leaf = byEnvName.get(name);
    if (leaf && value !== undefined) setPath(envLayer, leaf.path, coerce(value, leaf.format));
  }
  sources.push({ origin: environment, data: envLayer });
  if (options.overrides) sources.push({ origin: commandLine, data: options.overrides });

  // Strict keys, per layer so the error names the file.
  const merged: Tree = {};
  const origins = new Map<string, string>();
  for (const source of sources) {
    const unknown = unknownKeys(source.data, schema);
    if (unknown.length > 0) {
      throw new ConfigError(`${source.origin}: unknown key ${unknown[0]}${unknown.length > 1 ? ` (and ${unknown.slice(1).join(', ')})` : ''}`, {
        key: unknown[0],
        file: source.origin,
      });
    }
    mergeInto(merged, source.data, source.origin, origins);
  }

  const config = convict(schema as convict.Schema<Record<string, unknown>>);
  try {
    config.load(merged);
    config.validate({ allowed: 'strict' });
  } catch (error) {
    const line = (error as Error).message.split('\n')[0]!;
    const key = /^([\w.-]+):/.exec(line)?.[1] ?? /param '([^']+)'/.exec(line)?.[1];
    const origin = key ? originOf(key, origins) : undefined;
    throw new ConfigError(`${origin ?? 'config'}: ${line}`, { key, file: origin });
  }

  // Secrets: the value, else <key>File, else $CREDENTIALS_DIRECTORY/<key path>.
  const secrets: string[] = [];
  const credentials = options.env.CREDENTIALS_DIRECTORY;
  for (const leaf of leaves.filter((l) => l.sensitive)) {
    let value = config.get(leaf.path as never) as unknown;
    if (value === '' || value === undefined || value === null) {
      const fileKey = `${leaf.path}File`;
      const file = config.get(fileKey as never) as string;
      const fromCredentials = credentials ? join(credentials, leaf.path) : undefined;
      if (file) {
        const path = !isAbsolute(file) && credentials && existsSync(join(credentials, file)) ? join(credentials, file) : file;
        try {
          value = readFileSync(path, 'utf8').trim();
        } catch (error) {
          throw new ConfigError(`${originOf(fileKey, origins) ?? 'config'}: ${fileKey}: cannot read "${path}": ${(error as NodeJS.ErrnoException).code}`, {
            key: fileKey,
            file: originOf(fileKey, origins),
          });
        }
      } else if (fromCredentials && existsSync(fromCredentials)) {
        value = readFileSync(fromCredentials, 'utf8').trim();
      }
      if (value !== '' && value !== undefined) config.set(leaf.path as never, value as never);
    }
    if (typeof value === 'string' && value !== '') secrets.push(value);
  }

  const properties = config.getProperties() as unknown as AppConfig;

  // Required keys of enabled plugins.
  for (const [name, definition] of definitions) {
    const settings = properties.plugins[name];
    if (!settings?.enabled) continue;
    for (const required of definition.required ?? []) {
      const value = getPath(settings, required);
      if (value === '' || value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
        const key = `plugins.${name}.${required}`;
        const origin = originOf(`plugins.${name}.enabled`, origins);
        throw new ConfigError(
          `${origin ?? 'config'}: ${key} is required when plugins.${name}.enabled is true (set it, ${key}File, or SWITCHBOARD_${key.replace(/\./g, '_').toUpperCase()})`,
          { key, file: origin },
        );
      }
    }
  }
  for (const [name, definition] of definitions) {
    const settings = properties.plugins[name];
    if (!settings?.enabled || !definition.validate) continue;
    const problem = definition.validate(settings as never);
    if (problem) {
      const key = `plugins.${name}.${problem.key}`;
      const origin = originOf(key, origins) ?? originOf(`plugins.${name}`, origins);
      throw new ConfigError(`${origin ?? 'config'}: ${key}: ${problem.message}`, { key, file: origin });
    }
  }

  return {
    config: properties,
    definitions,
    files: [...options.files],
    secrets,
    origins,
    redacted: () => JSON.parse(config.toString()) as Record<string, unknown>,
  };
}
