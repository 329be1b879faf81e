import type { Daemon } from '../../src/daemon.js';
import type { AnyPluginDefinition } from '../../src/plugins/api.js';
import { startTestDaemon } from '../../test/support/daemon.js';
import { waitFor } from '../../test/support/wait.js';

/**
 * The real daemon in-process with one channel plugin and the echo agent (delayMs 0), on the given
 * store (the test default path is a fresh temp directory), resolved once the channel runs.
 */
export async function startPluginDaemon(
  plugin: AnyPluginDefinition,
  store: 'sqlite' | 'memory',
  pluginConfig: Record<string, unknown>,
): Promise<Daemon> {
  const daemon = await startTestDaemon({
    plugins: { [plugin.name]: plugin },
    config: {
      store: { driver: store },
      plugins: { echo: { enabled: true, delayMs: 0 }, [plugin.name]: { enabled: true, ...pluginConfig } },
    },
  });
  try {
    await waitFor(() => daemon.status().plugins.find((p) => p.name === plugin.name)?.state === 'running', `${plugin.name} running`, 20_000);
  } catch (error) {
    await daemon.stop();
    throw error;
  }
  return daemon;
}
