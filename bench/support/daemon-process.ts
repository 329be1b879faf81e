import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

/** The compiled CLI, as a user runs it. */
export const cliPath = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

/** A free loopback port (bound then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A daemon started from the real CLI in a child process. */
export interface DaemonProcess {
  child: ChildProcess;
  adminUrl: string;
  webUrl: string;
  dir: string;
  /** Milliseconds from spawn to `/readyz` answering 200. */
  readyMs: number;
  stop(): Promise<void>;
}

/** Starts `switchboard start` with echo + web (and `extra` merged into the config); resolves once ready. */
export async function startDaemonProcess(extra: { store?: Record<string, unknown>; web?: Record<string, unknown>; gateway?: Record<string, unknown> } = {}): Promise<DaemonProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
  const [adminPort, webPort] = [await freePort(), await freePort()];
  const config = {
    gateway: { agent: 'echo', ...extra.gateway },
    admin: { host: '127.0.0.1', port: adminPort },
    store: { driver: 'sqlite', path: join(dir, 'switchboard.db'), ...extra.store },
    log: { level: 'warn', format: 'json' },
    plugins: { echo: { enabled: true, delayMs: 0 }, web: { enabled: true, port: webPort, ...extra.web } },
  };
  const path = join(dir, 'switchboard.yaml');
  writeFileSync(path, stringify(config));
  const started = performance.now();
  const child = spawn(process.execPath, [cliPath, 'start', '--config', path], { stdio: ['ignore', 'inherit', 'inherit'] });
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`daemon exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${adminUrl}/readyz`)).status === 200) break;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const readyMs = performance.now() - started;
  return {
    child,
    adminUrl,
    webUrl: `http://127.0.0.1:${webPort}`,
    dir,
    readyMs,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
