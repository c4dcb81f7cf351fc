/**
 * Off-policy evaluation on the Open Bandit Dataset sample (men's campaign): estimate the Bernoulli TS
 * policy's CTR from the uniform-Random logs and compare with the CTR BTS had in its own logs; then a
 * parametric simulation of the same protocol gives the noise floor at these sample sizes.
 * Run: node --import tsx bench/ope.ts [--resamples 30] [--seed 1] [--floor-replicates 100].
 * Writes bench/results/ope.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRng } from '../src/core/index.js';
import {
  countSlotItems,
  empiricalDistribution,
  fitBetaArms,
  fitPositionModel,
  loggedPropensityDistribution,
  logisticVariant,
  noiseFloor,
  POSITION_MODEL_VARIANTS,
  readObdLogs,
  simulateBernoulliTs,
  SLOT_IPS_VARIANT,
  slotShares,
  tiltedWorld,
  validateOnObd,
  type AttractionPrior,
  type NoiseFloor,
  type ObdRecord,
  type ObdValidation,
  type PositionItemDistribution,
} from '../src/eval/index.js';
import { datasetPath } from './datasets.js';

// CURIO_OBD_DIR: another Open Bandit Dataset folder (with random/men and bts/men), else the one in CURIO_DATASETS.
const ROOT = process.env.CURIO_OBD_DIR ?? datasetPath('open-bandit-small');
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const RESAMPLES = arg('resamples', 30);
const SEED = arg('seed', 1);
const FLOOR_REPLICATES = arg('floor-replicates', 100);
const TARGET = 0.15;
const LOGISTIC = { l2: 1, iterations: 100, learningRate: 0.05 };
const TS = { concentration: 1000, iterations: 40, drawsPerIteration: 4000, simulationDraws: 100_000 };
const PUBLISHED = {
  source: 'zr-obp examples/obd README, campaign all, small sample, 30 bootstraps',
  dm: 0.1569,
  ipw: 0.3111,
  snipw: 0.3118,
  dr: 0.2925,
  'switch-dr': 0.2584,
  dros: 0.1595,
};
const started = Date.now();

const random = readObdLogs(`${ROOT}/random/men`);
const bts = readObdLogs(`${ROOT}/bts/men`);
const clicks = bts.records.reduce((s, r) => s + r.click, 0);
const behaviorClicks = random.records.reduce((s, r) => s + r.click, 0);
const truth = clicks / bts.records.length;
const shape = { slateSize: bts.slateSize, itemCount: bts.itemCount };
const empirical = empiricalDistribution(bts);
const share = empirical[0].map((_, i) => empirical.reduce((s, slot) => s + slot[i], 0) / bts.slateSize);
const arms = fitBetaArms({
  targetShare: share,
  slateSize: bts.slateSize,
  concentration: TS.concentration,
  iterations: TS.iterations,
  drawsPerIteration: TS.drawsPerIteration,
  rng: createRng(SEED),
});
const simulate = (positionMode: 'ranked' | 'shuffled'): PositionItemDistribution =>
  simulateBernoulliTs(arms, { slateSize: bts.slateSize, draws: TS.simulationDraws, positionMode, rng: createRng(SEED + 1) });

/** Root-mean-square gap between a distribution and the BTS logs' empirical (slot, item) shares. */
function fitGap(dist: PositionItemDistribution): number {
  const gaps = dist.flatMap((slot, p) => slot.map((v, i) => (v - empirical[p][i]) ** 2));
  return Math.sqrt(gaps.reduce((a, b) => a + b, 0) / gaps.length);
}

const policies: Record<string, { description: string; dist: PositionItemDistribution }> = {
  'bts-simulated-shuffled': {
    description: 'Bernoulli TS with Beta arms fitted to the BTS logs; top-3 draws shown in random slot order (primary)',
    dist: simulate('shuffled'),
  },
  'bts-simulated-ranked': {
    description: 'same arms; slot p = p-th largest draw (OBP compute_batch_action_dist order)',
    dist: simulate('ranked'),
  },
  'bts-empirical': { description: 'reference: share of each item per slot in the BTS logs, no simulation', dist: empirical },
};
const PRIMARY = 'bts-simulated-shuffled';
const variants = [logisticVariant({ logistic: LOGISTIC }), ...POSITION_MODEL_VARIANTS];

const results: Record<string, ObdValidation & { description: string; fitGapRmse: number; seconds: number }> = {};
for (const [name, { description, dist }] of Object.entries(policies)) {
  const t0 = Date.now();
  const v = validateOnObd(random, truth, dist, { resamples: RESAMPLES, seed: SEED, variants });
  results[name] = { description, fitGapRmse: fitGap(dist), seconds: (Date.now() - t0) / 1000, ...v };
  console.log(`${name}: fit gap RMSE ${fitGap(dist).toFixed(4)}; ${results[name].seconds.toFixed(0)} s`);
}

// Noise floor: simulated worlds (click models) in which the same protocol is run many times.
const pbm = (rows: ObdRecord[], prior: AttractionPrior) => fitPositionModel(countSlotItems(rows, shape), { prior });
const asCtr = (m: ReturnType<typeof pbm>): number[][] => m.slotRate.map((_, p) => m.attraction.map((_a, a) => m.ctr(a, p)));
const floorBase = {
  evalDist: policies[PRIMARY].dist,
  behaviorDist: loggedPropensityDistribution(random.records, shape),
  behaviorSlotShares: slotShares(random.records, shape.slateSize),
  evalSlotShares: slotShares(bts.records, shape.slateSize),
};
const randomModel = pbm(random.records, { kind: 'fixed', shape: 1 });
const worlds: Record<string, { description: string; ctr: number[][]; exponent?: number }> = {
  'random-pbm': { description: 'PBM (prior shape 1) fitted on the Random logs', ctr: asCtr(randomModel) },
  'both-logs-pbm': {
    description: 'PBM (empirical-Bayes prior) fitted on the Random and BTS logs together',
    ctr: asCtr(pbm([...random.records, ...bts.records], { kind: 'empirical-bayes' })),
  },
  'random-pbm-matched': {
    description:
      'the Random-logs PBM with attractions raised to a power and rescaled so that the expected click counts are the observed 46 (Random) and 69 (BTS)',
    ...tiltedWorld({
      ...floorBase,
      slotRate: randomModel.slotRate,
      attraction: randomModel.attraction,
      behaviorCtr: behaviorClicks / random.records.length,
      policyValue: truth,
    }),
  },
};
const floors: Record<string, NoiseFloor & { description: string; exponent?: number; seconds: number }> = {};
for (const [name, world] of Object.entries(worlds)) {
  const t0 = Date.now();
  const floor = noiseFloor({
    ...floorBase,
    ctr: world.ctr,
    behaviorRows: random.records.length,
    evalRows: bts.records.length,
    replicates: FLOOR_REPLICATES,
    resamples: RESAMPLES,
    seed: SEED + 100,
    variants: [SLOT_IPS_VARIANT, ...POSITION_MODEL_VARIANTS],
    threshold: TARGET,
  });
  floors[name] = { description: world.description, exponent: world.exponent, seconds: (Date.now() - t0) / 1000, ...floor };
  console.log(
    `floor world ${name}: value ${floor.policyValue.toFixed(5)}, behaviour CTR ${floor.behaviorCtr.toFixed(5)}, oracle-exact ${floor.oracleExact.mean.toFixed(3)}, oracle-level ${floor.oracleLevel.mean.toFixed(3)} (${floors[name].seconds.toFixed(0)} s)`,
  );
}

const f3 = (x: number): number => +x.toFixed(3);
const primary = results[PRIMARY].estimators;
const summary = Object.fromEntries(
  Object.entries(primary).map(([k, e]) => [
    k,
    {
      meanRelativeError: e.meanRelativeError,
      sdRelativeError: e.sdRelativeError,
      fullSampleEstimate: e.fullSampleEstimate,
      floor: Object.fromEntries(Object.entries(floors).map(([w, f]) => [w, f.estimators[k] ?? null])),
    },
  ]),
);
console.log(
  `\n${PRIMARY}: relative error over ${RESAMPLES} resamples; floor = same estimator in the simulated worlds (mean over ${FLOOR_REPLICATES} replicates)`,
);
console.table(
  Object.fromEntries(
    Object.entries(summary).map(([k, s]) => [
      k,
      {
        'rel. error': f3(s.meanRelativeError),
        sd: f3(s.sdRelativeError),
        'full-sample est.': +s.fullSampleEstimate.toFixed(5),
        ...Object.fromEntries(Object.entries(s.floor).map(([w, f]) => [`floor ${w}`, f ? f3(f.mean) : '—'])),
      },
    ]),
  ),
);
console.table(
  Object.fromEntries(
    ['oracleExact', 'oracleLevel'].map((o) => [
      o,
      Object.fromEntries(
        Object.entries(floors).map(([w, f]) => {
          const s = o === 'oracleExact' ? f.oracleExact : f.oracleLevel;
          return [
            w,
            `${s.mean.toFixed(3)} (p10 ${s.p10.toFixed(3)}, p90 ${s.p90.toFixed(3)}, ≤${TARGET}: ${(100 * s.shareAtOrBelowThreshold).toFixed(0)}%)`,
          ];
        }),
      ),
    ]),
  ),
);
const best = Object.entries(primary).sort((a, b) => a[1].meanRelativeError - b[1].meanRelativeError)[0];
console.log(
  `ground truth ${truth.toFixed(5)} (${clicks} clicks / ${bts.records.length}); Random CTR ${results[PRIMARY].behaviorCtr.toFixed(5)} (${behaviorClicks} clicks)`,
);
console.log(
  `best estimator (primary): ${best[0]} ${best[1].meanRelativeError.toFixed(3)} ± ${best[1].sdRelativeError.toFixed(3)} (target ≤ ${TARGET}); total ${((Date.now() - started) / 1000).toFixed(0)} s`,
);

mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/ope.json',
  JSON.stringify(
    {
      dataset: 'open-bandit-small men (10,000 Random + 10,000 BTS impressions)',
      groundTruthCtr: truth,
      groundTruthClicks: clicks,
      groundTruthBinomialSd: Math.sqrt((truth * (1 - truth)) / bts.records.length),
      behaviorClicks,
      // Click counts are Poisson-like: the ratio estimate/truth cannot be steadier than √(1/clicks_b + 1/clicks_e).
      samplingNoiseRelativeSd: Math.sqrt(1 / behaviorClicks + 1 / clicks),
      resamples: RESAMPLES,
      seed: SEED,
      target: TARGET,
      rewardModels: {
        logistic: { keys: 'dm ips snips dr sndr switch-dr dros', ...LOGISTIC },
        'pbm-eb': 'position-based model θ_slot·α_item, Gamma prior on α with its shape by empirical Bayes (marginal likelihood)',
        'pbm-k1': 'position-based model, fixed Gamma prior shape 1',
        pooled: 'importance weights pooled over slots under the PBM (θ from pbm-eb), pbm-eb as control variate',
      },
      thompsonSimulation: TS,
      best: { policy: PRIMARY, estimator: best[0], meanRelativeError: best[1].meanRelativeError, sdRelativeError: best[1].sdRelativeError },
      published: PUBLISHED,
      summary,
      noiseFloor: { replicates: FLOOR_REPLICATES, resamples: RESAMPLES, policy: PRIMARY, worlds: floors },
      results,
    },
    null,
    2,
  ) + '\n',
);
console.log('wrote bench/results/ope.json');
