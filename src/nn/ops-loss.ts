/** Losses: log-softmax, cross-entropy (kernel-backed), BCE with logits, sampled softmax with log-Q correction. */
import { alloc } from './memory.js';
import { CurioError } from '../core/index.js';
import { accumulate, record } from './autograd.js';
import { kernels } from './backend.js';
import { gatherRows } from './ops-embedding.js';
import { add, mul, scale } from './ops-elementwise.js';
import { matmul } from './ops-matmul.js';
import { concat } from './ops-shape.js';
import { sum } from './ops-reduce.js';
import { Tensor } from './tensor.js';

export type Reduction = 'mean' | 'sum' | 'none';

/** x - logsumexp(x) over the last dim. */
export function logSoftmax(x: Tensor): Tensor {
  const cols = x.lastDim;
  const rows = x.size / cols;
  const out = new Tensor(alloc(x.size, false), x.shape);
  const xs = x.data;
  const y = out.data;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let mx = -Infinity;
    for (let j = 0; j < cols; j++) if (xs[o + j] > mx) mx = xs[o + j];
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(xs[o + j] - mx);
    const lse = mx + Math.log(s);
    for (let j = 0; j < cols; j++) y[o + j] = xs[o + j] - lse;
  }
  return record(out, [x], (g) => {
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let gs = 0;
      for (let j = 0; j < cols; j++) gs += g[o + j];
      for (let j = 0; j < cols; j++) g[o + j] -= Math.exp(y[o + j]) * gs;
    }
    accumulate(x, g, true);
  });
}

export interface CrossEntropyOptions {
  /** Rows whose target equals this are skipped (as torch's ignore_index). */
  ignoreIndex?: number;
  /** 'mean' (default) averages over the rows not ignored. */
  reduction?: 'mean' | 'sum';
}

/** Softmax cross-entropy of [rows, classes] logits against integer targets (fused; never forms log-probs). */
export function crossEntropy(logits: Tensor, targets: Int32Array, opts: CrossEntropyOptions = {}): Tensor {
  const cols = logits.lastDim;
  const rows = logits.size / cols;
  if (targets.length !== rows) throw new CurioError('BAD_INPUT', `crossEntropy: ${rows} rows but ${targets.length} targets`);
  const t = new Int32Array(rows);
  let counted = 0;
  for (let r = 0; r < rows; r++) {
    const ignored = opts.ignoreIndex !== undefined && targets[r] === opts.ignoreIndex;
    if (!ignored && !(targets[r] >= 0 && targets[r] < cols)) {
      throw new CurioError('BAD_INPUT', `target ${targets[r]} out of range [0, ${cols})`);
    }
    t[r] = ignored ? -1 : targets[r];
    if (!ignored) counted++;
  }
  const lse = alloc(rows, false);
  const losses = alloc(rows, false);
  kernels().crossEntropyForward(logits.data, t, lse, losses, cols);
  let total = 0;
  for (let r = 0; r < rows; r++) total += losses[r];
  const f = opts.reduction === 'sum' ? 1 : 1 / Math.max(counted, 1);
  const out = new Tensor(new Float32Array([total * f]), []);
  return record(out, [logits], (g) => {
    const gRow = new Float32Array(rows).fill(g[0] * f);
    const dx = alloc(logits.size, false);
    kernels().crossEntropyBackward(logits.data, t, lse, gRow, dx, cols);
    accumulate(logits, dx, true);
  });
}

export interface BceOptions {
  /** Per-element weights (e.g. a validity mask), same size as the logits. */
  weights?: Float32Array;
  reduction?: Reduction;
}

/** Binary cross-entropy on logits, stable form max(x,0) - x t + log(1 + e^-|x|). */
export function bceWithLogits(logits: Tensor, targets: Float32Array | number, opts: BceOptions = {}): Tensor {
  const n = logits.size;
  const x = logits.data;
  const w = opts.weights;
  const tgt = (i: number) => (typeof targets === 'number' ? targets : targets[i]);
  if ((w && w.length !== n) || (typeof targets !== 'number' && targets.length !== n)) {
    throw new CurioError('BAD_INPUT', `bceWithLogits: ${n} logits, targets/weights of another size`);
  }
  const per = alloc(n, false);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const l = (Math.max(x[i], 0) - x[i] * tgt(i) + Math.log1p(Math.exp(-Math.abs(x[i])))) * (w ? w[i] : 1);
    per[i] = l;
    total += l;
  }
  const reduction = opts.reduction ?? 'mean';
  const f = reduction === 'mean' ? 1 / n : 1;
  const out = reduction === 'none' ? new Tensor(per, logits.shape) : new Tensor(new Float32Array([total * f]), []);
  return record(out, [logits], (g) => {
    const dx = alloc(n, false);
    for (let i = 0; i < n; i++) {
      const gi = reduction === 'none' ? g[i] : g[0] * f;
      dx[i] = gi * (1 / (1 + Math.exp(-x[i])) - tgt(i)) * (w ? w[i] : 1);
    }
    accumulate(logits, dx, true);
  });
}

export interface SampledSoftmaxOptions {
  /** Query vectors [rows, dim]. */
  queries: Tensor;
  /** The item table [items, dim] scored against. */
  table: Tensor;
  /** The positive item per row. */
  positives: Int32Array;
  /** Negative items shared by all rows. */
  negatives: Int32Array;
  /** log Q(item) (sampling log-probability) per item id, subtracted from logits to correct the bias. */
  logQ?: Float32Array;
  /** Logits are divided by this (default 1). */
  temperature?: number;
  /** Row padding id: such rows are left out of the mean. */
  ignoreIndex?: number;
}

/**
 * Sampled softmax (Jean et al. 2015; Yi et al. 2019 log-Q correction): logits over
 * [positive, shared negatives], minus log Q, negatives equal to the positive masked out.
 */
export function sampledSoftmaxLoss(o: SampledSoftmaxOptions): Tensor {
  const rows = o.positives.length;
  const s = o.negatives.length;
  const inv = 1 / (o.temperature ?? 1);
  const pos = gatherRows(o.table, o.positives, { shape: [rows] });
  const posLogit = sum(mul(o.queries, pos), { axis: -1, keepDims: true });
  const negEmb = gatherRows(o.table, o.negatives, { shape: [s] });
  const negLogit = matmul(o.queries, negEmb, { transB: true });
  const logits = concat([posLogit, negLogit], 1);
  const shift = new Float32Array(rows * (s + 1));
  const lq = o.logQ;
  for (let r = 0; r < rows; r++) {
    const base = r * (s + 1);
    if (lq) shift[base] = -lq[o.positives[r]];
    for (let j = 0; j < s; j++) {
      const hit = o.negatives[j] === o.positives[r];
      shift[base + 1 + j] = hit ? -1e9 : lq ? -lq[o.negatives[j]] : 0;
    }
  }
  const corrected = add(scale(logits, inv), new Tensor(shift, [rows, s + 1]));
  const targets = new Int32Array(rows);
  if (o.ignoreIndex !== undefined) for (let r = 0; r < rows; r++) if (o.positives[r] === o.ignoreIndex) targets[r] = -1;
  return crossEntropy(corrected, targets, o.ignoreIndex !== undefined ? { ignoreIndex: -1 } : {});
}
