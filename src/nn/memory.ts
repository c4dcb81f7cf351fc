/**
 * Buffer reuse for training loops. Inside `tidy(fn)`, op outputs and intermediate gradients come from
 * a pool keyed by length, and go back to it when fn returns — except the returned tensor's data and
 * buffers that became a leaf's gradient. Steady-state training then allocates (and page-faults) nothing.
 * Outside `tidy`, `alloc` is plain `new Float32Array`. Tensors created inside a tidy scope must not be
 * used after it ends (as with tfjs' tidy).
 */
import { Tensor } from './tensor.js';

/** Buffers shorter than this are not pooled (allocation is cheap there). */
const MIN_POOLED = 1024;
/**
 * Upper bound on memory parked in the pool. Batches of varying length make buffers of many lengths, each
 * kept for its next exact match: the bound keeps that from growing into gigabytes of rarely reused sizes.
 */
const MAX_POOLED_BYTES = 512 * 1024 ** 2;

interface Scope {
  owned: Float32Array[];
  kept: Set<Float32Array>;
}

let scope: Scope | null = null;
const free = new Map<number, Float32Array[]>();
let pooledBytes = 0;

/** A Float32Array of length n; zero-filled unless `zero` is false (then contents are arbitrary). */
export function alloc(n: number, zero = true): Float32Array {
  if (scope === null || n < MIN_POOLED) return new Float32Array(n);
  const buf = free.get(n)?.pop();
  let out: Float32Array;
  if (buf) {
    pooledBytes -= buf.byteLength;
    out = zero ? buf.fill(0) : buf;
  } else {
    out = new Float32Array(n);
  }
  scope.owned.push(out);
  return out;
}

/** Exempt a buffer from release at the end of the current scope (it escapes, e.g. as a leaf's grad). */
export function keep(buf: Float32Array): void {
  scope?.kept.add(buf);
}

/** Run fn, then recycle every pooled buffer it allocated except the returned tensor's and kept ones. */
export function tidy<T>(fn: () => T): T {
  if (scope !== null) return fn();
  const s: Scope = { owned: [], kept: new Set() };
  scope = s;
  let result: T;
  try {
    result = fn();
  } finally {
    scope = null;
  }
  if (result instanceof Tensor) s.kept.add(result.data);
  for (const buf of s.owned) {
    if (s.kept.has(buf) || pooledBytes + buf.byteLength > MAX_POOLED_BYTES) continue;
    const list = free.get(buf.length);
    if (list) list.push(buf);
    else free.set(buf.length, [buf]);
    pooledBytes += buf.byteLength;
  }
  return result;
}

/** Drop every pooled buffer (give the memory back to the garbage collector). */
export function releasePool(): void {
  free.clear();
  pooledBytes = 0;
}
