import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigError } from '../core/errors.js';

/** A layer of configuration and where it came from (a file path, "environment", "command line"). */
export interface ConfigSource {
  origin: string;
  data: Record<string, unknown>;
}

export type Tree = Record<string, unknown>;

export function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads one YAML (or JSON, a subset of YAML) config file; errors name the file and line. */
export function readConfigFile(path: string): ConfigSource {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${path}: cannot read config file: ${(error as NodeJS.ErrnoException).code ?? error}`, {
      file: path,
    });
  }
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    const line = first.linePos?.[0]?.line;
    throw new ConfigError(
      `${path}${line ? `:${line}` : ''}: invalid YAML: ${first.message.split('\n')[0]}`,
      { file: path },
    );
  }
  const data: unknown = document.toJS() ?? {};
  if (!isTree(data)) throw new ConfigError(`${path}: the top level must be a mapping of keys`, { file: path });
  return { origin: path, data };
}

/** Deep merge of `over` into `into` (mutating it); records the origin of every leaf it sets. */
export function mergeInto(into: Tree, over: Tree, origin: string, origins: Map<string, string>, prefix = ''): void {
  for (const [key, value] of Object.entries(over)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const current = into[key];
    if (isTree(value) && (isTree(current) || current === undefined)) {
      const child: Tree = isTree(current) ? current : {};
      into[key] = child;
      mergeInto(child, value, origin, origins, path);
    } else {
      into[key] = value;
      origins.set(path, origin);
    }
  }
}

/** The origin of a key path: of the key itself or, failing that, of the nearest key under it. */
export function originOf(path: string, origins: ReadonlyMap<string, string>): string | undefined {
  const exact = origins.get(path);
  if (exact) return exact;
  for (const [key, origin] of origins) if (key.startsWith(`${path}.`)) return origin;
  const parent = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
  return parent ? originOf(parent, origins) : undefined;
}
