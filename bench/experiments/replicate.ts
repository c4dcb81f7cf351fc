/**
 * One simulated experiment on the shop's users: a sample split by Curio's assignment hash (a fresh experiment
 * id per replicate), an optional true lift in conversion for the second arm, and the results Curio reports
 * (`compareMetric`: CUPED, Welch and the always-valid mSPRT) read at the end of every day.
 */
import { shuffle, type Rng } from '../../src/core/index.js';
import { assignArm, compareMetric, type MetricComparison, type MetricSample } from '../../src/experiments/index.js';
import type { ExperimentUser, ShopPopulation } from './shop-users.js';

const ARMS = [
  { id: 'a', weight: 1, description: '' },
  { id: 'b', weight: 1, description: '' },
];

export type BenchMetric = 'conversion' | 'revenue';

export interface MetricTrace {
  /** First day (0-based) the always-valid test was significant, or null. */
  sequentialDay: number | null;
  /** First day Welch's fixed-horizon p-value was below 0.05 when read daily (peeking), or null. */
  peekedDay: number | null;
  /** Welch at the last day only (the planned single look). */
  fixedAtEnd: boolean;
  /** The same comparisons without CUPED, at the last day. */
  sequentialNoCupedEver: boolean;
  /** CUPED's variance reduction at the last day. */
  varianceReduction: number | null;
}

export interface ReplicateOptions {
  experimentId: string;
  /** Users drawn from the population for this replicate. */
  users: number;
  /** True relative lift in end-of-experiment conversion for arm b (0 for A/A). */
  lift: number;
  /** Conversion of untreated users at the end, to size the injected conversions. */
  baseConversion: number;
  minimumDetectableEffect: number;
  metrics: readonly BenchMetric[];
}

interface Treated {
  user: ExperimentUser;
  arm: number;
  conversionDay: number;
  /** Revenue added by an injected conversion, from its day on. */
  extra: { day: number; amount: number } | null;
}

/** Draws the sample, assigns arms by hash and injects the lift: a b-user without a purchase converts with probability q. */
function treat(population: ShopPopulation, options: ReplicateOptions, rng: Rng): Treated[] {
  const picked = shuffle([...population.users], rng)
    .slice(0, options.users)
    .sort((x, y) => x.entryDay - y.entryDay);
  // Converting a share q of the non-converters raises conversion c to c + q(1 − c) = c(1 + lift).
  const q = (options.lift * options.baseConversion) / (1 - options.baseConversion);
  return picked.map((user) => {
    const arm = assignArm(options.experimentId, user.id, ARMS).id === 'a' ? 0 : 1;
    if (arm === 1 && user.conversionDay === Infinity && options.lift > 0 && rng.next() < q) {
      const day = user.entryDay + Math.floor(rng.next() * (population.days - user.entryDay));
      return { user, arm, conversionDay: day, extra: { day, amount: population.meanOrderValue } };
    }
    return { user, arm, conversionDay: user.conversionDay, extra: null };
  });
}

function sample(users: readonly Treated[], arm: number, day: number, metric: BenchMetric, withCovariate: boolean): MetricSample {
  const values: number[] = [];
  const covariate: (number | null)[] = [];
  for (const t of users) {
    if (t.user.entryDay > day) break;
    if (t.arm !== arm) continue;
    if (metric === 'conversion') {
      values.push(t.conversionDay <= day ? 1 : 0);
      covariate.push(withCovariate ? (t.user.preOrders > 0 ? 1 : 0) : null);
    } else {
      values.push(t.user.revenueByDay[day] + (t.extra && t.extra.day <= day ? t.extra.amount : 0));
      covariate.push(withCovariate ? t.user.preRevenue : null);
    }
  }
  return { kind: 'mean', values, covariate };
}

/** Runs one replicate and returns, per metric, when each way of reading it first called a difference. */
export function runReplicate(population: ShopPopulation, options: ReplicateOptions, rng: Rng): Record<BenchMetric, MetricTrace> {
  const users = treat(population, options, rng);
  const result = {} as Record<BenchMetric, MetricTrace>;
  const compare = (day: number, metric: BenchMetric, withCovariate: boolean): MetricComparison | null =>
    compareMetric(sample(users, 0, day, metric, withCovariate), sample(users, 1, day, metric, withCovariate), {
      minimumDetectableEffect: options.minimumDetectableEffect,
    });
  for (const metric of options.metrics) {
    const trace: MetricTrace = {
      sequentialDay: null,
      peekedDay: null,
      fixedAtEnd: false,
      sequentialNoCupedEver: false,
      varianceReduction: null,
    };
    for (let day = 0; day < population.days; day++) {
      const c = compare(day, metric, true);
      const plain = compare(day, metric, false);
      if (c?.sequential?.significant && trace.sequentialDay === null) trace.sequentialDay = day;
      if (plain && plain.pValue < 0.05 && trace.peekedDay === null) trace.peekedDay = day;
      if (plain?.sequential?.significant) trace.sequentialNoCupedEver = true;
      if (day === population.days - 1) {
        trace.fixedAtEnd = plain !== null && plain.pValue < 0.05;
        trace.varianceReduction = c?.cuped?.varianceReduction ?? null;
      }
    }
    result[metric] = trace;
  }
  return result;
}
