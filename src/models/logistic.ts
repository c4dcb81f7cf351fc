/**
 * Logistic regression, binary and multinomial, with an L2 penalty on the weights (never the bias). Three
 * fitting procedures, one per shape of problem:
 * - `fitLogistic`: binary, sparse named features, per-row weights; full-batch Adam (OPE reward models).
 * - `fitLogisticNewton`: binary, a few dense features, standardised; Newton/IRLS, exact steps, no
 *   learning rate (purchase intent).
 * - `fitMulticlass`: softmax or one-vs-rest over many sparse columns; SGD (auto-tagging).
 */
import { CurioError, shuffle, type Rng } from '../core/index.js';
import { choleskySolve } from './linalg.js';

/** The logistic function. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Turns logits into softmax probabilities in place (shifted by the max, so large logits do not overflow). */
export function softmaxInPlace(s: Float64Array): Float64Array {
  let max = -Infinity;
  for (const v of s) max = Math.max(max, v);
  let z = 0;
  for (let c = 0; c < s.length; c++) z += s[c] = Math.exp(s[c] - max);
  for (let c = 0; c < s.length; c++) s[c] /= z;
  return s;
}

// ---- Binary, sparse named features: full-batch Adam ----

/** A sparse feature row: (name, value) pairs; names absent at fit time are ignored at prediction. */
export type FeatureRow = Array<[name: string, value: number]>;

export interface LogisticOptions {
  /** L2 penalty on the weights (not the bias), objective Σ log-loss + l2/2·‖w‖² (sklearn's C = 1/l2). */
  l2: number;
  /** Full-batch Adam steps. */
  iterations: number;
  learningRate: number;
  /** Optional per-row weights (bootstrap counts, class weights). */
  sampleWeights?: number[];
}

/** sklearn's default strength (C = 1). */
export const DEFAULT_LOGISTIC: LogisticOptions = { l2: 1, iterations: 200, learningRate: 0.05 };

/** A fitted logistic regression over named features: P(y = 1 | features). */
export interface LogisticModel {
  predict(row: FeatureRow): number;
  /** Σ wᵢxᵢ without the bias: lets callers add up cached parts of a row (the model is linear in z). */
  partial(row: FeatureRow): number;
  weights: ReadonlyMap<string, number>;
  bias: number;
}

/** Rows in compressed sparse row form over a feature-name index. */
interface Csr {
  index: Map<string, number>;
  start: Int32Array;
  col: Int32Array;
  val: Float64Array;
}

function toCsr(rows: FeatureRow[]): Csr {
  const index = new Map<string, number>();
  const nnz = rows.reduce((s, r) => s + r.length, 0);
  const start = new Int32Array(rows.length + 1);
  const col = new Int32Array(nnz);
  const val = new Float64Array(nnz);
  let at = 0;
  rows.forEach((row, r) => {
    start[r] = at;
    for (const [name, value] of row) {
      let i = index.get(name);
      if (i === undefined) index.set(name, (i = index.size));
      col[at] = i;
      val[at++] = value;
    }
  });
  start[rows.length] = at;
  return { index, start, col, val };
}

/** Gradient of Σ sw·log-loss into `grad` (bias last). */
function lossGradient(x: Csr, labels: number[], sw: number[], w: Float64Array, grad: Float64Array): void {
  const d = w.length - 1;
  grad.fill(0);
  for (let r = 0; r < labels.length; r++) {
    if (sw[r] === 0) continue;
    let z = w[d];
    for (let j = x.start[r]; j < x.start[r + 1]; j++) z += w[x.col[j]] * x.val[j];
    const g = (sigmoid(z) - labels[r]) * sw[r];
    for (let j = x.start[r]; j < x.start[r + 1]; j++) grad[x.col[j]] += g * x.val[j];
    grad[d] += g;
  }
}

/** Fits by full-batch Adam on the mean objective; the bias starts at the base-rate log-odds. */
export function fitLogistic(rows: FeatureRow[], labels: number[], options: LogisticOptions = DEFAULT_LOGISTIC): LogisticModel {
  const x = toCsr(rows);
  const d = x.index.size;
  const sw = options.sampleWeights ?? labels.map(() => 1);
  const total = sw.reduce((a, b) => a + b, 0) || 1;
  const rate = Math.min(1 - 1e-6, Math.max(1e-6, labels.reduce((s, y, i) => s + y * sw[i], 0) / total));
  const w = new Float64Array(d + 1);
  w[d] = Math.log(rate / (1 - rate));
  const m = new Float64Array(d + 1);
  const v = new Float64Array(d + 1);
  const grad = new Float64Array(d + 1);
  for (let t = 1; t <= options.iterations; t++) {
    lossGradient(x, labels, sw, w, grad);
    const c1 = 1 - 0.9 ** t;
    const c2 = 1 - 0.999 ** t;
    for (let i = 0; i <= d; i++) {
      const g = (grad[i] + (i < d ? options.l2 * w[i] : 0)) / total;
      m[i] = 0.9 * m[i] + 0.1 * g;
      v[i] = 0.999 * v[i] + 0.001 * g * g;
      w[i] -= (options.learningRate * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + 1e-8);
    }
  }
  const weights = new Map([...x.index].map(([name, i]) => [name, w[i]]));
  return {
    weights,
    bias: w[d],
    predict(row) {
      return sigmoid(w[d] + this.partial(row));
    },
    partial(row) {
      let z = 0;
      for (const [name, value] of row) z += (weights.get(name) ?? 0) * value;
      return z;
    },
  };
}

// ---- Binary, dense standardised features: Newton (IRLS) ----

/** A logistic regression on standardised features: p = σ(bias + Σ w_j (x_j − mean_j) / std_j). JSON-serialisable. */
export interface StandardisedLogistic {
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
}

/** Probability for one raw (unstandardised) feature vector. */
export function predictStandardised(m: StandardisedLogistic, x: ArrayLike<number>): number {
  let z = m.bias;
  for (let j = 0; j < m.weights.length; j++) z += m.weights[j] * ((x[j] - m.mean[j]) / m.std[j]);
  return sigmoid(z);
}

function standardiser(rows: readonly Float64Array[], d: number): { mean: number[]; std: number[] } {
  const mean = new Array<number>(d).fill(0);
  const sq = new Array<number>(d).fill(0);
  for (const r of rows) for (let j = 0; j < d; j++) [mean[j], sq[j]] = [mean[j] + r[j], sq[j] + r[j] * r[j]];
  for (let j = 0; j < d; j++) mean[j] /= rows.length;
  const std = sq.map((s, j) => Math.sqrt(Math.max(0, s / rows.length - mean[j] ** 2)) || 1);
  return { mean, std };
}

/**
 * Newton's method (IRLS) on standardised features: meant for small problems (tens of features), where each
 * step is an exact d×d solve and the fit needs no learning rate.
 */
export function fitLogisticNewton(
  rows: readonly Float64Array[],
  labels: ArrayLike<number>,
  options: { l2?: number; iterations?: number } = {},
): StandardisedLogistic {
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
      const p = sigmoid(s);
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
    if (!delta) throw new CurioError('MODEL_FIT', 'logistic regression: Hessian not positive definite');
    let change = 0;
    for (let j = 0; j < n; j++) [beta[j], change] = [beta[j] - delta[j], Math.max(change, Math.abs(delta[j]))];
    if (change < 1e-6) break;
  }
  if (!beta.every(Number.isFinite)) throw new CurioError('MODEL_FIT', 'logistic regression diverged (NaN weights)');
  return { mean, std, weights: Array.from(beta.subarray(0, d)), bias: beta[d] };
}

// ---- Multiclass (softmax) or multi-label (one-vs-rest), sparse columns: SGD ----

/** A sparse example over a model's columns. */
export interface SparseRow {
  cols: Int32Array;
  values: Float32Array;
}

/** Weights stored feature-major (D × C) so one feature's class weights are contiguous. */
export interface MulticlassModel {
  kind: 'softmax' | 'one-vs-rest';
  classes: number;
  features: number;
  weights: Float32Array;
  bias: Float32Array;
}

export interface SgdOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  rng: Rng;
}

/** Raw class scores (logits) of one example. */
export function logits(m: MulticlassModel, x: SparseRow): Float64Array {
  const s = Float64Array.from(m.bias);
  const C = m.classes;
  for (let n = 0; n < x.cols.length; n++) {
    const off = x.cols[n] * C;
    const v = x.values[n];
    for (let c = 0; c < C; c++) s[c] += v * m.weights[off + c];
  }
  return s;
}

/** Softmax probabilities of one example. */
export function softmaxProbabilities(m: MulticlassModel, x: SparseRow): Float64Array {
  return softmaxInPlace(logits(m, x));
}

/** Independent sigmoid probabilities of one example (one-vs-rest). */
export function sigmoidProbabilities(m: MulticlassModel, x: SparseRow): Float64Array {
  return logits(m, x).map(sigmoid);
}

/** Applies one SGD step: gradient `g` (per class) of the loss w.r.t. the logits, with L2 on the touched rows. */
function sgdStep(m: MulticlassModel, x: SparseRow, g: Float64Array, lr: number, l2: number): void {
  const C = m.classes;
  const shrink = 1 - lr * l2;
  for (let n = 0; n < x.cols.length; n++) {
    const off = x.cols[n] * C;
    const v = lr * x.values[n];
    for (let c = 0; c < C; c++) m.weights[off + c] = m.weights[off + c] * shrink - v * g[c];
  }
  for (let c = 0; c < C; c++) m.bias[c] -= lr * g[c];
}

/** Fits by SGD on cross-entropy, step size decaying as 1/√(1 + epoch); `targets(i)` gives example i's positive classes. */
export function fitMulticlass(
  kind: MulticlassModel['kind'],
  data: {
    x: readonly SparseRow[];
    targets: (i: number) => readonly number[];
    classes: number;
    features: number;
    initialBias?: Float32Array;
  },
  options: SgdOptions,
): MulticlassModel {
  const bias = data.initialBias ? Float32Array.from(data.initialBias) : new Float32Array(data.classes);
  const m: MulticlassModel = {
    kind,
    classes: data.classes,
    features: data.features,
    weights: new Float32Array(data.features * data.classes),
    bias,
  };
  const order = [...data.x.keys()];
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffle(order, options.rng);
    const lr = options.learningRate / Math.sqrt(1 + epoch);
    for (const i of order) {
      const p = kind === 'softmax' ? softmaxProbabilities(m, data.x[i]) : sigmoidProbabilities(m, data.x[i]);
      const pos = data.targets(i);
      // Softmax with several positives spreads the target mass evenly; one-vs-rest targets are 0/1 each.
      const t = kind === 'softmax' ? 1 / Math.max(1, pos.length) : 1;
      for (const c of pos) p[c] -= t;
      sgdStep(m, data.x[i], p, lr, options.l2);
    }
  }
  return m;
}
