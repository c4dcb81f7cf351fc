import type { CalibrationRow } from './run.js';

/** One bin of the reliability diagram: predictions with about the same predicted sd, and the error they made. */
export interface ReliabilityBin {
  predictedSd: number;
  rmsError: number;
  predicted: number;
  truth: number;
  n: number;
}

const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

/** Reliability of the posterior's uncertainty: equal-count bins by predicted sd, each with the error actually made. */
export function reliability(rows: readonly CalibrationRow[], bins = 10): ReliabilityBin[] {
  const sorted = [...rows].sort((a, b) => a.sd - b.sd);
  const size = Math.ceil(sorted.length / bins);
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const bin = sorted.slice(b * size, (b + 1) * size);
    if (bin.length === 0) continue;
    out.push({
      predictedSd: mean(bin.map((r) => r.sd)),
      rmsError: Math.sqrt(mean(bin.map((r) => (r.predicted - r.truth) ** 2))),
      predicted: mean(bin.map((r) => r.predicted)),
      truth: mean(bin.map((r) => r.truth)),
      n: bin.length,
    });
  }
  return out;
}
