import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts the worker module `name` (a sibling of the module at `baseUrl`, named without extension).
 *
 * Built (dist/), the sibling is `name.js` and runs as it is. From source (bin/curio.js and the benches
 * under tsx, the tests under vitest) only `name.ts` exists, and a worker inherits neither a loader the main
 * thread registered in code nor vitest's transform. `--import tsx` is no remedy: tsx's ESM loader does not
 * register itself in worker threads on every Node version this package supports (on Node 20 the worker
 * then fails on the .ts extension). Its CommonJS hook (`tsx/cjs`) works in any thread and reuses tsx's
 * cache of compiled files, so the worker is started with two lines that register it and require the
 * module (which then runs as CommonJS). Either way `execArgv: []` keeps the parent's node flags (a loader,
 * `--input-type`) from applying to the worker.
 */
export function startModuleWorker(baseUrl: string, name: string, options: WorkerOptions = {}): Worker {
  const built = new URL(`./${name}.js`, baseUrl);
  if (existsSync(built)) return new Worker(built, { ...options, execArgv: [] });
  const tsx = createRequire(baseUrl).resolve('tsx/cjs');
  const source = fileURLToPath(new URL(`./${name}.ts`, baseUrl));
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(source)});`, { ...options, execArgv: [], eval: true });
}

/** The nice value of a process's background threads (the store's writer, version checks, index builds). */
export const BACKGROUND_NICE = 10;

/**
 * Called first thing in a background worker thread: lowers the calling thread's priority below request
 * handling. On Linux a nice value is per thread (setpriority on 0 changes the calling thread only), so the
 * request thread keeps its own: when the cores are busy it wins over this thread instead of sharing a core
 * evenly with it. Elsewhere it lowers the whole process, so it only acts where it is per thread. False when
 * the change was not made (another system, or not permitted).
 */
export function runBelowRequests(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    setPriority(0, BACKGROUND_NICE);
    return true;
  } catch {
    return false;
  }
}

/** A reply from a request thread: the request's id, then its result or the error it raised. */
export type ThreadReply<R> = { id: number } & (R | { error: { message: string; code?: string } });

/**
 * A long-lived worker thread that answers requests one message each (`{ id, ...request }` in,
 * `ThreadReply` out). Started at the first call and kept (a thread takes long to start); it holds the
 * process open only while a request is in flight. When the thread dies every pending call is rejected
 * and the next call starts a new one.
 */
export class RequestThread<Request extends object, Result extends object> {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Result) => void; reject: (e: Error) => void }>();

  /**
   * @param failure turns a reply's error, or the thread's own death (code undefined, `died` true), into
   *   the error the caller sees.
   */
  constructor(
    private readonly baseUrl: string,
    private readonly name: string,
    private readonly failure: (error: { message: string; code?: string }, died: boolean) => Error,
  ) {}

  /** Starts the thread now, so the first call does not wait for it. */
  warm(): void {
    this.thread();
  }

  /** Sends `request` with `transfer` handed over (not copied) and resolves with the thread's result. */
  call(request: Request, transfer: readonly ArrayBuffer[] = []): Promise<Result> {
    const w = this.thread();
    const id = this.nextId++;
    return new Promise<Result>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.ref();
      w.postMessage({ ...request, id }, transfer as ArrayBuffer[]);
    });
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const started = startModuleWorker(this.baseUrl, this.name);
    started.unref();
    started.on('message', (reply: ThreadReply<Result>) => {
      const entry = this.pending.get(reply.id);
      if (!entry) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) started.unref();
      if ('error' in reply) entry.reject(this.failure(reply.error, false));
      else entry.resolve(reply as Result);
    });
    // 'error' is followed by 'exit': only the first one speaks for this thread, and never for a successor's calls.
    const fail = (error: Error) => {
      if (this.worker !== started) return;
      this.worker = null;
      for (const entry of this.pending.values()) entry.reject(this.failure({ message: error.message }, true));
      this.pending.clear();
    };
    started.on('error', fail);
    started.on('exit', () => fail(new Error('its thread stopped')));
    this.worker = started;
    return started;
  }
}
