import { CurioError } from '../../core/index.js';
import { startBackgroundWorker } from './background-worker.js';
import { handedOver, type StepResult, type WriteStep } from './write-steps.js';
import type { WriterMessage, WriterReply } from './writer-worker.js';

/**
 * Write transactions on a second connection in a worker thread. better-sqlite3 is synchronous, so on a
 * server every commit holds the event loop: logging a slate's impressions and decision added to each
 * request, and a flush of buffered impressions held every waiting request (docs/serving.md). The
 * caller builds the statements (`WriteStep`s) and awaits the worker's commit; only the structured clone
 * of the parameters stays on the request thread. WAL lets the main connection keep reading meanwhile.
 */
export interface WriterThread {
  /** Runs the steps in one IMMEDIATE transaction on the writer's connection; resolves after the commit. */
  run(steps: WriteStep[]): Promise<StepResult[]>;
  /**
   * Runs read-only steps (one snapshot, no write lock) on the writer's connection: for scans too slow for
   * the request thread, such as the row counts a metrics scrape asks for.
   */
  read(steps: WriteStep[]): Promise<StepResult[]>;
  /** Resolves when every transaction posted so far (and any posted while waiting) has committed or failed. */
  drain(): Promise<void>;
  /** False once the worker has failed or stopped: callers then write on their own connection. */
  readonly alive: boolean;
  stop(): Promise<void>;
}

/** Starts a writer thread on the database file at `path` (which the caller has already created and migrated). */
export function startWriterThread(path: string): WriterThread {
  const worker = startBackgroundWorker('writer-worker', path);
  const pending = new Map<number, { promise: Promise<StepResult[]>; resolve: (r: StepResult[]) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let alive = true;
  // Referenced only while a transaction is in flight: an idle writer must not keep the process alive,
  // and a process must not exit before its writes are acknowledged.
  worker.unref();
  const settle = (id: number, outcome: { results: StepResult[] } | { error: Error }) => {
    const entry = pending.get(id);
    if (!entry) return;
    pending.delete(id);
    if (pending.size === 0) worker.unref();
    if ('results' in outcome) entry.resolve(outcome.results);
    else entry.reject(outcome.error);
  };
  worker.on('message', (reply: WriterReply) => {
    if (reply.results) settle(reply.id, { results: reply.results });
    else settle(reply.id, { error: new CurioError('UNAVAILABLE', `SQLite write failed: ${reply.error?.message ?? 'unknown error'}`) });
  });
  const fail = (error: Error) => {
    alive = false;
    for (const id of [...pending.keys()]) settle(id, { error });
  };
  worker.on('error', (e) => fail(new CurioError('UNAVAILABLE', `SQLite writer thread failed: ${e.message}`, { cause: e })));
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      fail(new CurioError('UNAVAILABLE', 'SQLite writer thread stopped'));
      resolve();
    }),
  );

  /** Posts a transaction and returns the promise of its results. */
  const post = (steps: WriteStep[], read: boolean): Promise<StepResult[]> => {
    if (!alive) return Promise.reject(new CurioError('UNAVAILABLE', 'SQLite writer thread stopped'));
    const id = nextId++;
    let resolve!: (r: StepResult[]) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<StepResult[]>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    if (pending.size === 0) worker.ref();
    pending.set(id, { promise, resolve, reject });
    worker.postMessage({ id, steps, read } satisfies WriterMessage, handedOver(steps));
    return promise;
  };

  return {
    get alive() {
      return alive;
    },
    run(steps) {
      return post(steps, false);
    },
    read(steps) {
      return post(steps, true);
    },
    async drain() {
      while (pending.size > 0) await Promise.allSettled([...pending.values()].map((p) => p.promise));
    },
    async stop() {
      await this.drain();
      if (alive) {
        alive = false;
        worker.ref(); // until it has closed its connection
        worker.postMessage('stop' satisfies WriterMessage);
      }
      await exited;
    },
  };
}
