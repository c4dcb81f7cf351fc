import { round } from '../math/distribution.js';

/** Area under the ROC curve (Mann–Whitney, ties count half); 0.5 when one class is absent. */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j < idx.length && scores[idx[j]] === scores[idx[i]]) j++;
    const avgRank = (i + j + 1) / 2; // 1-based ranks i+1..j
    for (let k = i; k < j; k++) if (labels[idx[k]]) [pos, rankSum] = [pos + 1, rankSum + avgRank];
    i = j;
  }
  const neg = scores.length - pos;
  return pos === 0 || neg === 0 ? 0.5 : (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Mean squared error of probabilities against 0/1 outcomes. */
export function brier(p: ArrayLike<number>, labels: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i] - labels[i]) ** 2;
  return p.length ? s / p.length : 0;
}

export interface ReliabilityBin {
  from: number;
  to: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

/** Reliability curve over equal-width probability bins (empty bins left out), and the expected calibration error. */
export function reliability(p: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): { bins: ReliabilityBin[]; ece: number } {
  const sums = Array.from({ length: bins }, () => ({ n: 0, p: 0, y: 0 }));
  for (let i = 0; i < p.length; i++) {
    const b = sums[Math.min(bins - 1, Math.floor(p[i] * bins))];
    [b.n, b.p, b.y] = [b.n + 1, b.p + p[i], b.y + labels[i]];
  }
  let ece = 0;
  const out: ReliabilityBin[] = [];
  sums.forEach((b, k) => {
    if (b.n === 0) return;
    ece += (b.n / p.length) * Math.abs(b.p / b.n - b.y / b.n);
    out.push({ from: k / bins, to: (k + 1) / bins, count: b.n, meanPredicted: round(b.p / b.n), observedRate: round(b.y / b.n) });
  });
  return { bins: out, ece: round(ece) };
}

export interface BinaryReport {
  examples: number;
  positives: number;
  baseRate: number;
  auc: number;
  brier: number;
  /** Brier of always predicting the training base rate: the skill reference. */
  brierBaseRate: number;
  ece: number;
  reliability: ReliabilityBin[];
}

/** AUC, Brier score and reliability curve of probabilities `p`; `prior` is the training base rate. */
export function binaryReport(p: ArrayLike<number>, labels: ArrayLike<number>, prior: number): BinaryReport {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i];
  const rel = reliability(p, labels);
  return {
    examples: labels.length,
    positives,
    baseRate: round(labels.length ? positives / labels.length : 0),
    auc: round(auc(p, labels)),
    brier: round(brier(p, labels)),
    brierBaseRate: round(
      brier(
        Array.from(labels, () => prior),
        labels,
      ),
    ),
    ece: rel.ece,
    reliability: rel.bins,
  };
}
