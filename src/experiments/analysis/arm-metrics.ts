/**
 * The business metrics of one arm, per user (the randomisation unit). Per-user means (conversion, revenue
 * per user) are summarised from one value per user; ratios of sums (CTR, add-to-cart rate, average order
 * value) are linearised per user (delta method: z = (x − R·y) / ȳ), so their variance also counts users, not
 * impressions, and the same two-sample comparisons apply to both.
 */
import type { MetricName } from '../experiment.js';
import { summarize, type ArmSummary } from '../stats/index.js';
import type { PrePeriod, UserOutcomes } from './attribution.js';

/** The metrics computed from attributed outcomes (the guardrails latency, coverage and diversity are not per user). */
export const USER_METRICS = ['conversion', 'revenue', 'ctr', 'add-to-cart', 'aov'] as const satisfies readonly MetricName[];
export type UserMetric = (typeof USER_METRICS)[number];

/** A metric's per-user data in one arm: values of a mean, or numerator/denominator pairs of a ratio. */
export type MetricSample =
  | { kind: 'mean'; values: number[]; /** Pre-period value per user, for CUPED; null where unknown. */ covariate: (number | null)[] }
  | { kind: 'ratio'; numerators: number[]; denominators: number[] };

/** A user as analysed: outcomes in the experiment and purchases before it (null where the pre-period is unknown). */
export interface AnalysedUser extends UserOutcomes {
  pre: PrePeriod | null;
}

function perUser(users: readonly AnalysedUser[], metric: UserMetric): MetricSample {
  switch (metric) {
    case 'conversion':
      return {
        kind: 'mean',
        values: users.map((u) => (u.orders > 0 ? 1 : 0)),
        covariate: users.map((u) => (u.pre ? (u.pre.orders > 0 ? 1 : 0) : null)),
      };
    case 'revenue':
      return { kind: 'mean', values: users.map((u) => u.revenue), covariate: users.map((u) => u.pre?.revenue ?? null) };
    case 'ctr':
      return { kind: 'ratio', numerators: users.map((u) => u.clicks), denominators: users.map((u) => u.impressions) };
    case 'add-to-cart':
      return { kind: 'ratio', numerators: users.map((u) => u.carts), denominators: users.map((u) => u.impressions) };
    case 'aov':
      return { kind: 'ratio', numerators: users.map((u) => u.revenue), denominators: users.map((u) => u.orders) };
  }
}

/** Every user metric of one arm's users. */
export function armSamples(users: readonly AnalysedUser[]): Record<UserMetric, MetricSample> {
  return Object.fromEntries(USER_METRICS.map((m) => [m, perUser(users, m)])) as Record<UserMetric, MetricSample>;
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/**
 * n, value and variance of a sample as the comparisons take them. For a ratio the mean is R = Σx/Σy and the
 * variance that of the linearised values, so var(R̂) ≈ variance / n; with Σy = 0 the ratio is undefined (null).
 */
export function sampleSummary(sample: MetricSample): ArmSummary | null {
  if (sample.kind === 'mean') return summarize(sample.values);
  const n = sample.numerators.length;
  const totalY = sum(sample.denominators);
  if (n === 0 || totalY === 0) return null;
  const ratio = sum(sample.numerators) / totalY;
  const meanY = totalY / n;
  const linear = summarize(sample.numerators.map((x, i) => (x - ratio * sample.denominators[i]) / meanY));
  return { n, mean: ratio, variance: linear.variance };
}
