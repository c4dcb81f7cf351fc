import type { Estimator, OpeRound } from './types.js';

const weight = (r: OpeRound): number => r.evalProbability / r.behaviorPropensity;
const mean = (values: number[]): number => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN);

function variance(values: number[]): number {
  const m = mean(values);
  return values.reduce((s, v) => s + (v - m) ** 2, 0) / Math.max(1, values.length - 1);
}

/** Doubly robust terms with the importance weight transformed by `shape` (identity = plain DR). */
function drTerms(rounds: OpeRound[], shape: (w: number) => number): number[] {
  return rounds.map((r) => r.predictedUnderEval + shape(weight(r)) * (r.reward - r.predictedLogged));
}

/**
 * Picks the hyper-parameter whose estimate minimises an estimated MSE: (estimate − DR)² as squared bias
 * (DR is unbiased) plus the sample variance of its terms / n. A cheap stand-in for OBP's tuning by MSE.
 */
function tunedTerms(rounds: OpeRound[], grid: number[], shapeFor: (h: number) => (w: number) => number): number {
  const dr = mean(drTerms(rounds, (w) => w));
  let best = NaN;
  let bestMse = Infinity;
  for (const h of grid) {
    const terms = drTerms(rounds, shapeFor(h));
    const value = mean(terms);
    const mse = (value - dr) ** 2 + variance(terms) / rounds.length;
    if (mse < bestMse) [best, bestMse] = [value, mse];
  }
  return best;
}

/** Hyper-parameter grids: switch threshold τ on w, shrinkage λ of DRos. */
export const SWITCH_TAU_GRID = [1, 2, 4, 8, 16, 32, 64, Infinity];
export const DROS_LAMBDA_GRID = [0.5, 1, 2, 5, 10, 20, 50, 100, 1000, Infinity];

/** The estimators, keyed by their result names (Dudík et al. 2011; Wang et al. 2017; Su et al. 2020). */
export const ESTIMATORS: Readonly<Record<string, Estimator>> = {
  dm: { name: 'dm', needs: ['rewardModel'], estimate: (rs) => mean(rs.map((r) => r.predictedUnderEval)) },
  ips: { name: 'ips', needs: ['propensity'], estimate: (rs) => mean(rs.map((r) => weight(r) * r.reward)) },
  snips: {
    name: 'snips',
    needs: ['propensity'],
    estimate: (rs) => rs.reduce((s, r) => s + weight(r) * r.reward, 0) / rs.reduce((s, r) => s + weight(r), 0),
  },
  dr: { name: 'dr', needs: ['propensity', 'rewardModel'], estimate: (rs) => mean(drTerms(rs, (w) => w)) },
  'switch-dr': {
    name: 'switch-dr',
    needs: ['propensity', 'rewardModel'],
    // w ≤ τ: the DR term; w > τ: the reward model alone.
    estimate: (rs) => tunedTerms(rs, SWITCH_TAU_GRID, (tau) => (w) => (w <= tau ? w : 0)),
  },
  dros: {
    name: 'dros',
    needs: ['propensity', 'rewardModel'],
    // Optimistic shrinkage: w → λw / (w² + λ); λ → ∞ is DR, λ → 0 is DM.
    estimate: (rs) => tunedTerms(rs, DROS_LAMBDA_GRID, (lambda) => (w) => (lambda === Infinity ? w : (lambda * w) / (w * w + lambda))),
  },
};

export type EstimatorName = keyof typeof ESTIMATORS;

/** Every estimator's value on the same rounds, keyed by estimator name. */
export function estimateAll(rounds: OpeRound[], names: string[] = Object.keys(ESTIMATORS)): Record<string, number> {
  return Object.fromEntries(names.map((n) => [n, ESTIMATORS[n].estimate(rounds)]));
}
