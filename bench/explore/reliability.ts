import { PairMisfit, probitSlope } from '../../src/explore/pair-misfit.js';
import type { CalibrationRow } from './run.js';

/** One bin of the reliability diagram: predictions with about the same predicted sd, and the error they made. */
export interface ReliabilityBin {
  /** The posterior's own sd of P(click): what more outcomes on the item would teach. */
  predictedSd: number;
  /** With the shopper × item effect measured from repeated showings added: the whole predicted error. */
  totalSd: number;
  rmsError: number;
  predicted: number;
  truth: number;
  n: number;
}

/** The pair effect measured two ways: from outcomes only (what a shop can do), and from the simulator's truth. */
export interface PairMisfitReport {
  /** Repeated showings of a shopper × item pair in different rounds. */
  pairs: number;
  /** r on the probit scale from the outcomes: √(Σ(y₁y₂ − q̂₁q̂₂) / Σ g₁g₂). */
  fromOutcomes: number;
  /** The same with the true probabilities in place of the outcomes: √(Σ(q₁ − q̂₁)(q₂ − q̂₂) / Σ g₁g₂). */
  fromTruth: number;
}

const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

/** Consecutive showings of the same shopper and item in different rounds, per run (rows of one run only). */
function repeats(rows: readonly CalibrationRow[]): Array<[CalibrationRow, CalibrationRow]> {
  const sorted = [...rows].sort((a, b) => a.user - b.user || (a.item < b.item ? -1 : a.item > b.item ? 1 : 0) || a.round - b.round);
  const out: Array<[CalibrationRow, CalibrationRow]> = [];
  for (let k = 1; k < sorted.length; k++) {
    const a = sorted[k - 1];
    const b = sorted[k];
    if (a.user === b.user && a.item === b.item && a.round !== b.round) out.push([a, b]);
  }
  return out;
}

/** The shopper × item effect from one run's repeated showings, at the slots they were shown in. */
export function pairMisfit(runs: ReadonlyArray<readonly CalibrationRow[]>): { misfit: PairMisfit; report: PairMisfitReport } {
  const misfit = new PairMisfit();
  let truthProducts = 0;
  let slopes = 0;
  for (const rows of runs) {
    for (const [a, b] of repeats(rows)) {
      misfit.add({ predicted: a.predictedAtSlot, outcome: a.outcome }, { predicted: b.predictedAtSlot, outcome: b.outcome });
      truthProducts += (a.truthAtSlot - a.predictedAtSlot) * (b.truthAtSlot - b.predictedAtSlot);
      slopes += probitSlope(a.predictedAtSlot) * probitSlope(b.predictedAtSlot);
    }
  }
  return {
    misfit,
    report: {
      pairs: misfit.pairs,
      fromOutcomes: Math.sqrt(misfit.variance(1)),
      fromTruth: Math.sqrt(Math.max(0, truthProducts / Math.max(slopes, 1e-300))),
    },
  };
}

/**
 * Reliability of the posterior's uncertainty: equal-count bins by predicted sd, each with the error actually made.
 * With a measured pair effect, each prediction's total sd is √(sd² + (g·r)²) at its own predicted probability.
 */
export function reliability(rows: readonly CalibrationRow[], bins = 10, misfit?: PairMisfit): ReliabilityBin[] {
  const sorted = [...rows].sort((a, b) => a.sd - b.sd);
  const size = Math.ceil(sorted.length / bins);
  const r2 = misfit?.variance(1) ?? 0;
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const bin = sorted.slice(b * size, (b + 1) * size);
    if (bin.length === 0) continue;
    out.push({
      predictedSd: mean(bin.map((r) => r.sd)),
      totalSd: Math.sqrt(mean(bin.map((r) => r.sd ** 2 + probitSlope(r.predicted) ** 2 * r2))),
      rmsError: Math.sqrt(mean(bin.map((r) => (r.predicted - r.truth) ** 2))),
      predicted: mean(bin.map((r) => r.predicted)),
      truth: mean(bin.map((r) => r.truth)),
      n: bin.length,
    });
  }
  return out;
}
