import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
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
