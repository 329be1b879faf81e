import type { AnyPluginDefinition } from './api.js';

type Loader = () => Promise<{ default: AnyPluginDefinition }>;

/**
 * Built-in plugins by name. Loaded lazily so a daemon only imports the platform clients it runs.
 * Literal import paths keep both tsc and vitest able to resolve them.
 */
export const builtinPlugins: Readonly<Record<string, Loader>> = {
  echo: () => import('../../plugins/echo/index.js'),
  web: () => import('../../plugins/web/index.js'),
  telegram: () => import('../../plugins/telegram/index.js'),
  discord: () => import('../../plugins/discord/index.js'),
  slack: () => import('../../plugins/slack/index.js'),
  openai: () => import('../../plugins/openai/index.js'),
  http: () => import('../../plugins/http/index.js'),
  command: () => import('../../plugins/command/index.js'),
};
