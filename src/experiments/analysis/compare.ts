/**
 * One treatment arm against control on one metric: the difference and relative lift with fixed-horizon 95%
 * intervals, the always-valid sequential p-value and confidence interval at this look (mSPRT), and CUPED's
 * adjustment for per-user means that have a pre-period. Reading these every day is safe through the
 * sequential fields; the fixed-horizon ones hold only at the planned end.
 */
import { cuped, mixturePValue, mixtureRadius, relativeLift, welchDifference, type ArmSummary, type Interval } from '../stats/index.js';
import { summarize } from '../stats/index.js';
import { sampleSummary, type MetricSample } from './arm-metrics.js';

export interface MetricComparison {
  control: number;
  treatment: number;
  /** treatment − control (CUPED-adjusted when `cuped` is set). */
  difference: number;
  /** Fixed-horizon 95% interval of the difference (Welch). */
  interval: Interval;
  /** Fixed-horizon p-value: valid for one look at the planned size only. */
  pValue: number;
  /** treatment / control − 1 with its 95% interval; null when control is 0. */
  lift: { value: number; interval: Interval } | null;
  /**
   * The always-valid result at this look: p-value min(1, 1/Λ) and the 95% confidence interval of the mSPRT
   * with a normal mixture whose scale is the experiment's minimum detectable effect; null when the control
   * value is 0 (no scale for the mixture) or nothing varies yet.
   */
  sequential: { pValue: number; interval: Interval; significant: boolean } | null;
  /** CUPED on a pre-period covariate: the share of variance removed and θ; null for ratios. */
  cuped: { varianceReduction: number; theta: number } | null;
}

export interface CompareOptions {
  /** Relative effect the experiment was planned to detect; sets the sequential mixture's scale. */
  minimumDetectableEffect: number;
  /** Default 0.05. */
  alpha?: number;
}

/** Control and treatment summaries, CUPED-adjusted for means with some pre-period data. */
function summaries(
  control: MetricSample,
  treatment: MetricSample,
): { c: ArmSummary; t: ArmSummary; cuped: MetricComparison['cuped'] } | null {
  if (control.kind === 'mean' && treatment.kind === 'mean') {
    const hasCovariate = [...control.covariate, ...treatment.covariate].some((x) => x !== null);
    if (!hasCovariate) return { c: summarize(control.values), t: summarize(treatment.values), cuped: null };
    const result = cuped([
      { y: control.values, x: control.covariate },
      { y: treatment.values, x: treatment.covariate },
    ]);
    return {
      c: summarize(result.adjusted[0]),
      t: summarize(result.adjusted[1]),
      cuped: { varianceReduction: result.varianceReduction, theta: result.theta },
    };
  }
  const c = sampleSummary(control);
  const t = sampleSummary(treatment);
  return c && t ? { c, t, cuped: null } : null;
}

/** Null when either arm has fewer than 2 users or a ratio has an empty denominator. */
export function compareMetric(control: MetricSample, treatment: MetricSample, options: CompareOptions): MetricComparison | null {
  const pair = summaries(control, treatment);
  if (!pair || pair.c.n < 2 || pair.t.n < 2) return null;
  const { c, t } = pair;
  const alpha = options.alpha ?? 0.05;
  const welch = welchDifference(c, t, { confidence: 1 - alpha });
  const lift = relativeLift(c, t, { confidence: 1 - alpha });
  const scale = options.minimumDetectableEffect * Math.abs(c.mean);
  let sequential: MetricComparison['sequential'] = null;
  if (scale > 0 && welch.variance > 0) {
    const mixingVariance = scale * scale;
    const estimate = { difference: welch.difference, variance: welch.variance };
    const pValue = mixturePValue(estimate, mixingVariance);
    const radius = mixtureRadius(welch.variance, mixingVariance, alpha);
    sequential = {
      pValue,
      interval: { lower: welch.difference - radius, upper: welch.difference + radius },
      significant: pValue <= alpha,
    };
  }
  return {
    control: c.mean,
    treatment: t.mean,
    difference: welch.difference,
    interval: welch.interval,
    pValue: welch.pValue,
    lift: lift ? { value: lift.lift, interval: lift.interval } : null,
    sequential,
    cuped: pair.cuped,
  };
}
