import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { CurioError } from '../../core/index.js';
import { BACKGROUND_NICE, LOWER_PRIORITY } from './checkpointer.js';
import type { StepResult, WriteStep } from './write-steps.js';

/**
 * Write transactions on a second connection in a worker thread. better-sqlite3 is synchronous, so on a
 * server every commit holds the event loop: logging ten impressions and a decision per slate cost about
 * 0.3 ms of each request, and a flush of buffered impressions held every waiting request for 3–9 ms. The
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

interface Reply {
  id: number;
  results?: StepResult[];
  error?: { message: string; code?: string };
}

// Plain CommonJS run with `eval: true`, so it needs no TypeScript loader in the worker (and `execArgv: []`
// keeps a parent's --input-type=module or loader flags from applying to it). The loop is
// `runSteps` (write-steps.ts); BEGIN IMMEDIATE takes the write lock up front, waiting out other writers.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
${LOWER_PRIORITY}
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
const statements = new Map();
const prepare = (sql) => {
  let stmt = statements.get(sql);
  if (!stmt) statements.set(sql, (stmt = db.prepare(sql)));
  return stmt;
};
const run = db.transaction((steps) => steps.map(({ sql, params }) => {
  const stmt = prepare(sql);
  return stmt.reader ? stmt.pluck().all(params) : stmt.run(params).changes;
}));
parentPort.on('message', (message) => {
  if (message === 'stop') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const results = message.read ? run.deferred(message.steps) : run.immediate(message.steps);
    parentPort.postMessage({ id: message.id, results });
  } catch (e) {
    parentPort.postMessage({ id: message.id, error: { message: String(e && e.message), code: e && e.code } });
  }
});
`;

/** Starts a writer thread on the database file at `path` (which the caller has already created and migrated). */
export function startWriterThread(path: string): WriterThread {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, nice: BACKGROUND_NICE }, execArgv: [] });
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
  worker.on('message', (reply: Reply) => {
    if (reply.results) settle(reply.id, { results: reply.results });
    else settle(reply.id, { error: new CurioError('UNAVAILABLE', `SQLite write failed: ${reply.error?.message ?? 'unknown error'}`) });
  });
  const fail = (error: Error) => {
    alive = false;
    for (const id of [...pending.keys()]) settle(id, { error });
  };
  worker.on('error', (e) => fail(new CurioError('UNAVAILABLE', `SQLite writer thread failed: ${e.message}`, { cause: e })));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => {
    fail(new CurioError('UNAVAILABLE', 'SQLite writer thread stopped'));
    resolve();
  }));

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
    worker.postMessage({ id, steps, read });
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
        worker.postMessage('stop');
      }
      await exited;
    },
  };
}
