import type { SequenceDataset } from '../data/index.js';

/** A training user's newest distinct items, newest first, with the summed behaviour weight of each. */
export interface UserHistoryRow {
  items: number[];
  weights: number[];
}

/**
 * The newest `max` distinct items of training user `u`, each weighted by the summed behaviour weights of its
 * events (a repeat counts). An item whose sum is not positive (viewed, then disliked) is left out; NaN sums
 * are kept (`!(w <= 0)`), so that a poisoned weight table fails the fit instead of vanishing. `at` is scratch
 * of the catalogue's size, all -1 on entry and on return.
 */
export function newestDistinctItems(train: SequenceDataset, u: number, max: number, table: Float64Array, at: Int32Array): UserHistoryRow {
  const items: number[] = [];
  const weights: number[] = [];
  for (let e = train.offsets[u + 1] - 1; e >= train.offsets[u]; e--) {
    const i = train.itemIdx[e];
    const w = table[train.types[e]];
    if (at[i] >= 0 && items[at[i]] === i) {
      weights[at[i]] += w;
    } else if (items.length < max) {
      at[i] = items.length;
      items.push(i);
      weights.push(w);
    }
  }
  for (const i of items) at[i] = -1;
  const kept = items.map((i, k) => [i, weights[k]] as const).filter(([, w]) => !(w <= 0));
  return { items: kept.map(([i]) => i), weights: kept.map(([, w]) => w) };
}

/**
 * Whether CSR row pointers are well formed (start at 0, never decrease, end at the values' length) and every
 * value is an index below `n` or -1 (a row an erasure emptied): what a model that reads them unchecked needs.
 */
export function rowsWithin(indptr: Int32Array, values: Int32Array, n: number): boolean {
  const ordered = indptr.length > 0 && indptr[0] === 0 && indptr[indptr.length - 1] === values.length;
  return ordered && indptr.every((x, k) => k === 0 || x >= indptr[k - 1]) && values.every((x) => x >= -1 && x < n);
}
