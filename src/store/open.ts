import { isAbsolute, resolve } from 'node:path';
import { createMemoryStore } from './memory.js';
import type { Store } from './types.js';

/** Opens the configured store. A relative SQLite path resolves against $STATE_DIRECTORY under systemd. */
export async function openStore(config: { driver: 'sqlite' | 'memory'; path: string }): Promise<Store> {
  if (config.driver === 'memory') return createMemoryStore();
  const base = !isAbsolute(config.path) && process.env.STATE_DIRECTORY ? process.env.STATE_DIRECTORY : process.cwd();
  const { openSqliteStore } = await import('./sqlite/index.js');
  return openSqliteStore(resolve(base, config.path));
}
