import type { ConfigSchema } from '../plugins/api.js';
import { isTree, type Tree } from './sources.js';

/** A convict leaf: a key with a `default`. */
export interface SchemaLeaf {
  path: string;
  format: unknown;
  sensitive: boolean;
}

export function isLeaf(node: unknown): node is Tree {
  return isTree(node) && 'default' in node;
}

/** Every leaf of a convict schema, with its dotted path. */
export function leavesOf(schema: ConfigSchema, prefix = ''): SchemaLeaf[] {
  const out: SchemaLeaf[] = [];
  for (const [key, node] of Object.entries(schema)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isLeaf(node)) out.push({ path, format: node.format, sensitive: node.sensitive === true });
    else if (isTree(node)) out.push(...leavesOf(node, path));
  }
  return out;
}

/**
 * Adds a `<key>File` sibling to every sensitive key: the path of a file holding the secret
 * (systemd `LoadCredential=`, a Docker/Kubernetes secret mount...).
 */
export function withSecretFiles(schema: ConfigSchema): ConfigSchema {
  const out: ConfigSchema = {};
  for (const [key, node] of Object.entries(schema)) {
    if (isLeaf(node)) {
      out[key] = node;
      if (node.sensitive === true) {
        out[`${key}File`] = {
          doc: `File holding ${key} (instead of the value itself).`,
          format: String,
          default: '',
        };
      }
    } else if (isTree(node)) out[key] = withSecretFiles(node);
    else out[key] = node;
  }
  return out;
}

/**
 * Unknown keys of a config layer, as dotted paths. Convict would report them too, but without the
 * file; this runs per layer so the error can name it.
 */
export function unknownKeys(data: Tree, schema: ConfigSchema, prefix = ''): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const node = schema[key];
    if (node === undefined) out.push(path);
    else if (!isLeaf(node) && isTree(node)) {
      if (isTree(value)) out.push(...unknownKeys(value, node, path));
    }
  }
  return out;
}

/** `maxParallelTurns` → `MAX_PARALLEL_TURNS`; `token` → `TOKEN`. */
function snakeUpper(segment: string): string {
  return segment
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase();
}

/**
 * Environment names of a key path: `SWITCHBOARD_` and the segments joined by `_`, each either
 * upper-cased (`MAXPARALLELTURNS`) or snake-cased (`MAX_PARALLEL_TURNS`).
 */
export function envNamesOf(path: string): string[] {
  const segments = path.split('.');
  const plain = `SWITCHBOARD_${segments.map((s) => s.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()).join('_')}`;
  const snake = `SWITCHBOARD_${segments.map(snakeUpper).join('_')}`;
  return plain === snake ? [plain] : [plain, snake];
}

/** Turns an environment string into the type the schema's format wants. */
export function coerce(value: string, format: unknown): unknown {
  if (format === Number || format === 'nat' || format === 'int' || format === 'port' || format === 'duration') {
    const number = Number(value);
    return value.trim() !== '' && Number.isFinite(number) ? number : value;
  }
  if (format === Boolean) {
    if (/^(true|1|yes|on)$/i.test(value)) return true;
    if (/^(false|0|no|off)$/i.test(value)) return false;
    return value;
  }
  if (format === Array) {
    const trimmed = value.trim();
    if (trimmed.startsWith('[')) {
      try {
        return JSON.parse(trimmed) as unknown;
      } catch {
        return value;
      }
    }
    return trimmed === '' ? [] : trimmed.split(',').map((item) => item.trim());
  }
  if (format === Object) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}

/** Sets a dotted path in a tree. */
export function setPath(tree: Tree, path: string, value: unknown): void {
  const segments = path.split('.');
  let node = tree;
  for (const segment of segments.slice(0, -1)) {
    const next = node[segment];
    if (!isTree(next)) node[segment] = {};
    node = node[segment] as Tree;
  }
  node[segments.at(-1)!] = value;
}

/** Reads a dotted path from a tree. */
export function getPath(tree: unknown, path: string): unknown {
  let node = tree;
  for (const segment of path.split('.')) {
    if (!isTree(node)) return undefined;
    node = node[segment];
  }
  return node;
}
