import { SWITCH_TAU_GRID } from './estimators.js';
import { switchAt, type IntervalEstimate } from './intervals.js';

/**
 * SLOPE's candidates from least to most biased: SNIPS, DR, then switch-DR at each finite τ of its grid from
 * the largest down (τ = ∞ is DR; a smaller τ hands more rounds to the reward model: less variance, more bias).
 */
export const SLOPE_CANDIDATES: readonly string[] = [
  'snips',
  'dr',
  ...SWITCH_TAU_GRID.filter(Number.isFinite)
    .sort((a, b) => b - a)
    .map(switchAt),
];

export interface SlopeSelection {
  /** The candidate SLOPE picks. */
  chosen: string;
  /** The candidates in the order SLOPE walks them: standard error from largest to smallest. */
  order: string[];
  candidates: Record<string, IntervalEstimate>;
}

/**
 * Lepski-style selection (Su, Srinath & Krishnamurthy 2020, "Adaptive estimator selection for off-policy
 * evaluation", Algorithm 1): walk the candidates from the largest standard error to the smallest (ties in
 * `biasOrder`, least biased first) and keep the last one whose interval still meets the common intersection
 * of all intervals before it. The paper widens each interval to θ̂ ± 2σ with σ a deviation bound; here σ is
 * already a 95% half-width, and the intervals are used as they are: a narrower test stops earlier, on a less
 * biased estimator, and the interval reported is the chosen estimator's own. Candidates with no finite
 * interval are left out; `chosen` is '' when none is left.
 */
export function selectBySlope(
  candidates: Record<string, IntervalEstimate>,
  biasOrder: readonly string[] = SLOPE_CANDIDATES,
): SlopeSelection {
  const usable = biasOrder.filter((name) => {
    const c = candidates[name];
    return c !== undefined && Number.isFinite(c.lower) && Number.isFinite(c.upper);
  });
  // Stable: equal standard errors (switch-DR with no weight above τ is DR) keep the bias order.
  const order = [...usable].sort((x, y) => candidates[y].stdError - candidates[x].stdError);
  let [lower, upper] = [-Infinity, Infinity];
  let chosen = '';
  for (const name of order) {
    const c = candidates[name];
    const [nextLower, nextUpper] = [Math.max(lower, c.lower), Math.min(upper, c.upper)];
    if (nextLower > nextUpper) break;
    [lower, upper, chosen] = [nextLower, nextUpper, name];
  }
  return { chosen, order, candidates: Object.fromEntries(usable.map((n) => [n, candidates[n]])) };
}
