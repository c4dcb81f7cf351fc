/**
 * CUPED (Deng, Xu, Kohavi & Walker, "Improving the Sensitivity of Online Controlled Experiments by Utilizing
 * Pre-Experiment Data", WSDM 2013): y' = y − θ(x − x̄) with x a pre-period covariate and θ = cov(x, y)/var(x).
 * x is measured before assignment, so E[x̄_treatment − x̄_control] = 0 and the adjusted difference of means
 * estimates the same effect as the raw one, with its variance shrunk by the share ρ(x, y)² when every user has x.
 */
import { CurioError } from '../../core/index.js';

export interface CupedArm {
  /** The metric per user over the experiment period. */
  y: readonly number[];
  /** The covariate per user (same order), usually the same metric over a pre-period; null for users with none. */
  x: readonly (number | null)[];
}

export interface CupedResult {
  /** cov(x, y)/var(x) within arms, pooled over arms, over the users who have a covariate. */
  theta: number;
  /** The mean covariate over all users who have one, pooled over arms. */
  covariateMean: number;
  /** y − θ(x − covariateMean) per user, arm by arm in the input's order; users without a covariate keep y. */
  adjusted: number[][];
  /** 1 − (within-arm variance of y') / (within-arm variance of y): the share of variance removed. */
  varianceReduction: number;
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return values.length > 0 ? sum / values.length : 0;
}

/** Σ(v − mean)² of each arm's values, summed over arms: the pooled within-arm sum of squares. */
function withinSquares(arms: readonly (readonly number[])[]): number {
  let total = 0;
  for (const values of arms) {
    const m = mean(values);
    for (const v of values) total += (v - m) * (v - m);
  }
  return total;
}

/**
 * Adjusts every arm's y by the pre-period covariate. θ is estimated within arms so that the treatment effect
 * on y does not leak into it, and from the users who have a covariate only. A user without pre-period data
 * gets x = covariateMean, so their y is unchanged: the adjustment cannot help them, and a constant stand-in
 * keeps the estimate unbiased because missingness, like x, is fixed before assignment.
 */
export function cuped(arms: readonly CupedArm[]): CupedResult {
  const problems = arms.flatMap((arm, k) =>
    arm.x.length === arm.y.length ? [] : [{ path: `arms.${k}.x`, message: `has ${arm.x.length} users, y has ${arm.y.length}` }],
  );
  if (problems.length > 0) throw new CurioError('BAD_INPUT', 'each arm needs one covariate (or null) per user', { problems });

  let covariance = 0;
  let covariateSquares = 0;
  let covariateSum = 0;
  let covariateCount = 0;
  for (const arm of arms) {
    const xs: number[] = [];
    const ys: number[] = [];
    arm.x.forEach((x, i) => {
      if (x === null) return;
      xs.push(x);
      ys.push(arm.y[i]);
    });
    const mx = mean(xs);
    const my = mean(ys);
    for (let i = 0; i < xs.length; i++) {
      covariance += (xs[i] - mx) * (ys[i] - my);
      covariateSquares += (xs[i] - mx) * (xs[i] - mx);
    }
    covariateSum += mx * xs.length;
    covariateCount += xs.length;
  }
  const theta = covariateSquares > 0 ? covariance / covariateSquares : 0;
  const covariateMean = covariateCount > 0 ? covariateSum / covariateCount : 0;
  const adjusted = arms.map((arm) => arm.y.map((y, i) => y - theta * ((arm.x[i] ?? covariateMean) - covariateMean)));
  const before = withinSquares(arms.map((arm) => arm.y));
  const varianceReduction = before > 0 ? 1 - withinSquares(adjusted) / before : 0;
  return { theta, covariateMean, adjusted, varianceReduction };
}
