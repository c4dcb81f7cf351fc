/**
 * Sample size and duration for a two-arm comparison of per-user means with a two-sided test at a fixed horizon:
 * n per arm = (z_{1−α/2} + z_power)² · (σ_control² + σ_treatment²) / δ², the normal approximation to Welch's
 * test. The always-valid sequential test (msprt.ts) pays for its freedom to peek with more users than this.
 */
import { z } from 'zod';
import { parseOrThrow } from '../../core/index.js';
import { normalQuantile } from './distributions.js';

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
  const z = normalQuantile(1 - plan.alpha / 2) + normalQuantile(plan.power);
  const sampleSizePerArm = Math.ceil((z * z * varianceSum) / (difference * difference));
  const totalUsers = sampleSizePerArm * plan.arms;
  const days = plan.dailyEligibleUsers === undefined ? null : Math.ceil(totalUsers / (plan.dailyEligibleUsers * plan.trafficShare));
  return { sampleSizePerArm, totalUsers, minimumDetectableDifference: difference, days };
}
