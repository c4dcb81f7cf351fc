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

/** A fitted logistic regression: P(reward = 1 | features). */
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

/** The logistic function. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
