import { round } from '../math/distribution.js';

export interface PrfScores {
  precision: number;
  recall: number;
  f1: number;
}

const f1 = (p: number, r: number): number => (p + r > 0 ? (2 * p * r) / (p + r) : 0);

function prf(tp: number, fp: number, fn: number): PrfScores {
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  return { precision, recall, f1: f1(precision, recall) };
}

export interface MultiLabelScores {
  /** Pooled over every (item, label) decision. */
  micro: PrfScores;
  /** Mean over labels present in the truth. */
  macro: PrfScores;
  /** Single-label tasks: share of items whose one label is right. */
  accuracy: number;
  items: number;
}

/** Micro and macro precision/recall/F1 of predicted label sets against true ones (same order). */
export function labelScores(truth: ReadonlyArray<readonly string[]>, predicted: ReadonlyArray<readonly string[]>): MultiLabelScores {
  const per = new Map<string, { tp: number; fp: number; fn: number }>();
  const at = (l: string): { tp: number; fp: number; fn: number } => {
    let c = per.get(l);
    if (!c) per.set(l, (c = { tp: 0, fp: 0, fn: 0 }));
    return c;
  };
  let exact = 0;
  truth.forEach((t, i) => {
    const want = new Set(t);
    const got = new Set(predicted[i]);
    if (want.size === got.size && [...want].every((l) => got.has(l))) exact++;
    for (const l of got) {
      if (want.has(l)) at(l).tp++;
      else at(l).fp++;
    }
    for (const l of want) if (!got.has(l)) at(l).fn++;
  });
  let [tp, fp, fn] = [0, 0, 0];
  const macro = { precision: 0, recall: 0, f1: 0 };
  let present = 0;
  for (const c of per.values()) {
    [tp, fp, fn] = [tp + c.tp, fp + c.fp, fn + c.fn];
    if (c.tp + c.fn === 0) continue;
    const s = prf(c.tp, c.fp, c.fn);
    present++;
    macro.precision += s.precision;
    macro.recall += s.recall;
    macro.f1 += s.f1;
  }
  const r = (s: PrfScores): PrfScores => ({ precision: round(s.precision), recall: round(s.recall), f1: round(s.f1) });
  const n = Math.max(1, present);
  return {
    micro: r(prf(tp, fp, fn)),
    macro: r({ precision: macro.precision / n, recall: macro.recall / n, f1: macro.f1 / n }),
    accuracy: round(truth.length ? exact / truth.length : 0),
    items: truth.length,
  };
}

/** The frequency baseline: the `k` most frequent training labels, for every item. */
export function mostFrequentLabels(train: ReadonlyArray<readonly string[]>, k: number): string[] {
  const counts = new Map<string, number>();
  for (const l of train) for (const x of new Set(l)) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, k)
    .map(([x]) => x);
}
