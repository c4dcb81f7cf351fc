import type { FeatureRow } from '../../models/index.js';
import type { OpeRound } from './types.js';

/**
 * What the variance of a DM-type estimate needs to know about the logistic reward model q̂ = σ(β·x) it used:
 * a DM term q̂_e(xᵢ) varies little from round to round (not at all for a deterministic policy), yet the
 * estimate moves with β̂, which was fitted on the same logs. `rows[i]` is the logged impression of round i,
 * exactly the rows the model was fitted on, in the same order (labels: the rounds' rewards).
 */
export interface RewardModelTrace {
  rows: FeatureRow[];
  /** Σ over rounds of ∂q̂_e(xᵢ)/∂β = Σ_a π_e(a | xᵢ) q̂(1 − q̂) x_a, by feature name (bias under BIAS). */
  evalGradient: Map<string, number>;
  /** The fit's L2 penalty on the weights (not the bias). */
  l2: number;
}

/** The bias's key in `evalGradient`. */
export const BIAS = '\u0000bias';

/** How an estimate reads q̂: a = q̂_e (`eval`), b = cᵢ·(r − q̂ᵢ) with cᵢ = `logged[i]` (null: b does not use q̂). */
export interface RewardModelUse {
  eval: boolean;
  logged: Float64Array | null;
}

/** Adds `scale` × the gradient of q̂ = σ(β·x) at `row` (prediction `q`) into `into`. */
export function addGradient(into: Map<string, number>, row: FeatureRow, q: number, scale: number): void {
  const g = scale * q * (1 - q);
  for (const [name, value] of row) into.set(name, (into.get(name) ?? 0) + g * value);
  into.set(BIAS, (into.get(BIAS) ?? 0) + g);
}

interface Indexed {
  start: Int32Array;
  col: Int32Array;
  val: Float64Array;
  index: Map<string, number>;
}

function indexRows(rows: FeatureRow[]): Indexed {
  const index = new Map<string, number>([[BIAS, 0]]);
  const nnz = rows.reduce((s, r) => s + r.length + 1, 0);
  const [start, col, val] = [new Int32Array(rows.length + 1), new Int32Array(nnz), new Float64Array(nnz)];
  let at = 0;
  rows.forEach((row, r) => {
    start[r] = at;
    col[at] = 0;
    val[at++] = 1;
    for (const [name, value] of row) {
      col[at] = index.get(name) ?? index.set(name, index.size).get(name)!;
      val[at++] = value;
    }
  });
  start[rows.length] = at;
  return { start, col, val, index };
}

const dot = (x: Float64Array, y: Float64Array): number => x.reduce((s, v, i) => s + v * y[i], 0);

/** Solves H v = g, H = Σᵢ q̂ᵢ(1 − q̂ᵢ) xᵢxᵢᵀ + l2·I (not on the bias), by Jacobi-preconditioned conjugate gradients. */
function solveHessian(x: Indexed, curvature: Float64Array, l2: number, g: Float64Array): Float64Array {
  const d = g.length;
  const hv = (v: Float64Array): Float64Array => {
    const out = Float64Array.from(v, (vi, j) => (j === 0 ? 0 : l2 * vi));
    for (let r = 0; r + 1 < x.start.length; r++) {
      let z = 0;
      for (let k = x.start[r]; k < x.start[r + 1]; k++) z += x.val[k] * v[x.col[k]];
      z *= curvature[r];
      for (let k = x.start[r]; k < x.start[r + 1]; k++) out[x.col[k]] += z * x.val[k];
    }
    return out;
  };
  const diag = Float64Array.from({ length: d }, (_, j) => (j === 0 ? 0 : l2));
  for (let r = 0; r + 1 < x.start.length; r++) {
    for (let k = x.start[r]; k < x.start[r + 1]; k++) diag[x.col[k]] += curvature[r] * x.val[k] * x.val[k];
  }
  const v = new Float64Array(d);
  const res = Float64Array.from(g);
  const z = res.map((ri, j) => (diag[j] > 0 ? ri / diag[j] : ri));
  const p = Float64Array.from(z);
  let rz = dot(res, z);
  const tolerance = 1e-20 * Math.max(1e-300, dot(g, g));
  for (let it = 0; it < 200 && dot(res, res) > tolerance; it++) {
    const hp = hv(p);
    const alpha = rz / dot(p, hp);
    for (let j = 0; j < d; j++) {
      v[j] += alpha * p[j];
      res[j] -= alpha * hp[j];
      z[j] = diag[j] > 0 ? res[j] / diag[j] : res[j];
    }
    const next = dot(res, z);
    for (let j = 0; j < d; j++) p[j] = z[j] + (next / rz) * p[j];
    rz = next;
  }
  return v;
}

/**
 * Each round's share of the estimate's movement through the fitted reward model, on the scale of the
 * influence ψᵢ of `normalInterval`: β̂ − β ≈ H⁻¹ Σᵢ (rᵢ − q̂ᵢ) xᵢ (one Newton step from the truth), so an
 * estimate θ̂(β̂) moves by Gᵀ H⁻¹ Σᵢ (rᵢ − q̂ᵢ) xᵢ with G = ∂θ̂/∂β = (1/n)[Σᵢ ∂q̂_e(xᵢ) − Σᵢ cᵢ ∂q̂(xᵢ) / w̄].
 * Round i's term is n·(xᵢ·v)(rᵢ − q̂ᵢ), v = H⁻¹G. For DR, G is near 0 (its correction undoes q̂'s error to
 * first order); for DM and switch-DR at a small τ it is what their term variance misses.
 */
export function modelInfluence(trace: RewardModelTrace, rounds: OpeRound[], use: RewardModelUse, meanWeight: number): Float64Array {
  const n = rounds.length;
  const x = indexRows(trace.rows);
  const g = new Float64Array(x.index.size);
  if (use.eval) for (const [name, value] of trace.evalGradient) if (x.index.has(name)) g[x.index.get(name)!] += value / n;
  const curvature = Float64Array.from(rounds, (r) => r.predictedLogged * (1 - r.predictedLogged));
  if (use.logged) {
    for (let r = 0; r < n; r++) {
      const c = (use.logged[r] * curvature[r]) / (n * meanWeight);
      for (let k = x.start[r]; k < x.start[r + 1]; k++) g[x.col[k]] -= c * x.val[k];
    }
  }
  const v = solveHessian(x, curvature, trace.l2, g);
  return Float64Array.from(rounds, (round, r) => {
    let xv = 0;
    for (let k = x.start[r]; k < x.start[r + 1]; k++) xv += x.val[k] * v[x.col[k]];
    return n * xv * (round.reward - round.predictedLogged);
  });
}
