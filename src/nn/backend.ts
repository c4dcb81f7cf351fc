/**
 * Backend selection. The first use picks `native` when the addon loads (else `js`, said once on stderr);
 * `CURIO_NN_BACKEND=js|native` and `useBackend()` override. Thread count follows the machine
 * (`os.availableParallelism()`) unless `CURIO_THREADS` or `setThreads()` says otherwise.
 */
import { availableParallelism } from 'node:os';
import { CurioError } from '../core/index.js';
import type { BackendName, GemmArgs, Kernels } from './kernels.js';
import { jsKernels } from './kernels-js.js';
import { loadNativeKernels } from './kernels-native.js';

let active: Kernels | null = null;
let nativeCache: Kernels | string | null = null;
let threads = 0;

function native(): Kernels | string {
  if (nativeCache === null) nativeCache = loadNativeKernels();
  return nativeCache;
}

/** True when the C addon is built and loads; otherwise the reason is in `nativeUnavailableReason()`. */
export function nativeAvailable(): boolean {
  return typeof native() !== 'string';
}

/** Why the native backend is unavailable, or null when it is available. */
export function nativeUnavailableReason(): string | null {
  const n = native();
  return typeof n === 'string' ? n : null;
}

function envThreads(): number {
  const raw = process.env.CURIO_THREADS;
  const parsed = raw === undefined ? NaN : Number.parseInt(raw, 10);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : availableParallelism();
}

function initialBackend(): Kernels {
  const wanted = process.env.CURIO_NN_BACKEND;
  if (wanted === 'js') return jsKernels;
  const n = native();
  if (typeof n !== 'string') return n;
  if (wanted === 'native') throw new CurioError('UNAVAILABLE', `CURIO_NN_BACKEND=native but ${n}`);
  process.stderr.write(`curio: neural engine running on the js backend (${n}).\n`);
  return jsKernels;
}

/** The kernels in use (chosen on first call). */
export function kernels(): Kernels {
  if (active === null) {
    active = initialBackend();
    setThreads(threads || envThreads());
  }
  return active;
}

/** Switch backend; throws UNAVAILABLE when asking for `native` and the addon is missing. */
export function useBackend(name: BackendName): void {
  if (name === 'js') active = jsKernels;
  else {
    const n = native();
    if (typeof n === 'string') throw new CurioError('UNAVAILABLE', `native neural backend unavailable: ${n}`);
    active = n;
  }
  active.setThreads(threads || envThreads());
}

/** The name of the backend in use. */
export function backendName(): BackendName {
  return kernels().name;
}

/** Set the number of threads the native matrix products use. */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new CurioError('BAD_INPUT', `threads must be a positive integer, got ${n}`);
  threads = n;
  active?.setThreads(n);
}

/** The thread count in effect. */
export function getThreads(): number {
  return threads || envThreads();
}

/** Run `fn` with another backend active, restoring the previous one after (for tests and comparisons). */
export function withBackend<T>(name: BackendName, fn: () => T): T {
  const before = kernels();
  useBackend(name);
  try {
    return fn();
  } finally {
    active = before;
  }
}

/** gemm with the degenerate sizes handled here, so kernels never see m, n or k = 0. */
export function gemm(args: GemmArgs): void {
  if (args.m === 0 || args.n === 0 || args.batch === 0) return;
  if (args.k === 0) {
    for (let t = 0; t < args.batch; t++) {
      for (let i = 0; i < args.m; i++) {
        const o = t * args.strideC + i * args.ldc;
        for (let j = 0; j < args.n; j++) args.c[o + j] = args.beta === 0 ? 0 : args.beta * args.c[o + j];
      }
    }
    return;
  }
  kernels().gemm(args);
}
