import { once } from 'node:events';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * The worker's body (evaluated; dynamic imports, so it runs whether Node treats it as CommonJS or
 * as a module, and the driver comes by URL, whatever the working directory): its own connection to
 * the file, one PASSIVE checkpoint per request. A PASSIVE checkpoint never blocks the writer, which
 * keeps appending to the WAL meanwhile.
 */
const workerSource = `
import('node:worker_threads').then(async ({ parentPort, workerData }) => {
  const { default: Database } = await import(workerData.driver);
  const db = new Database(workerData.path, { timeout: 5000 });
  parentPort.on('message', (message) => {
    if (message === 'close') {
      db.close();
      parentPort.close();
      return;
    }
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
      parentPort.postMessage('done');
    } catch (error) {
      parentPort.postMessage(String((error && error.message) || error));
    }
  });
});
`;

/** Pages the writer's own connection lets the WAL reach before it checkpoints inline (the fallback). */
export const inlineCheckpointPages = 10_000;

/**
 * Copies the WAL back into the database file on a worker thread, so the writer (the event loop)
 * only appends: checkpoints were half of a commit's cost. Asked after commits, at most once per
 * `everyMs` and one at a time; the worker starts on the first request, so a store open for less
 * than `everyMs` never starts one. If it fails, the writer's own connection still checkpoints
 * once the WAL reaches {@link inlineCheckpointPages}.
 */
export class Checkpointer {
  private worker: Worker | undefined;
  private busy = false;
  private lastAt = Date.now();

  constructor(
    private readonly path: string,
    private everyMs: number,
  ) {}

  committed(): void {
    if (this.busy || this.everyMs < 0) return;
    const now = Date.now();
    if (now - this.lastAt < this.everyMs) return;
    this.lastAt = now;
    this.busy = true;
    (this.worker ??= this.start()).postMessage('checkpoint');
  }

  /** Closes the worker's connection and waits for it to exit. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    const exited = once(worker, 'exit');
    // Unreferenced while it runs (it never keeps the daemon alive); waited for now.
    worker.ref();
    worker.postMessage('close');
    await exited;
  }

  private start(): Worker {
    const driver = pathToFileURL(createRequire(import.meta.url).resolve('better-sqlite3')).href;
    const worker = new Worker(workerSource, { eval: true, workerData: { path: this.path, driver } });
    worker.unref();
    worker.on('message', (message: string) => {
      this.busy = false;
      if (message !== 'done')
        process.emitWarning(`SQLite checkpoint of ${this.path} failed: ${message} (the writer checkpoints itself instead)`);
    });
    worker.on('error', (error) => {
      process.emitWarning(`SQLite checkpoint worker for ${this.path} stopped: ${error.message} (the writer checkpoints itself instead)`);
      this.worker = undefined;
      this.busy = false;
      this.everyMs = -1;
    });
    return worker;
  }
}
