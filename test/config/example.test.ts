import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';

const example = fileURLToPath(new URL('../../config/switchboard.example.yaml', import.meta.url));
const defaults = fileURLToPath(new URL('../../config/switchboard.yaml', import.meta.url));

describe('shipped config files', () => {
  it('the example is valid and its values are the defaults (it documents them)', async () => {
    const fromExample = await loadConfig({ files: [example], env: {} });
    const fromDefaults = await loadConfig({ files: [], env: {}, overrides: { plugins: Object.fromEntries([...fromExample.definitions.keys()].map((name) => [name, {}])) } });
    expect(fromExample.config.gateway).toEqual(fromDefaults.config.gateway);
    expect(fromExample.config.store).toEqual(fromDefaults.config.store);
    expect(fromExample.config.admin).toEqual(fromDefaults.config.admin);
    for (const [name, settings] of Object.entries(fromExample.config.plugins)) {
      const { enabled: _a, ...documented } = settings;
      const { enabled: _b, ...builtIn } = fromDefaults.config.plugins[name]!;
      expect(documented, `plugins.${name}`).toEqual(builtIn);
    }
  });

  it('the default config runs the echo agent behind the web channel, with no account', async () => {
    const loaded = await loadConfig({ files: [defaults], env: {} });
    expect(loaded.config.gateway.agent).toBe('echo');
    const enabled = Object.entries(loaded.config.plugins).filter(([, s]) => s.enabled).map(([name]) => name);
    expect(enabled.sort()).toEqual(['echo', 'web']);
    expect(loaded.config.plugins.web!.host).toBe('127.0.0.1');
  });
});
