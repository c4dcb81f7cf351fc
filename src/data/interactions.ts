import { DEFAULT_EVENT_WEIGHTS, EVENT_TYPES, type EventWeights } from '../core/index.js';
import { userCount, type SequenceDataset } from './dataset.js';

/** A sparse users × items matrix in CSR form; each row's columns are ascending and distinct. */
export interface CsrMatrix {
  nRows: number;
  nCols: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/** Event weights as a table indexed by the type token stored in a dataset. */
export function weightTable(weights: EventWeights = DEFAULT_EVENT_WEIGHTS): Float64Array {
  return Float64Array.from(EVENT_TYPES, (t) => weights[t]);
}

/**
 * The user-item matrix: a cell holds the summed weight of the user's events on the item. Cells whose
 * sum is not positive (only views then a dislike, say) are dropped; a NaN weight stays NaN so that a
 * model trained on it fails loudly instead of quietly. Values are scaled so that their mean is 1: data with
 * one behaviour gives a binary matrix, and model hyper-parameters keep their meaning across weight tables.
 */
export function userItemMatrix(ds: SequenceDataset, weights?: EventWeights): CsrMatrix {
  const table = weightTable(weights);
  const nUsers = userCount(ds);
  const indptr = new Int32Array(nUsers + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  const acc = new Map<number, number>();
  for (let u = 0; u < nUsers; u++) {
    acc.clear();
    for (let e = ds.offsets[u]; e < ds.offsets[u + 1]; e++) {
      const i = ds.itemIdx[e];
      acc.set(i, (acc.get(i) ?? 0) + table[ds.types[e]]);
    }
    const row = [...acc.entries()].filter(([, w]) => !(w <= 0)).sort((a, b) => a[0] - b[0]);
    for (const [i, w] of row) {
      cols.push(i);
      vals.push(w);
    }
    indptr[u + 1] = cols.length;
  }
  const mean = vals.reduce((a, b) => a + b, 0) / Math.max(1, vals.length);
  const values = Float32Array.from(vals, (v) => v / mean);
  return { nRows: nUsers, nCols: ds.items.length, indptr, indices: Int32Array.from(cols), values };
}

/** The transpose (items × users). */
export function transpose(m: CsrMatrix): CsrMatrix {
  const indptr = new Int32Array(m.nCols + 1);
  for (const j of m.indices) indptr[j + 1]++;
  for (let j = 0; j < m.nCols; j++) indptr[j + 1] += indptr[j];
  const fill = indptr.slice(0, m.nCols);
  const indices = new Int32Array(m.indices.length);
  const values = new Float32Array(m.indices.length);
  for (let r = 0; r < m.nRows; r++) {
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) {
      const at = fill[m.indices[p]]++;
      indices[at] = r;
      values[at] = m.values[p];
    }
  }
  return { nRows: m.nCols, nCols: m.nRows, indptr, indices, values };
}

/** Per-item event counts (popularity), optionally weighted. */
export function itemCounts(ds: SequenceDataset, weights?: EventWeights): Float64Array {
  const counts = new Float64Array(ds.items.length);
  const table = weights ? weightTable(weights) : null;
  for (let e = 0; e < ds.itemIdx.length; e++) counts[ds.itemIdx[e]] += table ? table[ds.types[e]] : 1;
  return counts;
}
