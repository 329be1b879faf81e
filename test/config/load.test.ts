import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';
import { tempDir, writeConfig } from '../support/cli.js';

const loopbackDir = fileURLToPath(new URL('../fixtures/loopback-channel', import.meta.url));

async function configErrorOf(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('loadConfig', () => {
  it('applies defaults < files (later wins) < environment < command line', async () => {
    const dir = tempDir();
    const first = writeConfig(dir, { gateway: { maxParallelTurns: 2, sessionIdleMs: 1000, turnTimeoutMs: 5 } }, 'a.yaml');
    const second = writeConfig(dir, { gateway: { maxParallelTurns: 3, sessionIdleMs: 2000 } }, 'b.yaml');
    const loaded = await loadConfig({
      files: [first, second],
      env: { SWITCHBOARD_GATEWAY_SESSION_IDLE_MS: '3000', SWITCHBOARD_GATEWAY_TURNTIMEOUTMS: '7', SWITCHBOARD_PLUGINS_ECHO_PREFIX: '> ' },
      overrides: { gateway: { turnTimeoutMs: 9 } },
    });
    expect(loaded.config.gateway.maxParallelTurns).toBe(3); // b.yaml over a.yaml
    expect(loaded.config.gateway.sessionIdleMs).toBe(3000); // environment over files (snake case name)
    expect(loaded.config.gateway.turnTimeoutMs).toBe(9); // command line over environment
    expect(loaded.config.gateway.queueMode).toBe('queue'); // default
    expect(loaded.config.plugins.echo!.prefix).toBe('> ');
    expect(loaded.config.admin).toEqual({ enabled: true, host: '127.0.0.1', port: 7301 });
  });

  it('reads JSON files too', async () => {
    const dir = tempDir();
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify({ gateway: { queueMode: 'collect' } }));
    expect((await loadConfig({ files: [path], env: {} })).config.gateway.queueMode).toBe('collect');
  });

  it('rejects an unknown key, naming the key and the file', async () => {
    const dir = tempDir();
    const path = writeConfig(dir, { gateway: { maxParalelTurns: 4 } });
    const error = await configErrorOf(loadConfig({ files: [path], env: {} }));
    expect(error.message).toContain(path);
    expect(error.message).toContain('gateway.maxParalelTurns');
    expect(error.key).toBe('gateway.maxParalelTurns');
    expect(error.file).toBe(path);
  });

  it('rejects a wrong type, naming the key and the file that set it', async () => {
    const dir = tempDir();
    const good = writeConfig(dir, { gateway: { maxParallelTurns: 4 } }, 'good.yaml');
    const bad = writeConfig(dir, { store: { driver: 'postgres' } }, 'bad.yaml');
    const error = await configErrorOf(loadConfig({ files: [good, bad], env: {} }));
    expect(error.message).toContain(bad);
    expect(error.message).toContain('store.driver');
    expect(error.message).not.toContain(good);
  });

  it('names the environment when a bad value came from there', async () => {
    const error = await configErrorOf(loadConfig({ files: [], env: { SWITCHBOARD_GATEWAY_MAX_PARALLEL_TURNS: 'lots' } }));
    expect(error.message).toContain('environment');
    expect(error.message).toContain('gateway.maxParallelTurns');
  });

  it('reports YAML syntax errors with the file and line', async () => {
    const dir = tempDir();
    const path = join(dir, 'broken.yaml');
    writeFileSync(path, 'gateway:\n  agent: echo\n  queueMode: [unclosed\n');
    const error = await configErrorOf(loadConfig({ files: [path], env: {} }));
    expect(error.message).toMatch(new RegExp(`${path.replace(/[/.]/g, '\\$&')}:\\d+: invalid YAML`));
  });

  it('rejects an unknown plugin, naming it and the file', async () => {
    const dir = tempDir();
    const path = writeConfig(dir, { plugins: { teams: { enabled: true } } });
    const error = await configErrorOf(loadConfig({ files: [path], env: {} }));
    expect(error.message).toContain('plugins.teams');
    expect(error.message).toContain(path);
  });

  it('loads a third-party plugin from a local package path relative to the config file', async () => {
    const dir = tempDir();
    const path = writeConfig(dir, {
      plugins: { loopback: { enabled: true, package: loopbackDir, url: 'http://127.0.0.1:1' } },
    });
    const loaded = await loadConfig({ files: [path], env: {} });
    expect(loaded.definitions.get('loopback')?.kind).toBe('channel');
    expect(loaded.config.plugins.loopback!.url).toBe('http://127.0.0.1:1');
  });

  it('loads a third-party plugin installed as an npm package, by its package name', async () => {
    // package.json has "switchboard-plugin-loopback": "file:test/fixtures/loopback-channel" (devDependencies).
    const dir = tempDir();
    const path = writeConfig(dir, {
      plugins: { mychannel: { enabled: true, package: 'switchboard-plugin-loopback', url: 'http://127.0.0.1:1' } },
    });
    const loaded = await loadConfig({ files: [path], env: {} });
    expect(loaded.definitions.get('mychannel')?.description).toBe('Test channel for a platform the test controls');
    expect(loaded.config.plugins.mychannel!.url).toBe('http://127.0.0.1:1');
  });

  it('names the package that cannot be found', async () => {
    const dir = tempDir();
    const path = writeConfig(dir, { plugins: { ghost: { enabled: true, package: 'switchboard-plugin-does-not-exist' } } });
    const error = await configErrorOf(loadConfig({ files: [path], env: {} }));
    expect(error.key).toBe('plugins.ghost.package');
    expect(error.message).toContain('cannot load plugin package "switchboard-plugin-does-not-exist"');
  });

  it('rejects a package that is not a plugin, naming plugins.<name>.package', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'not-a-plugin.mjs'), 'export default { hello: 1 };\n');
    const path = writeConfig(dir, { plugins: { odd: { enabled: true, package: './not-a-plugin.mjs' } } });
    const error = await configErrorOf(loadConfig({ files: [path], env: {} }));
    expect(error.key).toBe('plugins.odd.package');
    expect(error.message).toContain('does not default-export a plugin definition');
  });

  it('requires the required keys of an enabled plugin, naming the key', async () => {
    const dir = tempDir();
    const path = writeConfig(dir, { plugins: { loopback: { enabled: true, package: loopbackDir } } });
    const error = await configErrorOf(loadConfig({ files: [path], env: {} }));
    expect(error.key).toBe('plugins.loopback.url');
    expect(error.message).toContain('plugins.loopback.url is required');
    expect(error.message).toContain(path);
    // Disabled: not required.
    const off = writeConfig(dir, { plugins: { loopback: { enabled: false, package: loopbackDir } } }, 'off.yaml');
    await expect(loadConfig({ files: [off], env: {} })).resolves.toBeDefined();
  });

  describe('secrets', () => {
    const secret = 'tok-5f1c0d9e-secret-value';

    it('takes <key>File and keeps the value out of the redacted view', async () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'token.txt'), `${secret}\n`);
      const path = writeConfig(dir, {
        plugins: { loopback: { enabled: true, package: loopbackDir, url: 'http://x', tokenFile: join(dir, 'token.txt') } },
      });
      const loaded = await loadConfig({ files: [path], env: {} });
      expect(loaded.config.plugins.loopback!.token).toBe(secret);
      expect(loaded.secrets).toContain(secret);
      expect(JSON.stringify(loaded.redacted())).not.toContain(secret);
      expect(JSON.stringify(loaded.redacted())).toContain('[Sensitive]');
    });

    it('takes a systemd credential named after the key path', async () => {
      const dir = tempDir();
      const credentials = join(dir, 'credentials');
      mkdirSync(credentials);
      writeFileSync(join(credentials, 'plugins.loopback.token'), secret);
      const path = writeConfig(dir, { plugins: { loopback: { enabled: true, package: loopbackDir, url: 'http://x' } } });
      const loaded = await loadConfig({ files: [path], env: { CREDENTIALS_DIRECTORY: credentials } });
      expect(loaded.config.plugins.loopback!.token).toBe(secret);
    });

    it('takes the secret from the environment', async () => {
      const dir = tempDir();
      const path = writeConfig(dir, { plugins: { loopback: { enabled: true, package: loopbackDir, url: 'http://x' } } });
      const loaded = await loadConfig({ files: [path], env: { SWITCHBOARD_PLUGINS_LOOPBACK_TOKEN: secret } });
      expect(loaded.config.plugins.loopback!.token).toBe(secret);
      expect(JSON.stringify(loaded.redacted())).not.toContain(secret);
    });

    it('names the key when the secret file is missing', async () => {
      const dir = tempDir();
      const path = writeConfig(dir, {
        plugins: { loopback: { enabled: true, package: loopbackDir, url: 'http://x', tokenFile: join(dir, 'missing') } },
      });
      const error = await configErrorOf(loadConfig({ files: [path], env: {} }));
      expect(error.key).toBe('plugins.loopback.tokenFile');
      expect(error.message).toContain('ENOENT');
    });
  });
});
