/**
 * Sample size and duration for a two-arm comparison of per-user means with a two-sided test at a fixed horizon:
 * n per arm = (z_{1−α/2} + z_power)² · (σ_control² + σ_treatment²) / δ², the normal approximation to Welch's
 * test. The always-valid sequential test (msprt.ts) pays for its freedom to peek with more users than this; with
 * `test: 'sequential'` the size is the one at which it has the power asked. CUPED shrinks the variance, and the
 * size with it, by its variance reduction.
 */
import { z } from 'zod';
import { parseOrThrow } from '../../core/index.js';
import { normalCdf, normalQuantile } from './distributions.js';
import { defaultMixingVariance, mixtureRadius } from './msprt.js';

const metricSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('mean'),
      baselineMean: z
        .number()
        .refine((m) => m !== 0, 'a relative effect needs a non-zero baseline')
        .describe('mean of the metric per user in the control arm'),
      baselineSd: z.number().positive().describe('standard deviation of the metric per user; assumed the same in both arms'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('proportion'),
      baselineRate: z.number().gt(0).lt(1).describe('share of users who convert in the control arm'),
    })
    .strict(),
]);

export const planInputSchema = z
  .object({
    metric: metricSchema,
    minimumRelativeEffect: z.number().positive().max(10).describe('smallest relative lift worth detecting (0.05 is +5%)'),
    alpha: z.number().gt(0).lt(1).default(0.05).describe('two-sided significance level of each treatment-control comparison'),
    power: z.number().gt(0).lt(1).default(0.8).describe('chance of detecting an effect of the minimum size'),
    arms: z.number().int().min(2).max(10).default(2).describe('arms with equal weights, control included'),
    dailyEligibleUsers: z
      .number()
      .positive()
      .optional()
      .describe('new distinct users reaching the surface per day (returning users add none)'),
    trafficShare: z.number().gt(0).max(1).default(1).describe('share of eligible users put in the experiment'),
    test: z
      .enum(['fixed', 'sequential'])
      .default('fixed')
      .describe('fixed: one look at the end (Welch); sequential: the always-valid mSPRT the results report, looked at any time'),
    varianceReduction: z
      .number()
      .min(0)
      .lt(1)
      .default(0)
      .describe("CUPED's expected share of variance removed (e.g. from a past experiment's results); 0 plans without it"),
  })
  .strict()
  .refine(
    (p) => p.metric.kind !== 'proportion' || p.metric.baselineRate * (1 + p.minimumRelativeEffect) < 1,
    'the treated conversion rate must stay below 1',
  );
export type PlanInput = z.input<typeof planInputSchema>;

export interface ExperimentPlan {
  /** Users needed in each arm. */
  sampleSizePerArm: number;
  /** Users needed over all arms. */
  totalUsers: number;
  /** δ, the minimum effect in the metric's own units (treatment mean − control mean). */
  minimumDetectableDifference: number;
  /** Days to enrol totalUsers; null without dailyEligibleUsers. */
  days: number | null;
}

/**
 * Power of the mSPRT (mixture τ² = δ², as the results use) at a single look with n users per arm: it rejects
 * when |d| reaches the confidence sequence's radius, which is wider than the fixed-horizon one.
 */
function sequentialPower(difference: number, varianceSum: number, alpha: number, n: number): number {
  const variance = varianceSum / n;
  const radius = mixtureRadius(variance, defaultMixingVariance(difference), alpha);
  const sd = Math.sqrt(variance);
  return normalCdf((difference - radius) / sd) + normalCdf((-difference - radius) / sd);
}

/**
 * The smallest n per arm at which the sequential test, looked at once at the end, has the power asked. Looks
 * before the end can only add rejections, so this is a little more than needed; it starts from the fixed
 * size, which is always smaller.
 */
function sequentialSize(difference: number, varianceSum: number, alpha: number, power: number, fixed: number): number {
  let hi = fixed;
  while (sequentialPower(difference, varianceSum, alpha, hi) < power) hi *= 2;
  let lo = Math.max(1, Math.floor(hi / 2));
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (sequentialPower(difference, varianceSum, alpha, mid) >= power) hi = mid;
    else lo = mid + 1;
  }
  return hi;
}

/**
 * Plans an experiment. With more than two arms each treatment is compared with control at `alpha`; pass
 * alpha / (arms − 1) for a family-wise level (Bonferroni).
 */
export function planExperiment(input: PlanInput): ExperimentPlan {
  const plan = parseOrThrow(planInputSchema, input, 'experiment plan');
  const { metric, minimumRelativeEffect: effect } = plan;
  let difference: number;
  let varianceSum: number;
  if (metric.kind === 'mean') {
    difference = Math.abs(metric.baselineMean) * effect;
    varianceSum = 2 * metric.baselineSd ** 2;
  } else {
    const treated = metric.baselineRate * (1 + effect);
    difference = treated - metric.baselineRate;
    // Unpooled, as Welch's test estimates them.
    varianceSum = metric.baselineRate * (1 - metric.baselineRate) + treated * (1 - treated);
  }
  varianceSum *= 1 - plan.varianceReduction;
  const z = normalQuantile(1 - plan.alpha / 2) + normalQuantile(plan.power);
  const fixed = Math.ceil((z * z * varianceSum) / (difference * difference));
  const sampleSizePerArm = plan.test === 'fixed' ? fixed : sequentialSize(difference, varianceSum, plan.alpha, plan.power, fixed);
  const totalUsers = sampleSizePerArm * plan.arms;
  const days = plan.dailyEligibleUsers === undefined ? null : Math.ceil(totalUsers / (plan.dailyEligibleUsers * plan.trafficShare));
  return { sampleSizePerArm, totalUsers, minimumDetectableDifference: difference, days };
}
