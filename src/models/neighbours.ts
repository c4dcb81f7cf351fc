/** Per-item top-n neighbour lists in CSR form (shared by item-kNN, transitions and session-kNN). */
export interface NeighbourLists {
  indptr: Int32Array;
  indices: Int32Array;
  weights: Float32Array;
}

/**
 * Builds neighbour lists row by row: `accumulate(i, acc, touched)` adds weights for row i into the dense
 * accumulator and pushes each newly touched column onto `touched`; the top `keep` are kept (ties: lower
 * index first), excluding i itself.
 */
export function buildNeighbours(
  nItems: number,
  keep: number,
  accumulate: (i: number, acc: Float64Array, touched: number[]) => void,
  normalise: (i: number, j: number, raw: number) => number = (_i, _j, raw) => raw,
): NeighbourLists {
  const acc = new Float64Array(nItems);
  const touched: number[] = [];
  const indptr = new Int32Array(nItems + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < nItems; i++) {
    touched.length = 0;
    accumulate(i, acc, touched);
    const row: { j: number; w: number }[] = [];
    for (const j of touched) {
      if (j !== i && acc[j] !== 0) row.push({ j, w: normalise(i, j, acc[j]) });
      acc[j] = 0;
    }
    row.sort((x, y) => y.w - x.w || x.j - y.j);
    for (const { j, w } of row.slice(0, keep)) {
      cols.push(j);
      vals.push(w);
    }
    indptr[i + 1] = cols.length;
  }
  return { indptr, indices: Int32Array.from(cols), weights: Float32Array.from(vals) };
}

/** out[j] += w · weight(i, j) over i's neighbours. */
export function addNeighbours(lists: NeighbourLists, i: number, w: number, out: Float32Array): void {
  for (let p = lists.indptr[i]; p < lists.indptr[i + 1]; p++) out[lists.indices[p]] += w * lists.weights[p];
}

/** The arrays of neighbour lists under a name prefix, for artifacts. */
export function neighbourArrays(prefix: string, lists: NeighbourLists): Record<string, Int32Array | Float32Array> {
  return { [`${prefix}Indptr`]: lists.indptr, [`${prefix}Indices`]: lists.indices, [`${prefix}Weights`]: lists.weights };
}
