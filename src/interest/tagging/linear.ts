import { shuffle, type Rng } from '../../core/index.js';
import type { SparseVector } from './features.js';

/** A sparse example over dense model columns. */
export interface CompactVector {
  cols: Int32Array;
  values: Float32Array;
}

/** Maps hashed buckets seen often enough in training to dense columns; unseen buckets are dropped. */
export class FeatureDictionary {
  private readonly columns = new Map<number, number>();

  /** Keeps buckets seen in at least `minCount` training vectors, at most `maxFeatures` (most frequent first). */
  constructor(vectors: readonly SparseVector[], options: { minCount: number; maxFeatures: number }) {
    const counts = new Map<number, number>();
    for (const v of vectors) for (const k of v.keys) counts.set(k, (counts.get(k) ?? 0) + 1);
    const kept = [...counts].filter(([, c]) => c >= options.minCount).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    kept.slice(0, options.maxFeatures).forEach(([k], i) => this.columns.set(k, i));
  }

  get size(): number {
    return this.columns.size;
  }

  compact(v: SparseVector): CompactVector {
    const cols: number[] = [];
    const values: number[] = [];
    v.keys.forEach((k, i) => {
      const c = this.columns.get(k);
      if (c === undefined) return;
      cols.push(c);
      values.push(v.values[i]);
    });
    return { cols: Int32Array.from(cols), values: Float32Array.from(values) };
  }
}

/** Weights stored feature-major (D × C) so one feature's class weights are contiguous. */
export interface LinearModel {
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
export function logits(m: LinearModel, x: CompactVector): Float64Array {
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
export function softmaxProbabilities(m: LinearModel, x: CompactVector): Float64Array {
  const s = logits(m, x);
  let max = -Infinity;
  for (const v of s) max = Math.max(max, v);
  let z = 0;
  for (let c = 0; c < s.length; c++) z += s[c] = Math.exp(s[c] - max);
  for (let c = 0; c < s.length; c++) s[c] /= z;
  return s;
}

/** Independent sigmoid probabilities of one example (one-vs-rest). */
export function sigmoidProbabilities(m: LinearModel, x: CompactVector): Float64Array {
  return logits(m, x).map((v) => 1 / (1 + Math.exp(-v)));
}

/** Applies one SGD step: gradient `g` (per class) of the loss w.r.t. the logits, with L2 on the touched rows. */
function step(m: LinearModel, x: CompactVector, g: Float64Array, lr: number, l2: number): void {
  const C = m.classes;
  const shrink = 1 - lr * l2;
  for (let n = 0; n < x.cols.length; n++) {
    const off = x.cols[n] * C;
    const v = lr * x.values[n];
    for (let c = 0; c < C; c++) m.weights[off + c] = m.weights[off + c] * shrink - v * g[c];
  }
  for (let c = 0; c < C; c++) m.bias[c] -= lr * g[c];
}

/** Trains a linear model by SGD on cross-entropy; `targets(i)` gives example i's positive classes. */
export function trainLinear(
  kind: LinearModel['kind'],
  data: { x: readonly CompactVector[]; targets: (i: number) => readonly number[]; classes: number; features: number; initialBias?: Float32Array },
  options: SgdOptions,
): LinearModel {
  const bias = data.initialBias ? Float32Array.from(data.initialBias) : new Float32Array(data.classes);
  const m: LinearModel = { kind, classes: data.classes, features: data.features, weights: new Float32Array(data.features * data.classes), bias };
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
      step(m, data.x[i], p, lr, options.l2);
    }
  }
  return m;
}
