/**
 * The experiment statistics (src/experiments/stats) on simulated experiments whose truth is known:
 * - A/A: streams of daily users split 50/50 by a coin, analysed every day with the always-valid sequential
 *   test (mSPRT), against Welch's t-test peeked at daily and Welch's test read once at the end; conversion and
 *   skewed revenue per user; the sample-ratio check at the end of each stream.
 * - A/B: a true +5% relative lift on a 5% conversion rate, at the planner's size and duration: the power of the
 *   planned fixed-horizon test, and of the sequential test by the planned day and by twice as many days.
 * - CUPED on returning customers whose pre-period orders predict the experiment's, for conversion and revenue.
 * Writes bench/results/experiment-stats.json.
 *
 *   node --import tsx bench/experiment-stats.ts [--seed 1] [--streams 500] [--power-reps 500] [--cuped-reps 500]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createRng, type Rng } from '../src/core/index.js';
import { sampleGamma } from '../src/explore/index.js';
import {
  createSequentialTest,
  createSummaryAccumulator,
  cuped,
  defaultMixingVariance,
  planExperiment,
  sampleRatioMismatch,
  summarize,
  welchDifference,
  type CupedArm,
} from '../src/experiments/stats/index.js';

const OUT = 'bench/results/experiment-stats.json';
const { values: args } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    streams: { type: 'string', default: '500' },
    'power-reps': { type: 'string', default: '500' },
    'cuped-reps': { type: 'string', default: '500' },
  },
});
const SEED = Number(args.seed);
const STREAMS = Number(args.streams);
const POWER_REPS = Number(args['power-reps']);
const CUPED_REPS = Number(args['cuped-reps']);
const ALPHA = 0.05;
const BASE_RATE = 0.05;
const LIFT = 0.05;
// Revenue per user: a buyer spends exp(N(REVENUE_LOG_MEAN, 1)), heavy-tailed as order values are.
const REVENUE_LOG_MEAN = 3.5;
const DAILY_ELIGIBLE_USERS = 20_000;

/** A stream's value for one user of arm 0 (control) or 1 (treatment). */
type DrawValue = (rng: Rng, arm: number) => number;

interface StreamOutcome {
  /** First day the sequential test rejected, or null. */
  sequentialDay: number | null;
  /** Welch p-value on each day. */
  welchP: number[];
  /** Whether the confidence sequence held the true difference on every day. */
  covered: boolean;
  srmP: number;
}

/** One experiment: each day's users are split by a coin and the cumulative per-user values analysed. */
function runStream(rng: Rng, days: number, dailyUsers: number, draw: DrawValue, mixingVariance: number, truth: number): StreamOutcome {
  const arms = [createSummaryAccumulator(), createSummaryAccumulator()];
  const test = createSequentialTest({ mixingVariance, alpha: ALPHA });
  const outcome: StreamOutcome = { sequentialDay: null, welchP: [], covered: true, srmP: 1 };
  for (let day = 1; day <= days; day++) {
    for (let u = 0; u < dailyUsers; u++) {
      const arm = rng.next() < 0.5 ? 0 : 1;
      arms[arm].add(draw(rng, arm));
    }
    const estimate = welchDifference(arms[0].summary(), arms[1].summary());
    const look = test.look(estimate);
    if (look.reject && outcome.sequentialDay === null) outcome.sequentialDay = day;
    if (look.interval && !(look.interval.lower <= truth && truth <= look.interval.upper)) outcome.covered = false;
    outcome.welchP.push(estimate.pValue);
  }
  outcome.srmP = sampleRatioMismatch([arms[0].summary().n, arms[1].summary().n], [1, 1]).pValue;
  return outcome;
}

const share = (count: number, total: number): { rate: number; standardError: number } => {
  const rate = count / total;
  return { rate, standardError: Math.sqrt((rate * (1 - rate)) / total) };
};

function aaRates(rng: Rng, days: number, draw: DrawValue, mixingVariance: number) {
  let sequential = 0;
  let peeked = 0;
  let finalOnly = 0;
  let srmFlags = 0;
  for (let s = 0; s < STREAMS; s++) {
    const o = runStream(rng, days, DAILY_ELIGIBLE_USERS, draw, mixingVariance, 0);
    if (o.sequentialDay !== null) sequential++;
    if (o.welchP.some((p) => p < ALPHA)) peeked++;
    if (o.welchP[days - 1] < ALPHA) finalOnly++;
    if (o.srmP < 0.001) srmFlags++;
  }
  return {
    days,
    usersPerDay: DAILY_ELIGIBLE_USERS,
    mixingVariance,
    sequentialFalsePositive: share(sequential, STREAMS),
    peekedWelchFalsePositive: share(peeked, STREAMS),
    finalWelchFalsePositive: share(finalOnly, STREAMS),
    srmFalseAlarm: share(srmFlags, STREAMS),
  };
}

const conversion =
  (rates: [number, number]): DrawValue =>
  (rng, arm) =>
    rng.next() < rates[arm] ? 1 : 0;
const revenue: DrawValue = (rng) => (rng.next() < BASE_RATE ? Math.exp(REVENUE_LOG_MEAN + rng.normal()) : 0);

function aaSection(rng: Rng) {
  const conversionPlan = planExperiment({
    metric: { kind: 'proportion', baselineRate: BASE_RATE },
    minimumRelativeEffect: LIFT,
    dailyEligibleUsers: DAILY_ELIGIBLE_USERS,
  });
  const pilot = summarize(Array.from({ length: 1_000_000 }, () => revenue(rng, 0)));
  const revenuePlan = planExperiment({
    metric: { kind: 'mean', baselineMean: pilot.mean, baselineSd: Math.sqrt(pilot.variance) },
    minimumRelativeEffect: LIFT,
    dailyEligibleUsers: DAILY_ELIGIBLE_USERS,
  });
  return {
    conversion: aaRates(
      rng,
      conversionPlan.days!,
      conversion([BASE_RATE, BASE_RATE]),
      defaultMixingVariance(conversionPlan.minimumDetectableDifference),
    ),
    revenue: aaRates(rng, revenuePlan.days!, revenue, defaultMixingVariance(revenuePlan.minimumDetectableDifference)),
  };
}

/** The A/B stream at the plan's users per day, run to twice the planned days. */
function powerSection(rng: Rng) {
  const plan = planExperiment({
    metric: { kind: 'proportion', baselineRate: BASE_RATE },
    minimumRelativeEffect: LIFT,
    dailyEligibleUsers: DAILY_ELIGIBLE_USERS,
  });
  const days = plan.days!;
  // Spread exactly the planned users over the planned days, so the last planned look is at the planned size.
  const dailyUsers = Math.ceil(plan.totalUsers / days);
  const truth = plan.minimumDetectableDifference;
  const mixingVariance = defaultMixingVariance(truth);
  let fixed = 0;
  let sequentialByPlan = 0;
  let sequentialByDouble = 0;
  let fixedAtDouble = 0;
  let covered = 0;
  const stopDays: number[] = [];
  for (let r = 0; r < POWER_REPS; r++) {
    const o = runStream(rng, 2 * days, dailyUsers, conversion([BASE_RATE, BASE_RATE * (1 + LIFT)]), mixingVariance, truth);
    if (o.welchP[days - 1] < ALPHA) fixed++;
    if (o.welchP[2 * days - 1] < ALPHA) fixedAtDouble++;
    if (o.sequentialDay !== null && o.sequentialDay <= days) sequentialByPlan++;
    if (o.sequentialDay !== null) {
      sequentialByDouble++;
      stopDays.push(o.sequentialDay);
    }
    if (o.covered) covered++;
  }
  stopDays.sort((a, b) => a - b);
  return {
    plan: { ...plan, usersPerDayInStream: dailyUsers },
    mixingVariance,
    fixedHorizonPower: share(fixed, POWER_REPS),
    sequentialPowerByPlannedDay: share(sequentialByPlan, POWER_REPS),
    sequentialPowerByTwiceThePlannedDays: share(sequentialByDouble, POWER_REPS),
    fixedHorizonPowerAtTwiceThePlannedDays: share(fixedAtDouble, POWER_REPS),
    sequentialMedianStopDay: stopDays.length > 0 ? stopDays[Math.floor(stopDays.length / 2)] : null,
    confidenceSequenceCoverage: share(covered, POWER_REPS),
  };
}

// Returning customers: orders arrive at a personal rate λ (orders per PRE_DAYS) drawn from a gamma whose small
// shape makes a few customers buy often, and each customer has a typical order value; both carry over from the
// pre-period into the experiment.
const PRE_DAYS = 56;
const EXPERIMENT_DAYS = 14;
const RATE_SHAPE = 0.1;
const RATE_SCALE = 3;
const SPEND_LOG_MEAN = 3.5;
const SPEND_LOG_SD = 0.5;
const ORDER_LOG_SD = 0.5;
const NEW_SHARE = 0.3;
const CUPED_USERS_PER_ARM = 20_000;

/** Knuth's Poisson sampler, halving large means so exp(−mean) stays representable. */
function poisson(rng: Rng, mean: number): number {
  if (mean > 30) return poisson(rng, mean / 2) + poisson(rng, mean / 2);
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}

interface Customer {
  preOrders: number | null;
  preRevenue: number | null;
  orders: number;
  revenue: number;
}

function customer(rng: Rng, treated: boolean): Customer {
  const rate = RATE_SCALE * sampleGamma(RATE_SHAPE, rng);
  const spend = SPEND_LOG_MEAN + SPEND_LOG_SD * rng.normal();
  const spent = (orders: number): number => {
    let total = 0;
    for (let k = 0; k < orders; k++) total += Math.exp(spend + ORDER_LOG_SD * rng.normal());
    return total;
  };
  const known = rng.next() >= NEW_SHARE;
  const preOrders = known ? poisson(rng, rate) : null;
  const orders = poisson(rng, ((rate * EXPERIMENT_DAYS) / PRE_DAYS) * (treated ? 1 + LIFT : 1));
  return { preOrders, preRevenue: preOrders === null ? null : spent(preOrders), orders, revenue: spent(orders) };
}

const CUPED_METRICS: Record<string, (c: Customer) => { x: number | null; y: number }> = {
  'conversion (x: converted in the pre-period)': (c) => ({
    x: c.preOrders === null ? null : Number(c.preOrders > 0),
    y: Number(c.orders > 0),
  }),
  'conversion (x: pre-period orders)': (c) => ({ x: c.preOrders, y: Number(c.orders > 0) }),
  'revenue per user (x: pre-period revenue)': (c) => ({ x: c.preRevenue, y: c.revenue }),
};

/** The true effects, from the model: conversion by averaging over rates, revenue in closed form. */
function cupedTruth(rng: Rng): Record<string, number> {
  let conversionDifference = 0;
  const draws = 2_000_000;
  const window = EXPERIMENT_DAYS / PRE_DAYS;
  for (let k = 0; k < draws; k++) {
    const rate = RATE_SCALE * sampleGamma(RATE_SHAPE, rng);
    conversionDifference += Math.exp(-rate * window) - Math.exp(-rate * window * (1 + LIFT));
  }
  const orderValue = Math.exp(SPEND_LOG_MEAN + (SPEND_LOG_SD ** 2 + ORDER_LOG_SD ** 2) / 2);
  const revenueDifference = RATE_SHAPE * RATE_SCALE * window * LIFT * orderValue;
  const [conversionByFlag, conversionByOrders, revenuePerUser] = Object.keys(CUPED_METRICS);
  const conversionTruth = conversionDifference / draws;
  return { [conversionByFlag]: conversionTruth, [conversionByOrders]: conversionTruth, [revenuePerUser]: revenueDifference };
}

interface CupedReplicates {
  raw: number[];
  adjusted: number[];
  reductions: number[];
  thetas: number[];
  controlMeans: number[];
}

/** 1 − Var(adjusted)/Var(raw) across experiments, with a bootstrap standard error over the experiments. */
function reductionAcross(rng: Rng, raw: number[], adjusted: number[]): { share: number; standardError: number } {
  const reduction = (indices: number[]): number =>
    1 - summarize(indices.map((i) => adjusted[i])).variance / summarize(indices.map((i) => raw[i])).variance;
  const resamples = Array.from({ length: 300 }, () => reduction(raw.map(() => rng.int(raw.length))));
  return { share: reduction(raw.map((_, i) => i)), standardError: Math.sqrt(summarize(resamples).variance) };
}

function cupedRow(rng: Rng, row: CupedReplicates, trueDifference: number) {
  const raw = summarize(row.raw);
  const adjusted = summarize(row.adjusted);
  const spread = (s: typeof raw) => ({ mean: s.mean, standardError: Math.sqrt(s.variance / s.n), sd: Math.sqrt(s.variance) });
  return {
    controlMean: summarize(row.controlMeans).mean,
    trueDifference,
    rawDifference: spread(raw),
    cupedDifference: spread(adjusted),
    varianceReductionWithinSample: summarize(row.reductions).mean,
    varianceReductionAcrossExperiments: reductionAcross(rng, row.raw, row.adjusted),
    theta: summarize(row.thetas).mean,
  };
}

function cupedSection(rng: Rng) {
  const truth = cupedTruth(rng);
  const rows: Record<string, CupedReplicates> = Object.fromEntries(
    Object.keys(CUPED_METRICS).map((name) => [name, { raw: [], adjusted: [], reductions: [], thetas: [], controlMeans: [] }]),
  );
  for (let r = 0; r < CUPED_REPS; r++) {
    const control = Array.from({ length: CUPED_USERS_PER_ARM }, () => customer(rng, false));
    const treatment = Array.from({ length: CUPED_USERS_PER_ARM }, () => customer(rng, true));
    for (const [name, metric] of Object.entries(CUPED_METRICS)) {
      const arms: CupedArm[] = [control, treatment].map((users) => {
        const values = users.map(metric);
        return { x: values.map((v) => v.x), y: values.map((v) => v.y) };
      });
      const result = cuped(arms);
      const row = rows[name];
      row.raw.push(welchDifference(summarize(arms[0].y), summarize(arms[1].y)).difference);
      row.adjusted.push(welchDifference(summarize(result.adjusted[0]), summarize(result.adjusted[1])).difference);
      row.reductions.push(result.varianceReduction);
      row.thetas.push(result.theta);
      row.controlMeans.push(summarize(arms[0].y).mean);
    }
  }
  return Object.fromEntries(Object.entries(rows).map(([name, row]) => [name, cupedRow(rng, row, truth[name])]));
}

function main(): void {
  const started = Date.now();
  const rng = createRng(SEED);
  const aa = aaSection(rng.fork());
  const power = powerSection(rng.fork());
  const cupedRows = cupedSection(rng.fork());
  const pct = (s: { rate: number; standardError: number }): string =>
    `${(100 * s.rate).toFixed(1)}% ± ${(100 * s.standardError).toFixed(1)}`;

  for (const [metric, r] of Object.entries(aa)) {
    console.log(`A/A ${metric}: ${STREAMS} streams × ${r.days} daily looks, ${r.usersPerDay} users/day`);
    console.log(`  mSPRT false positives      ${pct(r.sequentialFalsePositive)}`);
    console.log(`  Welch peeked daily         ${pct(r.peekedWelchFalsePositive)}`);
    console.log(`  Welch at the last day only ${pct(r.finalWelchFalsePositive)}`);
    console.log(`  SRM false alarms (p<0.001) ${pct(r.srmFalseAlarm)}`);
  }
  console.log(
    `A/B conversion ${BASE_RATE} → ${(BASE_RATE * (1 + LIFT)).toFixed(4)}: plan ${power.plan.sampleSizePerArm} users/arm over ${power.plan.days} days`,
  );
  console.log(`  fixed-horizon Welch power at the planned size   ${pct(power.fixedHorizonPower)}`);
  console.log(`  mSPRT power by the planned day                  ${pct(power.sequentialPowerByPlannedDay)}`);
  console.log(
    `  mSPRT power by twice the planned days           ${pct(power.sequentialPowerByTwiceThePlannedDays)} (median stop day ${power.sequentialMedianStopDay})`,
  );
  console.log(`  fixed-horizon Welch power at twice the size     ${pct(power.fixedHorizonPowerAtTwiceThePlannedDays)}`);
  console.log(`  confidence sequence covered the truth each day  ${pct(power.confidenceSequenceCoverage)}`);
  console.log(`CUPED, ${CUPED_REPS} experiments × ${CUPED_USERS_PER_ARM} users/arm, ${100 * NEW_SHARE}% new users without a pre-period:`);
  for (const [name, r] of Object.entries(cupedRows)) {
    console.log(`  ${name}: control mean ${r.controlMean.toPrecision(4)}, θ ${r.theta.toPrecision(3)}`);
    console.log(
      `    variance reduction ${(100 * r.varianceReductionWithinSample).toFixed(1)}% within sample, ${(100 * r.varianceReductionAcrossExperiments.share).toFixed(1)}% ± ${(100 * r.varianceReductionAcrossExperiments.standardError).toFixed(1)} across experiments`,
    );
    console.log(
      `    difference: true ${r.trueDifference.toPrecision(4)}, raw ${r.rawDifference.mean.toPrecision(4)} ± ${r.rawDifference.standardError.toPrecision(2)}, CUPED ${r.cupedDifference.mean.toPrecision(4)} ± ${r.cupedDifference.standardError.toPrecision(2)}`,
    );
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(`${seconds.toFixed(0)} s`);

  mkdirSync('bench/results', { recursive: true });
  const result = {
    seed: SEED,
    alpha: ALPHA,
    scenario: { baseRate: BASE_RATE, relativeLift: LIFT, dailyEligibleUsers: DAILY_ELIGIBLE_USERS, revenueLogMean: REVENUE_LOG_MEAN },
    aa,
    power,
    cuped: {
      usersPerArm: CUPED_USERS_PER_ARM,
      experiments: CUPED_REPS,
      model: { PRE_DAYS, EXPERIMENT_DAYS, RATE_SHAPE, RATE_SCALE, SPEND_LOG_MEAN, SPEND_LOG_SD, ORDER_LOG_SD, NEW_SHARE },
      metrics: cupedRows,
    },
    seconds,
  };
  writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${OUT}`);
}

main();
