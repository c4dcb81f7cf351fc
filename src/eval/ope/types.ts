/**
 * One logged impression as the estimators see it: the reward observed, the logging (behaviour) policy's
 * propensity of the logged action in its slot, the evaluation policy's probability of the same, and the
 * reward model's predictions (for DM and the doubly robust family).
 */
export interface OpeRound {
  reward: number;
  /** π_b(logged action at logged position | context), > 0. */
  behaviorPropensity: number;
  /** π_e(logged action at logged position | context), ≥ 0. */
  evalProbability: number;
  /** q̂(context, logged action, position). */
  predictedLogged: number;
  /** Σ_a π_e(a | context, position) q̂(context, a, position). */
  predictedUnderEval: number;
}

/** What an estimator reads: `propensity` (π_b and π_e of the logged action), `rewardModel` (q̂). */
export type EstimatorNeed = 'propensity' | 'rewardModel';

export interface Estimator {
  name: string;
  needs: EstimatorNeed[];
  /** Estimated expected reward per impression of the evaluation policy; `multiplicity[i]` repeats round i. */
  estimate(rounds: OpeRound[], multiplicity?: readonly number[]): number;
}
