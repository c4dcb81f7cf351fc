/**
 * Curio's experiment results on the synthetic shop, where the truth is known:
 * - A/A: replicates with a fresh experiment id each (Curio's assignment hash splits the shop's users), read
 *   every simulated day as `GET …/results` reads them (CUPED, then the always-valid mSPRT): the share that
 *   ever call a difference, next to Welch's test peeked at daily and read once at the end.
 * - A/B: a true +5% relative lift in conversion, at the size the planner recommends for the sequential test
 *   from the known baseline, and from the pre-period's conversion as a shop would plan: the share detected by
 *   the end (power).
 * - CUPED: variance removed on conversion and revenue per user by the shoppers' pre-period purchases.
 * Writes bench/results/experiments.json.
 *
 *   node --import tsx bench/experiments.ts [--seed 7] [--users 40000] [--days 28] [--aa 500] [--ab 500]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createProgress, createRng } from '../src/core/index.js';
import { createShop } from '../src/eval/simulator/index.js';
import { planExperiment } from '../src/experiments/index.js';
import { runReplicate, type BenchMetric, type MetricTrace } from './experiments/replicate.js';
import { experimentPopulation } from './experiments/shop-users.js';

const OUT = 'bench/results/experiments.json';
const { values: args } = parseArgs({
  options: {
    seed: { type: 'string', default: '7' },
    users: { type: 'string', default: '40000' },
    days: { type: 'string', default: '28' },
    aa: { type: 'string', default: '500' },
    ab: { type: 'string', default: '500' },
  },
});
const SEED = Number(args.seed);
const DAYS = Number(args.days);
const LIFT = 0.05;
const ALPHA = 0.05;

const share = (traces: MetricTrace[], hit: (t: MetricTrace) => boolean): number => traces.filter(hit).length / traces.length;
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

async function main(): Promise<void> {
  const started = Date.now();
  // Warm-up, pre-period, experiment: the pre-period is a stretch of the shop's steady state like the experiment,
  // not its first days, when every shopper is new.
  const shop = createShop({ seed: SEED, users: Number(args.users), days: 3 * DAYS });
  const reading = createProgress({ label: 'shop events', unit: 'events', total: shop.estimatedEventCount });
  let last = 0;
  const population = experimentPopulation(shop, DAYS, (n) => {
    reading.tick(n - last);
    last = n;
  });
  reading.stop();
  const baseConversion = population.users.filter((u) => u.conversionDay !== Infinity).length / population.users.length;
  console.log(
    `${population.users.length} shoppers visit in the ${DAYS}-day experiment period; ${pct(baseConversion)} buy in it ` +
      `(pre-period: ${pct(population.preConversion)}); mean order ${population.meanOrderValue.toFixed(2)}`,
  );
  // The planner is checked where the truth is known: with the baseline the experiment will measure (the
  // untreated shoppers' conversion over the experiment period). A shop plans on its last period instead; that
  // plan is run too, to show what a mis-estimated baseline costs.
  const planFor = (baselineRate: number, test: 'fixed' | 'sequential') =>
    planExperiment({ metric: { kind: 'proportion', baselineRate }, minimumRelativeEffect: LIFT, alpha: ALPHA, test });
  const plans = {
    knownBaseline: {
      baselineRate: baseConversion,
      sequential: planFor(baseConversion, 'sequential'),
      fixedHorizon: planFor(baseConversion, 'fixed'),
    },
    prePeriodBaseline: {
      baselineRate: population.preConversion,
      sequential: planFor(population.preConversion, 'sequential'),
      fixedHorizon: planFor(population.preConversion, 'fixed'),
    },
  };
  const plan = plans.knownBaseline.sequential;
  const sampleUsers = 2 * plan.sampleSizePerArm;
  if (sampleUsers > population.users.length) {
    throw new Error(`the plan needs ${sampleUsers} users, the shop has ${population.users.length}: raise --users`);
  }
  for (const [name, p] of Object.entries(plans)) {
    console.log(
      `planner on the ${name} ${pct(p.baselineRate)}, +${LIFT * 100}%: ${p.sequential.sampleSizePerArm} users per arm for the sequential test ` +
        `(fixed horizon: ${p.fixedHorizon.sampleSizePerArm})`,
    );
  }

  const rng = createRng(SEED);
  const run = async (
    label: string,
    reps: number,
    users: number,
    lift: number,
    metrics: BenchMetric[],
  ): Promise<Record<BenchMetric, MetricTrace[]>> => {
    const progress = createProgress({ label, unit: 'experiments', total: reps });
    const traces = { conversion: [], revenue: [] } as Record<BenchMetric, MetricTrace[]>;
    for (let r = 0; r < reps; r++) {
      const result = runReplicate(
        population,
        { experimentId: `${label}-${SEED}-${r}`, users, lift, baseConversion, minimumDetectableEffect: LIFT, metrics },
        rng.fork(),
      );
      for (const m of metrics) traces[m].push(result[m]);
      progress.tick();
      // The bar draws on a timer (a line every few seconds off a terminal): let it run between replicates.
      await new Promise(setImmediate);
    }
    progress.stop();
    return traces;
  };
  const aa = await run('aa', Number(args.aa), sampleUsers, 0, ['conversion', 'revenue']);
  const powerAt = async (label: string, usersPerArm: number) => {
    const c = (await run(label, Number(args.ab), 2 * usersPerArm, LIFT, ['conversion'])).conversion;
    const days = c.flatMap((t) => (t.sequentialDay === null ? [] : [t.sequentialDay + 1])).sort((a, b) => a - b);
    return {
      replicates: c.length,
      trueRelativeLift: LIFT,
      usersPerArm,
      sequentialPower: share(c, (t) => t.sequentialDay !== null),
      sequentialPowerWithoutCuped: share(c, (t) => t.sequentialNoCupedEver),
      fixedHorizonPowerAtEnd: share(c, (t) => t.fixedAtEnd),
      medianDetectionDay: days.length > 0 ? days[Math.floor(days.length / 2)] : null,
    };
  };
  const aaSummary = Object.fromEntries(
    (['conversion', 'revenue'] as const).map((m) => [
      m,
      {
        replicates: aa[m].length,
        usersPerExperiment: sampleUsers,
        sequentialFalsePositive: share(aa[m], (t) => t.sequentialDay !== null),
        sequentialWithoutCupedFalsePositive: share(aa[m], (t) => t.sequentialNoCupedEver),
        peekedWelchFalsePositive: share(aa[m], (t) => t.peekedDay !== null),
        finalWelchFalsePositive: share(aa[m], (t) => t.fixedAtEnd),
        cupedVarianceReduction: mean(aa[m].map((t) => t.varianceReduction ?? 0)),
      },
    ]),
  );
  const power = {
    knownBaseline: await powerAt('ab', plan.sampleSizePerArm),
    prePeriodBaseline: await powerAt('ab-pre', plans.prePeriodBaseline.sequential.sampleSizePerArm),
  };

  for (const m of ['conversion', 'revenue'] as const) {
    const s = aaSummary[m];
    console.log(`A/A ${m}: ${s.replicates} experiments × ${DAYS} daily looks, ${sampleUsers} users each`);
    console.log(`  always-valid (CUPED + mSPRT), as the results report it  ${pct(s.sequentialFalsePositive)}`);
    console.log(`  always-valid without CUPED                               ${pct(s.sequentialWithoutCupedFalsePositive)}`);
    console.log(`  Welch peeked daily                                       ${pct(s.peekedWelchFalsePositive)}`);
    console.log(`  Welch at the last day only                               ${pct(s.finalWelchFalsePositive)}`);
    console.log(`  CUPED variance reduction                                 ${pct(s.cupedVarianceReduction)}`);
  }
  for (const [name, p] of Object.entries(power)) {
    console.log(`A/B +${LIFT * 100}% conversion, planned on the ${name}: ${p.usersPerArm} users per arm, ${p.replicates} experiments`);
    console.log(`  always-valid power (CUPED + mSPRT)  ${pct(p.sequentialPower)}  (median detection day ${p.medianDetectionDay})`);
    console.log(`  always-valid power without CUPED    ${pct(p.sequentialPowerWithoutCuped)}`);
    console.log(`  Welch at the last day               ${pct(p.fixedHorizonPowerAtEnd)}`);
  }

  mkdirSync('bench/results', { recursive: true });
  const result = {
    bench: 'experiments',
    command: `node --import tsx bench/experiments.ts --seed ${SEED} --users ${args.users} --days ${DAYS} --aa ${args.aa} --ab ${args.ab}`,
    shop: {
      seed: SEED,
      users: Number(args.users),
      days: 3 * DAYS,
      events: population.events,
      experimentUsers: population.users.length,
      conversionInExperimentPeriod: baseConversion,
      preConversion: population.preConversion,
      meanOrderValue: population.meanOrderValue,
    },
    plans: { ...plans, minimumRelativeEffect: LIFT, alpha: ALPHA },
    aa: aaSummary,
    ab: power,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${OUT}`);
}

await main();
