import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints in a worker thread. better-sqlite3 is synchronous, so the checkpoint SQLite runs after
 * a commit that crosses `wal_autocheckpoint` copies up to that many pages on the caller's thread: on a
 * server logging impressions that is a 100–250 ms stall of the event loop every second or so. A PASSIVE
 * checkpoint from a second connection copies the same pages concurrently (WAL readers and the writer
 * are not blocked); the main connection's own autocheckpoint stays as the backstop and then finds
 * little left to copy.
 */
/** The nice value of the store's background threads (checkpointer, writer): below request handling. */
export const BACKGROUND_NICE = 10;

/**
 * Worker-source line that lowers the worker's priority to `workerData.nice`. On Linux the nice value is per
 * thread, so only that thread yields: request handling on the main thread wins when the cores are busy.
 */
export const LOWER_PRIORITY = "try { require('node:os').setPriority(0, workerData.nice); } catch { /* not permitted: normal priority */ }";

export interface Checkpointer {
  stop(): Promise<void>;
}

// Plain CommonJS run with `eval: true` and no inherited node flags, so it needs no TypeScript loader.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
${LOWER_PRIORITY}
const db = new Database(workerData.path);
db.pragma('busy_timeout = 50');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: the next tick retries */ }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** Starts checkpointing the WAL of the database file at `path` every `intervalMs`. */
export function startCheckpointer(path: string, intervalMs: number): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, intervalMs, nice: BACKGROUND_NICE }, execArgv: [] });
  worker.unref(); // a store that is never closed must not keep the process alive
  worker.on('error', () => undefined); // the main connection's autocheckpoint still bounds the WAL
  let exited = false;
  const exit = new Promise<void>((resolve) => worker.once('exit', () => {
    exited = true;
    resolve();
  }));
  return {
    stop() {
      if (!exited) worker.postMessage('stop');
      return exit;
    },
  };
}
