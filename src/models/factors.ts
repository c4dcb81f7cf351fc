import type { Rng } from '../core/index.js';
import type { ModelArtifact } from './artifact.js';

/** n rows of d factors, N(0, scale²). */
export function initFactors(rng: Rng, n: number, d: number, scale: number): Float32Array {
  const f = new Float32Array(n * d);
  for (let k = 0; k < f.length; k++) f[k] = rng.normal() * scale;
  return f;
}

/** out[j] = user · items[j] (+ bias[j]) for every item. */
export function scoreFactors(
  user: Float32Array | Float64Array,
  items: Float32Array,
  d: number,
  out: Float32Array,
  bias?: Float32Array,
): Float32Array {
  const n = out.length;
  for (let j = 0; j < n; j++) {
    const o = j * d;
    let s = bias ? bias[j] : 0;
    for (let f = 0; f < d; f++) s += user[f] * items[o + f];
    out[j] = s;
  }
  return out;
}

/** Weighted mean of the history items' factor rows: a user vector for someone never trained on. */
export function foldInMean(items: Float32Array, d: number, history: Int32Array, weights: Float64Array): Float64Array {
  const v = new Float64Array(d);
  let total = 0;
  for (let h = 0; h < history.length; h++) {
    const o = history[h] * d;
    const w = weights[h];
    total += Math.abs(w);
    for (let f = 0; f < d; f++) v[f] += w * items[o + f];
  }
  if (total > 0) for (let f = 0; f < d; f++) v[f] /= total;
  return v;
}

/** Copies of the named arrays (a snapshot of the best epoch). */
export function snapshot<T extends Record<string, Float32Array>>(arrays: T): T {
  return Object.fromEntries(Object.entries(arrays).map(([k, a]) => [k, a.slice()])) as T;
}

/** Zeroes training user `row` of a factor model's `userFactors` (`meta.users` rows): its erasure (ModelSpec.clearUserRow). */
export function clearFactorRow(artifact: ModelArtifact, row: number): boolean {
  const factors = artifact.arrays.userFactors;
  const rows = artifact.meta.users;
  if (!factors || typeof rows !== 'number' || rows <= 0 || factors.length % rows !== 0 || row < 0 || row >= rows) return false;
  const dim = factors.length / rows;
  factors.fill(0, row * dim, (row + 1) * dim);
  return true;
}
