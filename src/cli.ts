#!/usr/bin/env node
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Command, type OptionValues } from 'commander';
import { type LoadedConfig, loadConfig } from './config/load.js';
import { checkRunnable } from './config/runnable.js';
import { setPath } from './config/schema-tree.js';
import type { Tree } from './config/sources.js';
import { ConfigError } from './core/errors.js';
import { type Daemon, startDaemon } from './daemon.js';
import { createLogger } from './log.js';
import { builtinPlugins } from './plugins/builtins.js';
import { version } from './version.js';

const defaultConfigPath = 'config/switchboard.yaml';

/** Thrown for errors shown as one line (no stack trace unless --debug). */
class CliError extends Error {}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--set gateway.maxParallelTurns=4` → `{ gateway: { maxParallelTurns: 4 } }` (values parsed as YAML scalars). */
function overridesOf(sets: readonly string[]): Tree {
  const tree: Tree = {};
  for (const assignment of sets) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new CliError(`--set ${assignment}: expected key.path=value`);
    const raw = assignment.slice(eq + 1);
    let value: unknown = raw;
    if (/^(true|false)$/.test(raw)) value = raw === 'true';
    else if (/^-?\d+(\.\d+)?$/.test(raw)) value = Number(raw);
    else if (raw.startsWith('[') || raw.startsWith('{')) {
      try {
        value = JSON.parse(raw) as unknown;
      } catch {
        value = raw;
      }
    }
    setPath(tree, assignment.slice(0, eq), value);
  }
  return tree;
}

async function load(options: OptionValues): Promise<LoadedConfig> {
  const files = (options.config as string[]).length > 0 ? (options.config as string[]) : [defaultConfigPath];
  if ((options.config as string[]).length === 0 && !existsSync(defaultConfigPath)) {
    throw new CliError(`no config file: ${defaultConfigPath} does not exist here (pass --config FILE)`);
  }
  return loadConfig({ files, env: process.env, overrides: overridesOf(options.set as string[]) });
}

function withConfigOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', `config file, repeatable (later wins); default ${defaultConfigPath}`, collect, [])
    .option('--set <key=value>', 'override one key (highest precedence), repeatable', collect, [])
    .option('--debug', 'print stack traces of errors');
}

/** Tells systemd (Type=notify, NotifyAccess=all) about the daemon's state; no-op outside systemd. */
function notifySystemd(state: string): void {
  if (!process.env.NOTIFY_SOCKET) return;
  execFile('systemd-notify', [`--pid=${process.pid}`, state], () => {});
}

async function start(options: OptionValues): Promise<void> {
  const loaded = await load(options);
  checkRunnable(loaded);
  const log = createLogger({ ...loaded.config.log, secrets: loaded.secrets });
  const startedAt = performance.now();
  let daemon: Daemon;
  try {
    daemon = await startDaemon(loaded, { logger: log });
  } catch (error) {
    // The reason in one line (also on stderr); the stack only with --debug.
    log.fatal(options.debug ? { err: error } : { reason: (error as Error).message }, 'startup failed');
    throw error;
  }
  log.info({ ms: Math.round(performance.now() - startedAt), admin: daemon.adminUrl }, 'started');
  notifySystemd('--ready');

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    notifySystemd('--stopping');
    daemon.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  process.on('SIGHUP', () => {
    if (stopping) return;
    log.info('SIGHUP: reloading configuration');
    load(options)
      .then((next) => daemon.reload(next))
      .catch((error: unknown) => log.error({ err: { message: (error as Error).message } }, 'reload rejected: keeping the running configuration'));
  });
  process.on('uncaughtException', (error) => {
    log.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
  process.on('unhandledRejection', (error) => {
    log.error({ err: error }, 'unhandled rejection');
  });
}

async function plugins(options: OptionValues): Promise<void> {
  const loaded = await load(options);
  let running: Record<string, { state: string; reason?: string }> = {};
  if (loaded.config.admin.enabled) {
    const host = loaded.config.admin.host === '0.0.0.0' ? '127.0.0.1' : loaded.config.admin.host;
    try {
      const response = await fetch(`http://${host}:${loaded.config.admin.port}/readyz`, {
        signal: AbortSignal.timeout(1000),
      });
      running = ((await response.json()) as { plugins: typeof running }).plugins;
    } catch {
      // No daemon running: configured state only.
    }
  }
  const names = new Set([...Object.keys(builtinPlugins), ...loaded.definitions.keys()]);
  const rows: string[][] = [['NAME', 'KIND', 'SOURCE', 'ENABLED', 'STATE', 'DESCRIPTION']];
  for (const name of [...names].sort()) {
    const definition = loaded.definitions.get(name) ?? (await builtinPlugins[name]!()).default;
    const settings = loaded.config.plugins[name];
    const source = typeof settings?.package === 'string' && settings.package ? settings.package : 'built-in';
    const state = running[name]?.state ?? (Object.keys(running).length > 0 ? '-' : 'not running');
    rows.push([name, definition.kind, source, settings?.enabled ? 'yes' : 'no', settings?.enabled ? state : '-', definition.description ?? '']);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}

const program = new Command('switchboard')
  .description('Messaging gateway: one agent on Telegram, Discord, Slack and the web, session-ordered')
  .version(version, '-v, --version')
  .showHelpAfterError();

withConfigOptions(program.command('start').description('run the daemon in the foreground')).action(start);

const configCommand = program.command('config').description('validate or show the configuration');
withConfigOptions(
  configCommand.command('check').description('validate the configuration offline (exit 0 when valid)'),
).action(async (options: OptionValues) => {
  const loaded = await load(options);
  checkRunnable(loaded);
  const enabled = Object.entries(loaded.config.plugins)
    .filter(([, settings]) => settings.enabled)
    .map(([name]) => name);
  console.log(`config OK (${loaded.files.join(', ')}): agent ${loaded.config.gateway.agent}, plugins ${enabled.join(', ')}`);
});
withConfigOptions(
  configCommand.command('print').description('print the effective configuration (secrets redacted)'),
).action(async (options: OptionValues) => {
  const loaded = await load(options);
  console.log(JSON.stringify(loaded.redacted(), null, 2));
});
withConfigOptions(program.command('plugins').description('list built-in and configured plugins with their state')).action(
  plugins,
);

program.parseAsync(process.argv).catch((error: unknown) => {
  const debug = process.argv.includes('--debug');
  if (debug) console.error(error);
  else if (error instanceof ConfigError || error instanceof CliError) console.error(`switchboard: ${error.message}`);
  else console.error(`switchboard: ${(error as Error).message ?? String(error)}`);
  process.exit(1);
});
