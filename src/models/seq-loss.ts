/**
 * Next-item losses over a batch's hidden states: BCE with one sampled negative per position (SASRec),
 * full softmax cross-entropy (fused with the item product, in chunks of rows: src/nn/ops-linear-loss.ts),
 * and sampled softmax with shared popularity-sampled negatives and log-Q correction. Per-target behaviour
 * weights are applied by grouping rows of equal weight.
 */
import type { Rng } from '../core/index.js';
import {
  add,
  bceWithLogits,
  gatherDot,
  gatherRows,
  l2Normalize,
  linearCrossEntropy,
  reshape,
  sampledSoftmaxLoss,
  scale,
  type Tensor,
} from '../nn/index.js';
import type { SeqBatch } from './seq-data.js';

/** SASRec's loss: per position, log σ(s⁺) + log(1 − σ(s⁻)) with one uniform negative ≠ the target. */
export function bceLoss(h: Tensor, table: Tensor, b: SeqBatch, rng: Rng): Tensor {
  const nItems = table.shape[0] - 1;
  const neg = new Int32Array(b.targets.length);
  let total = 0;
  for (let k = 0; k < neg.length; k++) {
    if (b.items[k] === 0) continue;
    total += b.weights[k];
    let j = 1 + rng.int(nItems);
    while (j === b.targets[k] && nItems > 1) j = 1 + rng.int(nItems);
    neg[k] = j;
  }
  const pos = gatherDot(h, table, b.targets);
  const negScores = gatherDot(h, table, neg);
  const l = add(
    bceWithLogits(pos, 1, { weights: b.weights, reduction: 'sum' }),
    bceWithLogits(negScores, 0, { weights: b.weights, reduction: 'sum' }),
  );
  return scale(l, 1 / Math.max(total, 1e-9));
}

/** Rows of the batch with a positive weight, grouped by weight value. */
function weightGroups(b: SeqBatch): { weight: number; rows: Int32Array }[] {
  const groups = new Map<number, number[]>();
  for (let k = 0; k < b.items.length; k++) {
    const w = b.weights[k];
    if (b.items[k] === 0 || !(w > 0 || Number.isNaN(w))) continue;
    const g = groups.get(w) ?? [];
    g.push(k);
    groups.set(w, g);
  }
  return [...groups.entries()].sort((x, y) => x[0] - y[0]).map(([weight, rows]) => ({ weight, rows: Int32Array.from(rows) }));
}

export interface SoftmaxLossOptions {
  /** 0 = full softmax over every item; otherwise this many shared negatives per batch. */
  negatives: number;
  /** log Q per item row (popularity sampling), required when negatives > 0. */
  logQ?: Float32Array;
  /** Sampler of `negatives` item rows (1..nItems) drawn from Q. */
  sample?: (count: number) => Int32Array;
  /** When set, queries and items are L2-normalised and logits divided by this. */
  temperature?: number;
}

/** Weighted mean softmax cross-entropy of each valid position's next item. */
export function softmaxLoss(h: Tensor, table: Tensor, b: SeqBatch, o: SoftmaxLossOptions): Tensor {
  const dim = table.shape[1];
  const flat = reshape(h, [b.batch * b.len, dim]);
  const groups = weightGroups(b);
  const totalWeight = groups.reduce((s, g) => s + g.weight * g.rows.length, 0);
  const items = o.temperature ? l2Normalize(table) : table;
  const negatives = o.negatives > 0 && o.sample ? o.sample(o.negatives) : null;
  let loss: Tensor | null = null;
  for (const g of groups) {
    let q = gatherRows(flat, g.rows);
    if (o.temperature) q = l2Normalize(q);
    const targets = Int32Array.from(g.rows, (k) => b.targets[k]);
    const part = negatives
      ? sampledSoftmaxLoss({ queries: q, table: items, positives: targets, negatives, logQ: o.logQ, temperature: o.temperature })
      : linearCrossEntropy(q, items, targets, { temperature: o.temperature });
    const weighted = scale(part, (g.weight * g.rows.length) / Math.max(totalWeight, 1e-9));
    loss = loss ? add(loss, weighted) : weighted;
  }
  return loss ?? scale(reshape(gatherRows(flat, new Int32Array([0])), [dim]), 0);
}

/** A sampler over item rows 1..n proportional to count^power (+1 smoothing), with its log Q per row. */
export function popularitySampler(
  counts: Float64Array,
  power: number,
  rng: Rng,
): { logQ: Float32Array; sample: (n: number) => Int32Array } {
  const n = counts.length;
  const cdf = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) cdf[i] = acc += Math.pow(counts[i] + 1, power);
  const logQ = new Float32Array(n + 1);
  for (let i = 0; i < n; i++) logQ[i + 1] = Math.log(Math.pow(counts[i] + 1, power) / acc);
  const sample = (count: number): Int32Array => {
    const out = new Int32Array(count);
    for (let s = 0; s < count; s++) {
      const r = rng.next() * acc;
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid] > r) hi = mid;
        else lo = mid + 1;
      }
      out[s] = lo + 1;
    }
    return out;
  };
  return { logQ, sample };
}
