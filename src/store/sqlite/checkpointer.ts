import { startBackgroundWorker } from './background-worker.js';

/**
 * WAL checkpoints in a worker thread. better-sqlite3 is synchronous, so the checkpoint SQLite runs after
 * a commit that crosses `wal_autocheckpoint` copies up to that many pages on the caller's thread: on a
 * server logging impressions that is a stall of the event loop every second or so (docs/benchmarks.md). A PASSIVE
 * checkpoint from a second connection copies the same pages concurrently (WAL readers and the writer
 * are not blocked); the main connection's own autocheckpoint stays as the backstop and then finds
 * little left to copy.
 */
export interface Checkpointer {
  stop(): Promise<void>;
}

/** Starts checkpointing the WAL of the database file at `path` every `intervalMs`. */
export function startCheckpointer(path: string, intervalMs: number): Checkpointer {
  const worker = startBackgroundWorker('checkpointer-worker', path, { intervalMs });
  worker.unref(); // a store that is never closed must not keep the process alive
  worker.on('error', () => undefined); // the main connection's autocheckpoint still bounds the WAL
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  return {
    stop() {
      if (!exited) {
        worker.ref(); // until it has closed its connection, as the writer does
        worker.postMessage('stop');
      }
      return exit;
    },
  };
}
