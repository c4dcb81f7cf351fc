import type { Rng } from '../core/index.js';

/**
 * `count` distinct items drawn uniformly from [0, nItems) that are not in `exclude`. Throws when too
 * few items are left to draw from (the caller asked for an impossible sample).
 */
export function sampleNegatives(rng: Rng, nItems: number, exclude: ReadonlySet<number>, count: number): Int32Array {
  const available = nItems - countInRange(exclude, nItems);
  if (count > available) throw new RangeError(`cannot draw ${count} negatives from ${available} items`);
  const out = new Int32Array(count);
  const taken = new Set<number>();
  for (let k = 0; k < count;) {
    const j = rng.int(nItems);
    if (exclude.has(j) || taken.has(j)) continue;
    taken.add(j);
    out[k++] = j;
  }
  return out;
}

function countInRange(set: ReadonlySet<number>, n: number): number {
  let c = 0;
  for (const v of set) if (v >= 0 && v < n) c++;
  return c;
}

/**
 * One uniform negative for a user whose positives are the sorted `positives` (a CSR row): rejection
 * sampling with binary search, fast when a user holds a small share of the catalogue.
 */
export function sampleNegativeFor(rng: Rng, nItems: number, positives: Int32Array, maxTries = 100): number {
  for (let t = 0; t < maxTries; t++) {
    const j = rng.int(nItems);
    if (!sortedHas(positives, j)) return j;
  }
  return rng.int(nItems); // a user who holds almost everything: accept a positive rather than loop
}

/** Binary search in an ascending Int32Array. */
export function sortedHas(sorted: Int32Array, value: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid];
    if (v === value) return true;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
