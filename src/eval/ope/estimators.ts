import type { Estimator, OpeRound } from './types.js';

/** Optional multiplicity of each round (bootstrap counts, grouped identical rounds); default 1 each. */
type Multiplicity = readonly number[] | undefined;

const weight = (r: OpeRound): number => r.evalProbability / r.behaviorPropensity;

function total(values: readonly number[], m: Multiplicity): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += m ? m[i] * values[i] : values[i];
  return s;
}

const count = (n: number, m: Multiplicity): number => (m ? m.reduce((a, b) => a + b, 0) : n);
const mean = (values: readonly number[], m: Multiplicity): number => (values.length ? total(values, m) / count(values.length, m) : NaN);

/** Sample variance of the values each repeated m[i] times. */
function variance(values: readonly number[], m: Multiplicity): number {
  const mu = mean(values, m);
  return (
    total(
      values.map((v) => (v - mu) ** 2),
      m,
    ) / Math.max(1, count(values.length, m) - 1)
  );
}

/** Doubly robust terms with the importance weight transformed by `shape` (identity = plain DR). */
function drTerms(rounds: OpeRound[], shape: (w: number) => number): number[] {
  return rounds.map((r) => r.predictedUnderEval + shape(weight(r)) * (r.reward - r.predictedLogged));
}

/**
 * Picks the hyper-parameter whose estimate minimises an estimated MSE: (estimate − DR)² as squared bias
 * (DR is unbiased) plus the sample variance of its terms / n. A cheap stand-in for OBP's tuning by MSE.
 */
export function tuneShape(
  rounds: OpeRound[],
  grid: readonly number[],
  shapeFor: (h: number) => (w: number) => number,
  m?: Multiplicity,
): { value: number; parameter: number } {
  const dr = mean(
    drTerms(rounds, (w) => w),
    m,
  );
  const n = count(rounds.length, m);
  let best = { value: NaN, parameter: NaN };
  let bestMse = Infinity;
  for (const h of grid) {
    const terms = drTerms(rounds, shapeFor(h));
    const value = mean(terms, m);
    const mse = (value - dr) ** 2 + variance(terms, m) / n;
    if (mse < bestMse) [best, bestMse] = [{ value, parameter: h }, mse];
  }
  return best;
}

/** Switch-DR's weight: w ≤ τ keeps the DR term, w > τ leaves the reward model alone. */
export const switchShape =
  (tau: number) =>
  (w: number): number =>
    w <= tau ? w : 0;

/** DRos' optimistic shrinkage: w → λw / (w² + λ); λ → ∞ is DR, λ → 0 is DM. */
export const drosShape =
  (lambda: number) =>
  (w: number): number =>
    lambda === Infinity ? w : (lambda * w) / (w * w + lambda);

/** Hyper-parameter grids: switch threshold τ on w, shrinkage λ of DRos. */
export const SWITCH_TAU_GRID = [1, 2, 4, 8, 16, 32, 64, Infinity];
export const DROS_LAMBDA_GRID = [0.5, 1, 2, 5, 10, 20, 50, 100, 1000, Infinity];

/**
 * The estimators, keyed by their result names (Dudík et al. 2011; Wang et al. 2017; Su et al. 2020;
 * SNDR as in Kallus & Uehara 2019 / Open Bandit Pipeline).
 */
export const ESTIMATORS: Readonly<Record<string, Estimator>> = {
  dm: {
    name: 'dm',
    needs: ['rewardModel'],
    estimate: (rs, m) =>
      mean(
        rs.map((r) => r.predictedUnderEval),
        m,
      ),
  },
  ips: {
    name: 'ips',
    needs: ['propensity'],
    estimate: (rs, m) =>
      mean(
        rs.map((r) => weight(r) * r.reward),
        m,
      ),
  },
  snips: {
    name: 'snips',
    needs: ['propensity'],
    estimate: (rs, m) =>
      total(
        rs.map((r) => weight(r) * r.reward),
        m,
      ) / total(rs.map(weight), m),
  },
  dr: {
    name: 'dr',
    needs: ['propensity', 'rewardModel'],
    estimate: (rs, m) =>
      mean(
        drTerms(rs, (w) => w),
        m,
      ),
  },
  sndr: {
    name: 'sndr',
    needs: ['propensity', 'rewardModel'],
    // DR with the correction's weights divided by their mean (as SNIPS does to IPS).
    estimate: (rs, m) => {
      const meanWeight = mean(rs.map(weight), m);
      return mean(
        drTerms(rs, (w) => (meanWeight > 0 ? w / meanWeight : 0)),
        m,
      );
    },
  },
  'switch-dr': {
    name: 'switch-dr',
    needs: ['propensity', 'rewardModel'],
    estimate: (rs, m) => tuneShape(rs, SWITCH_TAU_GRID, switchShape, m).value,
  },
  dros: {
    name: 'dros',
    needs: ['propensity', 'rewardModel'],
    estimate: (rs, m) => tuneShape(rs, DROS_LAMBDA_GRID, drosShape, m).value,
  },
};

export type EstimatorName = keyof typeof ESTIMATORS;

/**
 * Every estimator's value on the same rounds, keyed by estimator name; `multiplicity[i]` counts round i
 * that many times (equal to repeating it, without building the repeated array).
 */
export function estimateAll(
  rounds: OpeRound[],
  names: string[] = Object.keys(ESTIMATORS),
  multiplicity?: readonly number[],
): Record<string, number> {
  return Object.fromEntries(names.map((n) => [n, ESTIMATORS[n].estimate(rounds, multiplicity)]));
}
