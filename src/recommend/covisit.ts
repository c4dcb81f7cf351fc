import type { SequenceDataset } from '../data/index.js';

/** Per-item top-n neighbours in CSR form: row i is `[indptr[i], indptr[i + 1])` of `indices` / `weights`. */
export interface NeighbourLists {
  indptr: Int32Array;
  indices: Int32Array;
  weights: Float32Array;
}

export interface CooccurrenceOptions {
  /** Which events take part, by behaviour token (index into EVENT_TYPES). */
  keepType: (typeToken: number) => boolean;
  /** Two kept events at most this many kept events apart in one user's sequence co-occur. */
  windowSize: number;
  /** A pair d events apart counts distanceDecay^(d-1). */
  distanceDecay: number;
  /** Neighbours kept per item. */
  neighbours: number;
  /**
   * A pair is kept only when at least this many distinct users made it (k-anonymity, `privacy.minGroupSize`):
   * "bought together" from one or two shoppers tells whoever sees the list what those shoppers bought.
   */
  minUsers?: number;
}

/** The kept events of every user, as one flat array of item indexes with per-user bounds. */
function keptSequences(ds: SequenceDataset, keepType: (t: number) => boolean): { items: Int32Array; starts: Int32Array; ends: Int32Array } {
  const items: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  for (let u = 0; u < ds.offsets.length - 1; u++) {
    const start = items.length;
    for (let e = ds.offsets[u]; e < ds.offsets[u + 1]; e++) {
      if (!keepType(ds.types[e])) continue;
      // A repeat of the item just before adds no pair information.
      if (items.length > start && items[items.length - 1] === ds.itemIdx[e]) continue;
      items.push(ds.itemIdx[e]);
    }
    for (let k = start; k < items.length; k++) {
      starts.push(start);
      ends.push(items.length);
    }
  }
  return { items: Int32Array.from(items), starts: Int32Array.from(starts), ends: Int32Array.from(ends) };
}

/**
 * Co-occurrence neighbours: j is a neighbour of i when they appear close together in users' sequences,
 * weighted by distance and normalised by √(count_i · count_j) so popular items do not dominate every
 * list. O(events × window) plus a sort of each row.
 */
export function buildCooccurrence(ds: SequenceDataset, options: CooccurrenceOptions): NeighbourLists {
  const n = ds.items.length;
  const seq = keptSequences(ds, options.keepType);
  const count = new Float64Array(n);
  for (const i of seq.items) count[i]++;
  // Positions of each item in the flat sequence array (CSR by item).
  const byItemPtr = new Int32Array(n + 1);
  for (const i of seq.items) byItemPtr[i + 1]++;
  for (let i = 0; i < n; i++) byItemPtr[i + 1] += byItemPtr[i];
  const fill = byItemPtr.slice(0, n);
  const positions = new Int32Array(seq.items.length);
  seq.items.forEach((i, p) => (positions[fill[i]++] = p));

  const acc = new Float64Array(n);
  // Distinct users behind each pair of the row being built: an item's positions come user by user (the
  // flat array is in user order), so a user is new to pair (i, j) when their sequence start differs.
  const pairUsers = new Int32Array(n);
  const lastStart = new Int32Array(n).fill(-1);
  const minUsers = options.minUsers ?? 1;
  const touched: number[] = [];
  const indptr = new Int32Array(n + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  const w = options.windowSize;
  for (let i = 0; i < n; i++) {
    touched.length = 0;
    for (let q = byItemPtr[i]; q < byItemPtr[i + 1]; q++) {
      const p = positions[q];
      for (let f = Math.max(seq.starts[p], p - w); f < Math.min(seq.ends[p], p + w + 1); f++) {
        const j = seq.items[f];
        if (j === i) continue;
        if (acc[j] === 0) touched.push(j);
        acc[j] += Math.pow(options.distanceDecay, Math.abs(f - p) - 1);
        if (lastStart[j] !== seq.starts[p]) {
          lastStart[j] = seq.starts[p];
          pairUsers[j]++;
        }
      }
    }
    const row = touched.filter((j) => pairUsers[j] >= minUsers).map((j) => ({ j, w: acc[j] / Math.sqrt(count[i] * count[j]) }));
    for (const j of touched) {
      acc[j] = 0;
      pairUsers[j] = 0;
      lastStart[j] = -1;
    }
    row.sort((a, b) => b.w - a.w || a.j - b.j);
    for (const { j, w: weight } of row.slice(0, options.neighbours)) {
      cols.push(j);
      vals.push(weight);
    }
    indptr[i + 1] = cols.length;
  }
  return { indptr, indices: Int32Array.from(cols), weights: Float32Array.from(vals) };
}

/** Lists with no neighbours for `n` items (no training data yet). */
export function emptyNeighbours(n: number): NeighbourLists {
  return { indptr: new Int32Array(n + 1), indices: new Int32Array(0), weights: new Float32Array(0) };
}

/** The weight of j in i's list, or 0 (rows are short: a linear scan). */
export function neighbourWeight(lists: NeighbourLists, i: number, j: number): number {
  if (i + 1 >= lists.indptr.length) return 0;
  for (let p = lists.indptr[i]; p < lists.indptr[i + 1]; p++) if (lists.indices[p] === j) return lists.weights[p];
  return 0;
}

/** The lists in another item numbering: new row j is old row `from[j]` (empty when -1), each neighbour i becomes `to[i]` (dropped when -1). */
export function renumberNeighbours(lists: NeighbourLists, from: Int32Array, to: Int32Array): NeighbourLists {
  const indptr = new Int32Array(from.length + 1);
  const indices: number[] = [];
  const weights: number[] = [];
  const rows = lists.indptr.length - 1;
  for (let j = 0; j < from.length; j++) {
    const old = from[j];
    if (old >= 0 && old < rows) {
      for (let k = lists.indptr[old]; k < lists.indptr[old + 1]; k++) {
        const n = to[lists.indices[k]];
        if (n < 0) continue;
        indices.push(n);
        weights.push(lists.weights[k]);
      }
    }
    indptr[j + 1] = indices.length;
  }
  return { indptr, indices: Int32Array.from(indices), weights: Float32Array.from(weights) };
}
