import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../core/errors.js';
import type { AnyPluginDefinition } from '../plugins/api.js';
import { builtinPlugins } from '../plugins/builtins.js';

/** Where a plugin definition comes from. */
export interface PluginRef {
  name: string;
  /** `plugins.<name>.package`, when set. */
  packageName?: string;
  /** File that set the package (relative paths resolve against its directory). */
  origin?: string;
}

/** Loads the definition of every named plugin: extra (tests), third-party package, or built-in. */
export async function resolvePlugins(
  refs: readonly PluginRef[],
  extra: Readonly<Record<string, AnyPluginDefinition>>,
): Promise<Map<string, AnyPluginDefinition>> {
  const out = new Map<string, AnyPluginDefinition>();
  await Promise.all(
    refs.map(async (ref) => {
      const definition = extra[ref.name] ?? (await loadOne(ref));
      out.set(ref.name, definition);
    }),
  );
  return out;
}

async function loadOne(ref: PluginRef): Promise<AnyPluginDefinition> {
  const key = `plugins.${ref.name}`;
  const where = ref.origin ? `${ref.origin}: ` : '';
  if (!ref.packageName) {
    const loader = builtinPlugins[ref.name];
    if (!loader) {
      throw new ConfigError(
        `${where}${key}: unknown plugin "${ref.name}" (no built-in of that name; set ${key}.package for a third-party plugin). Built-ins: ${Object.keys(builtinPlugins).join(', ')}`,
        { key, file: ref.origin },
      );
    }
    return (await loader()).default;
  }
  let module: { default?: unknown };
  try {
    module = (await import(specifierOf(ref.packageName, ref.origin))) as { default?: unknown };
  } catch (error) {
    throw new ConfigError(
      `${where}${key}.package: cannot load plugin package "${ref.packageName}": ${(error as Error).message.split('\n')[0]}`,
      { key: `${key}.package`, file: ref.origin, cause: error },
    );
  }
  const definition = module.default as Partial<AnyPluginDefinition> | undefined;
  if (
    !definition ||
    (definition.kind !== 'channel' && definition.kind !== 'agent') ||
    typeof definition.create !== 'function' ||
    typeof definition.schema !== 'object'
  ) {
    throw new ConfigError(
      `${where}${key}.package: "${ref.packageName}" does not default-export a plugin definition (name, kind, schema, create)`,
      { key: `${key}.package`, file: ref.origin },
    );
  }
  return definition as AnyPluginDefinition;
}

/** A path (absolute, or relative to the config file) becomes a file URL; a bare name resolves from the working directory. */
function specifierOf(packageName: string, origin: string | undefined): string {
  const base = origin && existsSync(origin) ? dirname(resolve(origin)) : process.cwd();
  if (packageName.startsWith('.') || isAbsolute(packageName)) {
    const path = resolve(base, packageName);
    return pathToFileURL(createRequire(join(base, 'noop.js')).resolve(path)).href;
  }
  try {
    return pathToFileURL(createRequire(join(process.cwd(), 'noop.js')).resolve(packageName)).href;
  } catch {
    return packageName;
  }
}
