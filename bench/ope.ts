/**
 * Off-policy evaluation on the Open Bandit Dataset sample (men's campaign): estimate the Bernoulli TS
 * policy's CTR from the uniform-Random logs and compare with the CTR BTS had in its own logs.
 * Run: node --import tsx bench/ope.ts [--resamples 30] [--seed 1]. Writes bench/results/ope.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRng } from '../src/core/index.js';
import {
  empiricalDistribution,
  fitBetaArms,
  readObdLogs,
  simulateBernoulliTs,
  validateOnObd,
  type ObdValidation,
  type PositionItemDistribution,
} from '../src/eval/index.js';

const ROOT = process.env.CURIO_OBD_DIR ?? '/work/shared/datasets/open-bandit-small';
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const RESAMPLES = arg('resamples', 30);
const SEED = arg('seed', 1);
const LOGISTIC = { l2: 1, iterations: 100, learningRate: 0.05 };
const TS = { concentration: 1000, iterations: 40, drawsPerIteration: 4000, simulationDraws: 100_000 };
const PUBLISHED = { source: 'zr-obp examples/obd README, campaign all, small sample, 30 bootstraps', dm: 0.1569, ipw: 0.3111, snipw: 0.3118, dr: 0.2925, 'switch-dr': 0.2584, dros: 0.1595 };

const random = readObdLogs(`${ROOT}/random/men`);
const bts = readObdLogs(`${ROOT}/bts/men`);
const clicks = bts.records.reduce((s, r) => s + r.click, 0);
const truth = clicks / bts.records.length;
const empirical = empiricalDistribution(bts);
const share = empirical[0].map((_, i) => empirical.reduce((s, slot) => s + slot[i], 0) / bts.slateSize);
const arms = fitBetaArms({ targetShare: share, slateSize: bts.slateSize, concentration: TS.concentration, iterations: TS.iterations, drawsPerIteration: TS.drawsPerIteration, rng: createRng(SEED) });
const simulate = (positionMode: 'ranked' | 'shuffled'): PositionItemDistribution =>
  simulateBernoulliTs(arms, { slateSize: bts.slateSize, draws: TS.simulationDraws, positionMode, rng: createRng(SEED + 1) });

/** Root-mean-square gap between a distribution and the BTS logs' empirical (slot, item) shares. */
function fitGap(dist: PositionItemDistribution): number {
  let sq = 0;
  let n = 0;
  dist.forEach((slot, p) => slot.forEach((v, i) => {
    sq += (v - empirical[p][i]) ** 2;
    n++;
  }));
  return Math.sqrt(sq / n);
}

const policies: Record<string, { description: string; dist: PositionItemDistribution }> = {
  'bts-simulated-shuffled': { description: 'Bernoulli TS with Beta arms fitted to the BTS logs; top-3 draws shown in random slot order (primary)', dist: simulate('shuffled') },
  'bts-simulated-ranked': { description: 'same arms; slot p = p-th largest draw (OBP compute_batch_action_dist order)', dist: simulate('ranked') },
  'bts-empirical': { description: 'reference: share of each item per slot in the BTS logs, no simulation', dist: empirical },
};

const results: Record<string, ObdValidation & { description: string; fitGapRmse: number; seconds: number }> = {};
for (const [name, { description, dist }] of Object.entries(policies)) {
  const started = Date.now();
  const v = validateOnObd(random, truth, dist, { resamples: RESAMPLES, seed: SEED, logistic: LOGISTIC });
  results[name] = { description, fitGapRmse: fitGap(dist), seconds: (Date.now() - started) / 1000, ...v };
  console.log(`\n${name} (${description}); fit gap RMSE ${fitGap(dist).toFixed(4)}; ${results[name].seconds.toFixed(0)} s`);
  console.table(Object.fromEntries(Object.entries(v.estimators).map(([k, e]) => [k, {
    'rel. error mean': +e.meanRelativeError.toFixed(3),
    'rel. error sd': +e.sdRelativeError.toFixed(3),
    'full-sample estimate': +e.fullSampleEstimate.toFixed(5),
    'mean bootstrap estimate': +e.meanEstimate.toFixed(5),
  }])));
}

const primary = results['bts-simulated-shuffled'].estimators;
const best = Object.entries(primary).sort((a, b) => a[1].meanRelativeError - b[1].meanRelativeError)[0];
console.log(`ground truth (BTS on-policy CTR) ${truth.toFixed(5)} (${clicks} clicks / ${bts.records.length}; binomial sd ${Math.sqrt((truth * (1 - truth)) / bts.records.length).toFixed(5)}); Random CTR ${results['bts-empirical'].behaviorCtr.toFixed(5)}`);
console.log(`best estimator (primary): ${best[0]} relative error ${best[1].meanRelativeError.toFixed(3)} ± ${best[1].sdRelativeError.toFixed(3)} (target ≤ 0.15)`);

mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/ope.json', JSON.stringify({
  dataset: 'open-bandit-small men (10,000 Random + 10,000 BTS impressions)',
  groundTruthCtr: truth,
  groundTruthClicks: clicks,
  groundTruthBinomialSd: Math.sqrt((truth * (1 - truth)) / bts.records.length),
  behaviorClicks: random.records.reduce((s, r) => s + r.click, 0),
  // Click counts are Poisson-like: the ratio estimate/truth cannot be steadier than √(1/clicks_b + 1/clicks_e).
  samplingNoiseRelativeSd: Math.sqrt(1 / random.records.reduce((s, r) => s + r.click, 0) + 1 / clicks),
  resamples: RESAMPLES,
  seed: SEED,
  rewardModel: { kind: 'logistic regression', ...LOGISTIC },
  thompsonSimulation: TS,
  best: { policy: 'bts-simulated-shuffled', estimator: best[0], meanRelativeError: best[1].meanRelativeError, sdRelativeError: best[1].sdRelativeError },
  published: PUBLISHED,
  results,
}, null, 2) + '\n');
console.log('wrote bench/results/ope.json');
