/**
 * Cold start from pictures: a linear map from the visual embedding space into a recommendation model's
 * item space, fitted by ridge regression on the items that have both (a picture, and a row in the model),
 *   W = (XᵀX + λI)⁻¹ XᵀY,   X: n×dv visual embeddings,  Y: n×dm model item embeddings.
 * A new item with a picture and no events then gets x·W: a vector the model's user vectors score as if
 * the item had been trained on, so it can reach shoppers whose taste runs to its look on day one.
 */
import { choleskySolve } from '../models/index.js';

export interface ProjectionOptions {
  /** Visual embeddings of the training items, row-major n×visualDim. */
  visual: Float32Array;
  /** Their model item embeddings, row-major n×modelDim, in the same order. */
  model: Float32Array;
  count: number;
  visualDim: number;
  modelDim: number;
  /** Ridge strength λ, relative to the mean squared norm of the visual rows (scale-free); default 1. */
  ridge?: number;
}

/** A fitted projection; `project` maps visual rows into the model's item space. */
export interface VisualProjection {
  readonly visualDim: number;
  readonly modelDim: number;
  /** Items it was fitted on. */
  readonly count: number;
  /** Row-major visualDim×modelDim. */
  readonly weights: Float32Array;
  project(visual: Float32Array): Float32Array;
}

/** Below this many items with both a picture and a model row the map is not worth fitting (null). */
export const MIN_PROJECTION_ITEMS = 20;
/** λ relative to the mean squared norm of the rows: a shop has a few hundred pictured items for a 128-d look (docs/benchmarks.md, "Item pictures"). */
export const DEFAULT_RIDGE = 1;

/** Fits the ridge map; null with too few items or a degenerate system. */
export function fitVisualProjection(o: ProjectionOptions): VisualProjection | null {
  const { visual, model, count: n, visualDim: dv, modelDim: dm } = o;
  if (n < MIN_PROJECTION_ITEMS) return null;
  const gram = new Float64Array(dv * dv);
  const xty = new Float64Array(dv * dm);
  let norms = 0;
  for (let r = 0; r < n; r++) {
    const xo = r * dv;
    const yo = r * dm;
    for (let i = 0; i < dv; i++) {
      const xi = visual[xo + i];
      if (xi === 0) continue;
      norms += xi * xi;
      for (let j = 0; j < dv; j++) gram[i * dv + j] += xi * visual[xo + j];
      for (let j = 0; j < dm; j++) xty[i * dm + j] += xi * model[yo + j];
    }
  }
  const lambda = (o.ridge ?? DEFAULT_RIDGE) * (norms / n);
  for (let i = 0; i < dv; i++) gram[i * dv + i] += lambda;
  const weights = new Float32Array(dv * dm);
  const column = new Float64Array(dv);
  for (let j = 0; j < dm; j++) {
    for (let i = 0; i < dv; i++) column[i] = xty[i * dm + j];
    // choleskySolve factorises in place: each column gets a fresh copy of the Gram matrix.
    const solved = choleskySolve(Float64Array.from(gram), column, dv);
    if (!solved) return null;
    for (let i = 0; i < dv; i++) weights[i * dm + j] = solved[i];
  }
  return {
    visualDim: dv,
    modelDim: dm,
    count: n,
    weights,
    project(x: Float32Array): Float32Array {
      const out = new Float32Array(dm);
      for (let i = 0; i < dv; i++) {
        const xi = x[i];
        if (xi === 0) continue;
        for (let j = 0; j < dm; j++) out[j] += xi * weights[i * dm + j];
      }
      return out;
    },
  };
}
