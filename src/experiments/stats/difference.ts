/** Treatment-versus-control comparisons of per-user means at a fixed horizon (one look). */
import { CurioError } from '../../core/index.js';
import type { ArmSummary } from './arm-summary.js';
import { normalQuantile, studentTCdf, studentTQuantile } from './distributions.js';

export interface Interval {
  lower: number;
  upper: number;
}

export interface IntervalOptions {
  /** Coverage of the interval, 0 < confidence < 1 (default 0.95). */
  confidence?: number;
}

export interface DifferenceEstimate {
  /** Treatment mean − control mean. */
  difference: number;
  standardError: number;
  /** standardError², the variance estimate the sequential test takes. */
  variance: number;
  /** Welch–Satterthwaite degrees of freedom. */
  degreesOfFreedom: number;
  interval: Interval;
  /** Two-sided p-value of Welch's t-test of no difference; valid only for a single, planned look. */
  pValue: number;
}

export interface LiftEstimate {
  /** Treatment mean / control mean − 1. */
  lift: number;
  standardError: number;
  interval: Interval;
}

function requireUsers(control: ArmSummary, treatment: ArmSummary): void {
  const problems = [
    ...(control.n < 2 ? [{ path: 'control.n', message: `needs at least 2 users, has ${control.n}` }] : []),
    ...(treatment.n < 2 ? [{ path: 'treatment.n', message: `needs at least 2 users, has ${treatment.n}` }] : []),
  ];
  if (problems.length > 0) throw new CurioError('BAD_INPUT', 'each arm needs at least 2 users to estimate a variance', { problems });
}

/** The difference of means with Welch's interval, which does not assume the arms share a variance. */
export function welchDifference(control: ArmSummary, treatment: ArmSummary, options: IntervalOptions = {}): DifferenceEstimate {
  requireUsers(control, treatment);
  const confidence = options.confidence ?? 0.95;
  const controlVariance = control.variance / control.n;
  const treatmentVariance = treatment.variance / treatment.n;
  const variance = controlVariance + treatmentVariance;
  const standardError = Math.sqrt(variance);
  const difference = treatment.mean - control.mean;
  const welchDenominator = controlVariance ** 2 / (control.n - 1) + treatmentVariance ** 2 / (treatment.n - 1);
  // With no spread in either arm Welch's formula is 0/0; the pooled count is the natural limit to report.
  const degreesOfFreedom = welchDenominator > 0 ? variance ** 2 / welchDenominator : control.n + treatment.n - 2;
  const radius = standardError > 0 ? studentTQuantile(0.5 + confidence / 2, degreesOfFreedom) * standardError : 0;
  let pValue: number;
  if (standardError > 0) pValue = 2 * studentTCdf(-Math.abs(difference) / standardError, degreesOfFreedom);
  else pValue = difference === 0 ? 1 : 0;
  return {
    difference,
    standardError,
    variance,
    degreesOfFreedom,
    interval: { lower: difference - radius, upper: difference + radius },
    pValue,
  };
}

/**
 * The relative lift with a delta-method interval: for independent arms,
 * Var(m_t / m_c) ≈ Var(m_t) / m_c² + m_t²·Var(m_c) / m_c⁴. The interval is normal (the delta method is
 * asymptotic) and symmetric, so it is trustworthy only when the control mean is many standard errors from 0.
 * Null when the control mean is 0, where the lift is undefined.
 */
export function relativeLift(control: ArmSummary, treatment: ArmSummary, options: IntervalOptions = {}): LiftEstimate | null {
  requireUsers(control, treatment);
  if (control.mean === 0) return null;
  const confidence = options.confidence ?? 0.95;
  const ratio = treatment.mean / control.mean;
  const controlVariance = control.variance / control.n;
  const treatmentVariance = treatment.variance / treatment.n;
  const standardError = Math.sqrt(treatmentVariance / control.mean ** 2 + (ratio * ratio * controlVariance) / control.mean ** 2);
  const radius = normalQuantile(0.5 + confidence / 2) * standardError;
  const lift = ratio - 1;
  return { lift, standardError, interval: { lower: lift - radius, upper: lift + radius } };
}
