import { normalInterval, Z95, type ClusterIds } from './intervals.js';
import type { OpeRound } from './types.js';

/** How far the evaluation policy strays from the logging one: large weights mean noisy IPS-type estimates. */
export interface WeightDiagnostics {
  /**
   * Mean importance weight π_e / π_b. Its expectation under the logger is the share of the evaluation policy's
   * mass on actions the logger could show: 1 with full support, less when π_e puts mass where π_b puts none.
   */
  meanWeight: number;
  maxWeight: number;
  /** (Σw)² / Σw², in impressions. */
  effectiveSampleSize: number;
  /** effectiveSampleSize / impressions. */
  effectiveSampleShare: number;
  /** The largest single weight's share of Σw. */
  largestWeightShare: number;
  /** Share of logged impressions the evaluation policy could also have shown (π_e > 0). */
  support: number;
}

/** Weight diagnostics of the rounds (all zero when there are none). */
export function weightDiagnostics(rounds: OpeRound[]): WeightDiagnostics {
  const w = rounds.map((r) => r.evalProbability / r.behaviorPropensity);
  const n = Math.max(1, w.length);
  const sum = w.reduce((a, b) => a + b, 0);
  const sumSq = w.reduce((a, b) => a + b * b, 0);
  const maxWeight = w.reduce((a, b) => Math.max(a, b), 0);
  const effectiveSampleSize = sumSq > 0 ? (sum * sum) / sumSq : 0;
  return {
    meanWeight: sum / n,
    maxWeight,
    effectiveSampleSize,
    effectiveSampleShare: effectiveSampleSize / n,
    largestWeightShare: sum > 0 ? maxWeight / sum : 0,
    support: w.filter((x) => x > 0).length / n,
  };
}

/**
 * When a warning is raised (documented in docs/experiments.md, "Off-policy pre-evaluation"). Shares are of the
 * logged impressions; `massOffSupport` is 1 − mean weight, raised only when it is also beyond its 95% noise.
 */
export const OVERLAP_THRESHOLDS = {
  minEffectiveSampleShare: 0.1,
  maxLargestWeightShare: 0.05,
  maxMassOffSupport: 0.1,
  /** Mean weight above 1 + this (and beyond its noise): the logged propensities look too small. */
  maxExcessWeight: 0.1,
  minRewardsInSupport: 30,
  minClusters: 30,
} as const;

export interface OverlapInputs {
  rounds: OpeRound[];
  diagnostics: WeightDiagnostics;
  clusters: ClusterIds;
  /** What a cluster is, for the message ("users", "slates"). */
  clusterUnit: string;
}

const percent = (x: number): string => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;

/** Plain-language warnings where the logs cannot support the estimate well, each with its reason. */
export function overlapWarnings({ rounds, diagnostics: d, clusters, clusterUnit }: OverlapInputs): string[] {
  const t = OVERLAP_THRESHOLDS;
  const n = rounds.length;
  if (n === 0) return ['no logged impressions to evaluate on'];
  const warnings: string[] = [];
  if (d.effectiveSampleShare < t.minEffectiveSampleShare) {
    warnings.push(
      `ESS is ${percent(d.effectiveSampleShare)} of impressions (${d.effectiveSampleSize.toFixed(0)} of ${n}): the policy differs so much from the logger that a few impressions carry the estimate`,
    );
  }
  if (d.largestWeightShare > t.maxLargestWeightShare) {
    warnings.push(
      `one impression carries ${percent(d.largestWeightShare)} of the weight (weight ${d.maxWeight.toFixed(1)}): the policy favours an action the logger almost never showed`,
    );
  }
  const weights = {
    a: new Float64Array(n),
    b: Float64Array.from(rounds, (r) => r.evalProbability / r.behaviorPropensity),
    w: null,
    model: null,
  };
  const noise = Z95 * normalInterval(weights, clusters).stdError;
  const off = 1 - d.meanWeight;
  if (off > t.maxMassOffSupport && off > noise) {
    warnings.push(
      `policy puts about ${percent(off)} of its mass on actions the logger never showed (mean weight ${d.meanWeight.toFixed(2)}, 1 with full support): no estimator sees what those actions earn, DM guesses it`,
    );
  }
  if (-off > t.maxExcessWeight && -off > noise) {
    warnings.push(
      `mean weight ${d.meanWeight.toFixed(2)} is above 1 beyond its noise: the logged propensities look too small, or the policy was given other candidates than the logger`,
    );
  }
  const rewarded = rounds.filter((r) => r.reward > 0 && r.evalProbability > 0).length;
  if (rewarded < t.minRewardsInSupport) {
    warnings.push(
      `only ${rewarded} rewarded impressions the policy could have shown: normal intervals are unreliable this close to zero events; use the bootstrap interval or more logs`,
    );
  }
  const groups = clusters ? new Set(clusters).size : n;
  if (groups < t.minClusters) {
    warnings.push(`only ${groups} ${clusterUnit}: the variance is estimated from too few independent units`);
  }
  return warnings;
}
