import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import Database from 'better-sqlite3';

/**
 * The store's background threads (`writer-worker.ts`, `checkpointer-worker.ts`): each opens its own
 * connection to the database file and runs below request handling. This module holds both halves: how
 * the store starts such a worker, and how the worker sets itself up.
 */

/** The nice value of the store's background threads: below request handling. */
const BACKGROUND_NICE = 10;

/** What every background worker is started with. */
interface BackgroundData {
  /** The database file, already created and migrated by the store. */
  path: string;
  nice: number;
}

/**
 * Starts the worker module `name` (a sibling of this file, named without extension) on the database file
 * at `path`; `data` is added to its `workerData`.
 *
 * Built (dist/), the sibling is `name.js` and runs as it is. From source (bin/curio.js and the benches
 * under tsx, the tests under vitest) only `name.ts` exists, and a worker inherits neither a loader the main
 * thread registered in code (bin/curio.js) nor vitest's transform. `--import tsx` is no remedy: tsx's ESM
 * loader does not register itself in worker threads on every Node version this package supports (on
 * Node 20 the worker then fails on the .ts extension). Its CommonJS hook (`tsx/cjs`) works in any thread
 * and reuses tsx's cache of compiled files, so the worker is started with two lines that register it and
 * require the module (which then runs as CommonJS). Either way `execArgv: []` keeps the parent's node
 * flags (a loader, `--input-type`) from applying to the worker.
 */
export function startBackgroundWorker(name: string, path: string, data: Record<string, unknown> = {}): Worker {
  const background: BackgroundData = { path, nice: BACKGROUND_NICE };
  const options = { workerData: { ...data, ...background }, execArgv: [] };
  const built = new URL(`./${name}.js`, import.meta.url);
  if (existsSync(built)) return new Worker(built, options);
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs');
  const source = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(source)});`, { ...options, eval: true });
}

/**
 * In a worker that `startBackgroundWorker` started: lowers this thread's priority and opens its own
 * connection. Returns the worker's data, the connection and the port to the store.
 */
export function backgroundConnection<T extends object = object>(): { data: T & BackgroundData; db: Database.Database; port: MessagePort } {
  if (!parentPort) throw new Error('backgroundConnection() runs only in a worker thread');
  const data = workerData as T & BackgroundData;
  // On Linux the nice value is per thread, so only this thread yields: request handling on the main
  // thread wins when the cores are busy.
  try {
    setPriority(0, data.nice);
  } catch {
    // not permitted: normal priority
  }
  return { data, db: new Database(data.path), port: parentPort };
}
