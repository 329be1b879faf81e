/**
 * CONTRACT (implementation lands with src/daemon.ts): start a real in-process daemon for tests.
 *
 * startTestDaemon({ config, plugins }) merges `config` (nested, same shape as switchboard.yaml) over
 * test defaults: memory store, admin on 127.0.0.1 port 0, log level silent, every built-in plugin
 * disabled except `echo` (delayMs 0). `plugins` adds extra plugin definitions by name (a scripted test
 * agent, say) that you then enable in `config.plugins.<name>.enabled` / select with `config.gateway.agent`.
 * The returned daemon is started and ready; always `await daemon.stop()` in afterEach.
 */
export {};
