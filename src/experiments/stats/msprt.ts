/**
 * An always-valid sequential test of the difference of means: the mixture sequential probability ratio test
 * (mSPRT) with a normal mixture N(θ₀, τ²) over the effect, as in Johari, Koomen, Pekelis & Walsh, "Always Valid
 * Inference: Continuous Monitoring of A/B Tests" (Operations Research, 2022) and "Peeking at A/B Tests" (KDD 2017).
 *
 * With the estimate d ≈ N(θ, V) at a look, the mixture likelihood ratio against θ = θ₀ is
 *   Λ = √(V / (V + τ²)) · exp(τ²·(d − θ₀)² / (2V·(V + τ²))),
 * which, as a function of the data seen so far, is a martingale under the null; so by Ville's inequality the
 * chance that Λ ever reaches 1/α is at most α, however often one looks. The always-valid p-value is the running
 * minimum of 1/Λ, and the confidence sequence is the running intersection of {θ₀ : Λ(θ₀) < 1/α}. The variance V
 * is a plug-in estimate, so the guarantee is asymptotic in the users per arm, as for the t-test.
 */
import type { Interval } from './difference.js';

/** The effect estimate at one look: treatment − control and its variance (standardError², from `welchDifference`). */
export interface EffectEstimate {
  difference: number;
  variance: number;
}

export interface SequentialOptions {
  /** τ², the variance of the mixture over effects, in squared units of the metric (see `defaultMixingVariance`). */
  mixingVariance: number;
  /** The level at which the test rejects and the confidence sequence's miss probability (default 0.05). */
  alpha?: number;
  /** θ₀, the difference under the null (default 0). */
  nullDifference?: number;
}

/** What a sequential test keeps between looks; plain data, so it can be stored between daily runs. */
export interface SequentialState {
  /** Looks that carried information (a look with zero variance is skipped). */
  looks: number;
  /** The always-valid p-value: the minimum of 1/Λ over the looks so far (1 before the first). */
  pValue: number;
  /** The always-valid confidence sequence for the difference; null before the first look. */
  interval: Interval | null;
}

export interface SequentialLook extends SequentialState {
  /** Λ at this look alone. */
  likelihoodRatio: number;
  /** True once the p-value has reached alpha; from then on it stays true. */
  reject: boolean;
}

export const INITIAL_SEQUENTIAL_STATE: SequentialState = { looks: 0, pValue: 1, interval: null };

/**
 * τ² when past experiments do not suggest one (Johari et al. fit it to the effects of past experiments): the
 * square of the smallest difference the experiment was planned to detect (the planner's
 * `minimumDetectableDifference`). At the planned size the estimate's variance is V = δ² / (z_{1−α/2} + z_power)²,
 * so τ = δ puts τ²/V at (z_{1−α/2} + z_power)², near the ratio r that makes the last planned look easiest to
 * pass: Λ ≥ 1/α needs z² ≥ (1 + 1/r)·(2 ln(1/α) + ln(1 + r)), lowest where r = 2 ln(1/α) + ln(1 + r). A much
 * wider mixture spends its power on implausibly large effects; a much narrower one needs more users than planned.
 */
export function defaultMixingVariance(minimumDetectableDifference: number): number {
  return minimumDetectableDifference * minimumDetectableDifference;
}

/** ln Λ at one look (computed in logs: Λ overflows once the effect is clear). */
export function mixtureLogLikelihoodRatio(estimate: EffectEstimate, mixingVariance: number, nullDifference = 0): number {
  const { variance } = estimate;
  const total = variance + mixingVariance;
  const shift = estimate.difference - nullDifference;
  return 0.5 * Math.log(variance / total) + (mixingVariance * shift * shift) / (2 * variance * total);
}

/** min(1, 1/Λ) at one look: the always-valid p-value if this were the only look. */
export function mixturePValue(estimate: EffectEstimate, mixingVariance: number, nullDifference = 0): number {
  return Math.min(1, Math.exp(-mixtureLogLikelihoodRatio(estimate, mixingVariance, nullDifference)));
}

/** The half-width of {θ₀ : Λ(θ₀) < 1/α} at one look: √(V(V + τ²)/τ² · (ln((V + τ²)/V) + 2 ln(1/α))). */
export function mixtureRadius(variance: number, mixingVariance: number, alpha: number): number {
  const total = variance + mixingVariance;
  return Math.sqrt(((variance * total) / mixingVariance) * (Math.log(total / variance) - 2 * Math.log(alpha)));
}

/**
 * The state after one more look. The estimate is cumulative: all users so far, not the day's new ones. If the
 * looks contradict each other so far that the intersection is empty (a sign the effect changes over time), the
 * latest look's own interval is kept; the sequence of single-look intervals is always valid too.
 */
export function nextSequentialLook(state: SequentialState, estimate: EffectEstimate, options: SequentialOptions): SequentialLook {
  const alpha = options.alpha ?? 0.05;
  const nullDifference = options.nullDifference ?? 0;
  if (!(estimate.variance > 0)) {
    // No spread yet (e.g. no conversions in either arm): the look carries no information about the effect.
    return { ...state, likelihoodRatio: 1, reject: state.pValue <= alpha };
  }
  const logRatio = mixtureLogLikelihoodRatio(estimate, options.mixingVariance, nullDifference);
  const pValue = Math.min(state.pValue, Math.exp(-logRatio));
  const radius = mixtureRadius(estimate.variance, options.mixingVariance, alpha);
  const own = { lower: estimate.difference - radius, upper: estimate.difference + radius };
  let interval = own;
  if (state.interval) {
    const lower = Math.max(state.interval.lower, own.lower);
    const upper = Math.min(state.interval.upper, own.upper);
    if (lower <= upper) interval = { lower, upper };
  }
  return { looks: state.looks + 1, pValue, interval, likelihoodRatio: Math.exp(logRatio), reject: pValue <= alpha };
}

export interface SequentialTest {
  /** Takes the cumulative estimate at a new look and returns the always-valid result so far. */
  look(estimate: EffectEstimate): SequentialLook;
  /** The state to store and pass back to `createSequentialTest` at the next run. */
  state(): SequentialState;
}

/** A sequential test that keeps its running minimum and intersection across looks (daily looks, say). */
export function createSequentialTest(options: SequentialOptions, state: SequentialState = INITIAL_SEQUENTIAL_STATE): SequentialTest {
  let current = state;
  return {
    look(estimate) {
      const result = nextSequentialLook(current, estimate, options);
      current = { looks: result.looks, pValue: result.pValue, interval: result.interval };
      return result;
    },
    state: () => current,
  };
}
