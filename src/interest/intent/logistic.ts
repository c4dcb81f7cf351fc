import { CurioError } from '../../core/index.js';

/** A standardised logistic regression: p = σ(bias + Σ w_j (x_j − mean_j) / std_j). */
export interface LogisticModel {
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
}

/** Probability for one raw (unstandardised) feature vector. */
export function predictLogistic(m: LogisticModel, x: ArrayLike<number>): number {
  let z = m.bias;
  for (let j = 0; j < m.weights.length; j++) z += m.weights[j] * ((x[j] - m.mean[j]) / m.std[j]);
  return 1 / (1 + Math.exp(-z));
}

function standardiser(rows: readonly Float64Array[], d: number): { mean: number[]; std: number[] } {
  const mean = new Array<number>(d).fill(0);
  const sq = new Array<number>(d).fill(0);
  for (const r of rows) for (let j = 0; j < d; j++) [mean[j], sq[j]] = [mean[j] + r[j], sq[j] + r[j] * r[j]];
  for (let j = 0; j < d; j++) mean[j] /= rows.length;
  const std = sq.map((s, j) => Math.sqrt(Math.max(0, s / rows.length - mean[j] ** 2)) || 1);
  return { mean, std };
}

/** Solves the SPD system A x = b (n×n row-major) by Cholesky; A is overwritten. */
function choleskySolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let j = 0; j < n; j++) {
    let s = a[j * n + j];
    for (let k = 0; k < j; k++) s -= a[j * n + k] ** 2;
    if (s <= 0) throw new CurioError('MODEL_FIT', 'logistic regression: Hessian not positive definite');
    a[j * n + j] = Math.sqrt(s);
    for (let i = j + 1; i < n; i++) {
      let t = a[i * n + j];
      for (let k = 0; k < j; k++) t -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = t / a[j * n + j];
    }
  }
  const y = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) y[i] -= a[i * n + k] * y[k];
    y[i] /= a[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) y[i] -= a[k * n + i] * y[k];
    y[i] /= a[i * n + i];
  }
  return y;
}

/**
 * L2-regularised logistic regression by Newton's method (IRLS) on standardised features: the problem is
 * small (tens of features), so each step is exact and the fit needs no learning rate.
 */
export function fitLogistic(rows: readonly Float64Array[], labels: ArrayLike<number>, options: { l2?: number; iterations?: number } = {}): LogisticModel {
  if (rows.length === 0) throw new CurioError('MODEL_FIT', 'logistic regression needs at least one example');
  const d = rows[0].length;
  const n = d + 1; // last coordinate: bias (not regularised)
  const { mean, std } = standardiser(rows, d);
  const beta = new Float64Array(n);
  const z = new Float64Array(n);
  const l2 = options.l2 ?? 1;
  for (let it = 0; it < (options.iterations ?? 25); it++) {
    const h = new Float64Array(n * n);
    const g = new Float64Array(n);
    rows.forEach((r, i) => {
      for (let j = 0; j < d; j++) z[j] = (r[j] - mean[j]) / std[j];
      z[d] = 1;
      let s = 0;
      for (let j = 0; j < n; j++) s += beta[j] * z[j];
      const p = 1 / (1 + Math.exp(-s));
      const w = Math.max(p * (1 - p), 1e-9);
      for (let j = 0; j < n; j++) {
        g[j] += (p - labels[i]) * z[j];
        for (let k = 0; k <= j; k++) h[j * n + k] += w * z[j] * z[k];
      }
    });
    for (let j = 0; j < d; j++) [g[j], h[j * n + j]] = [g[j] + l2 * beta[j], h[j * n + j] + l2];
    h[d * n + d] += 1e-9;
    for (let j = 0; j < n; j++) for (let k = j + 1; k < n; k++) h[j * n + k] = h[k * n + j];
    const delta = choleskySolve(h, g, n);
    let change = 0;
    for (let j = 0; j < n; j++) [beta[j], change] = [beta[j] - delta[j], Math.max(change, Math.abs(delta[j]))];
    if (change < 1e-6) break;
  }
  if (!beta.every(Number.isFinite)) throw new CurioError('MODEL_FIT', 'logistic regression diverged (NaN weights)');
  return { mean, std, weights: Array.from(beta.subarray(0, d)), bias: beta[d] };
}
