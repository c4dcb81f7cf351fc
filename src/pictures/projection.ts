/**
 * Cold start from pictures: a linear map from the visual embedding space into a recommendation model's
 * item space, fitted by ridge regression on the items that have both (a picture, and a row in the model),
 *   W = (XᵀX + λI)⁻¹ XᵀY,   X: n×dv visual embeddings,  Y: n×dm model item embeddings.
 * A new item with a picture and no events then gets x·W: a vector the model's user vectors score as if
 * the item had been trained on, so it can reach shoppers whose taste runs to its look on day one.
 */
import { choleskyFactorInPlace, choleskySolveFactored } from '../models/index.js';

export interface ProjectionOptions {
  /** Visual embeddings of the training items, row-major n×visualDim. */
  visual: Float32Array;
  /** Their model item embeddings, row-major n×modelDim, in the same order. */
  model: Float32Array;
  count: number;
  visualDim: number;
  modelDim: number;
  /**
   * Ridge strength λ, relative to the mean squared norm of the visual rows (scale-free). Default: chosen
   * from RIDGE_GRID by cross-validation on the items themselves (see chooseRidge).
   */
  ridge?: number;
}

/** A fitted projection; `project` maps visual rows into the model's item space. */
export interface VisualProjection {
  readonly visualDim: number;
  readonly modelDim: number;
  /** Items it was fitted on. */
  readonly count: number;
  /** The relative ridge strength it was fitted with (given, or chosen by cross-validation). */
  readonly ridge: number;
  /** Row-major visualDim×modelDim. */
  readonly weights: Float32Array;
  project(visual: Float32Array): Float32Array;
}

/** Below this many items with both a picture and a model row the map is not worth fitting (null). */
export const MIN_PROJECTION_ITEMS = 20;
/**
 * Relative ridge strengths cross-validation chooses from: how much to trust the looks depends on how many
 * pictured items a shop has and how well its encoder separates them, which no single value fits.
 */
export const RIDGE_GRID = [0.03, 0.1, 0.3, 1, 3, 10] as const;
/** Folds of the cross-validation (item r is in fold r mod FOLDS). */
const FOLDS = 5;

/** Sufficient statistics of a ridge fit: XᵀX, XᵀY and Σ‖x‖² over some rows. */
interface Moments {
  gram: Float64Array;
  xty: Float64Array;
  norms: number;
  rows: number;
}

function moments(o: ProjectionOptions, keep: (r: number) => boolean): Moments {
  const { visual, model, count: n, visualDim: dv, modelDim: dm } = o;
  const m: Moments = { gram: new Float64Array(dv * dv), xty: new Float64Array(dv * dm), norms: 0, rows: 0 };
  for (let r = 0; r < n; r++) {
    if (!keep(r)) continue;
    m.rows++;
    const xo = r * dv;
    const yo = r * dm;
    for (let i = 0; i < dv; i++) {
      const xi = visual[xo + i];
      if (xi === 0) continue;
      m.norms += xi * xi;
      for (let j = 0; j < dv; j++) m.gram[i * dv + j] += xi * visual[xo + j];
      for (let j = 0; j < dm; j++) m.xty[i * dm + j] += xi * model[yo + j];
    }
  }
  return m;
}

/** W = (XᵀX + λ·mean‖x‖²·I)⁻¹ XᵀY from the moments (one Cholesky factorisation); null when degenerate. */
function solve(m: Moments, ridge: number, dv: number, dm: number): Float32Array | null {
  const a = Float64Array.from(m.gram);
  const lambda = ridge * (m.norms / Math.max(1, m.rows));
  for (let i = 0; i < dv; i++) a[i * dv + i] += lambda;
  if (!choleskyFactorInPlace(a, dv)) return null;
  const weights = new Float32Array(dv * dm);
  const column = new Float64Array(dv);
  for (let j = 0; j < dm; j++) {
    for (let i = 0; i < dv; i++) column[i] = m.xty[i * dm + j];
    const solved = choleskySolveFactored(a, column, dv);
    for (let i = 0; i < dv; i++) weights[i * dm + j] = solved[i];
  }
  return weights;
}

function projectRow(weights: Float32Array, x: Float32Array, dv: number, dm: number, out = new Float32Array(dm)): Float32Array {
  out.fill(0);
  for (let i = 0; i < dv; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    for (let j = 0; j < dm; j++) out[j] += xi * weights[i * dm + j];
  }
  return out;
}

/**
 * The RIDGE_GRID value with the least squared error on held-out items, over FOLDS folds (each fold's map
 * fitted on the other folds: the whole moments minus the fold's).
 */
export function chooseRidge(o: ProjectionOptions): number {
  const { visual, model, count: n, visualDim: dv, modelDim: dm } = o;
  const all = moments(o, () => true);
  const errors = new Float64Array(RIDGE_GRID.length);
  const out = new Float32Array(dm);
  for (let f = 0; f < FOLDS; f++) {
    const held = moments(o, (r) => r % FOLDS === f);
    if (held.rows === 0) continue;
    const rest: Moments = {
      gram: all.gram.map((v, i) => v - held.gram[i]),
      xty: all.xty.map((v, i) => v - held.xty[i]),
      norms: all.norms - held.norms,
      rows: all.rows - held.rows,
    };
    RIDGE_GRID.forEach((ridge, g) => {
      const weights = solve(rest, ridge, dv, dm);
      if (!weights) return void (errors[g] = Number.POSITIVE_INFINITY);
      for (let r = f; r < n; r += FOLDS) {
        projectRow(weights, visual.subarray(r * dv, (r + 1) * dv), dv, dm, out);
        for (let j = 0; j < dm; j++) errors[g] += (out[j] - model[r * dm + j]) ** 2;
      }
    });
  }
  let best = 0;
  for (let g = 1; g < RIDGE_GRID.length; g++) if (errors[g] < errors[best]) best = g;
  return RIDGE_GRID[best];
}

/** Fits the ridge map; null with too few items or a degenerate system. */
export function fitVisualProjection(o: ProjectionOptions): VisualProjection | null {
  const { count: n, visualDim: dv, modelDim: dm } = o;
  if (n < MIN_PROJECTION_ITEMS) return null;
  const ridge = o.ridge ?? chooseRidge(o);
  const weights = solve(
    moments(o, () => true),
    ridge,
    dv,
    dm,
  );
  if (!weights) return null;
  return {
    visualDim: dv,
    modelDim: dm,
    count: n,
    ridge,
    weights,
    project: (x: Float32Array) => projectRow(weights, x, dv, dm),
  };
}
