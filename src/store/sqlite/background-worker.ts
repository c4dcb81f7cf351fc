import { Worker, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { runBelowRequests, startModuleWorker } from '../../core/threads.js';

/**
 * The store's background threads (`writer-worker.ts`, `checkpointer-worker.ts`): each opens its own
 * connection to the database file and runs below request handling. This module holds both halves: how
 * the store starts such a worker, and how the worker sets itself up.
 */

/** What every background worker is started with. */
interface BackgroundData {
  /** The database file, already created and migrated by the store. */
  path: string;
}

/**
 * Starts the worker module `name` (a sibling of this file, named without extension) on the database file
 * at `path`; `data` is added to its `workerData`. How a worker module is found built or from source:
 * `startModuleWorker` (core/threads.ts).
 */
export function startBackgroundWorker(name: string, path: string, data: Record<string, unknown> = {}): Worker {
  const background: BackgroundData = { path };
  return startModuleWorker(import.meta.url, name, { workerData: { ...data, ...background } });
}

/**
 * In a worker that `startBackgroundWorker` started: lowers this thread's priority and opens its own
 * connection. Returns the worker's data, the connection and the port to the store.
 */
export function backgroundConnection<T extends object = object>(): { data: T & BackgroundData; db: Database.Database; port: MessagePort } {
  if (!parentPort) throw new Error('backgroundConnection() runs only in a worker thread');
  const data = workerData as T & BackgroundData;
  runBelowRequests();
  return { data, db: new Database(data.path), port: parentPort };
}
