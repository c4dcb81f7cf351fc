/**
 * Off-policy evaluation on an Open Bandit Dataset campaign (the men's sample by default): estimate the
 * Bernoulli TS policy's CTR from the uniform-Random logs and compare with the CTR BTS had in its own logs;
 * the report's 95% intervals and SLOPE's pick on the full sample; then a parametric simulation of the same
 * protocol gives the noise floor at these sample sizes.
 * Run: npm run bench:ope [-- <obd>/random/<campaign> | --root <obd> --campaign <name>] [--resamples 30]
 *      [--seed 1] [--floor-replicates 100] [--out file]. Writes bench/results/ope.json for the men's sample in
 * CURIO_DATASETS, bench/results/ope-<campaign>.json for any other campaign folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRng, CurioError } from '../src/core/index.js';
import {
  countSlotItems,
  empiricalDistribution,
  ESTIMATORS,
  estimateWithInterval,
  fitBetaArms,
  fitPositionModel,
  loggedPropensityDistribution,
  logisticVariant,
  noiseFloor,
  obdRoundsWithTrace,
  POSITION_MODEL_VARIANTS,
  readObdLogs,
  selectBySlope,
  simulateBernoulliTs,
  SLOPE_CANDIDATES,
  SLOT_IPS_VARIANT,
  slotShares,
  tiltedWorld,
  validateOnObd,
  Z95,
  type AttractionPrior,
  type IntervalEstimate,
  type NoiseFloor,
  type ObdRecord,
  type ObdValidation,
  type PositionItemDistribution,
} from '../src/eval/index.js';
import { datasetPath, portablePath } from './datasets.js';

const TARGET = 0.15;
const LOGISTIC = { l2: 1, iterations: 100, learningRate: 0.05 };
const THOMPSON = { concentration: 1000, iterations: 40, drawsPerIteration: 4000, simulationDraws: 100_000 };
const PUBLISHED = {
  source: 'zr-obp examples/obd README, campaign all, small sample, 30 bootstraps',
  dm: 0.1569,
  ipw: 0.3111,
  snipw: 0.3118,
  dr: 0.2925,
  'switch-dr': 0.2584,
  dros: 0.1595,
};
const PRIMARY = 'bts-simulated-shuffled';

export interface OpeBenchOptions {
  /** The campaign's folders, e.g. <obd>/random/men and <obd>/bts/men. */
  random: string;
  bts: string;
  resamples: number;
  seed: number;
  floorReplicates: number;
  /** Bernoulli-TS fit and simulation sizes (smaller in tests). */
  thompson?: typeof THOMPSON;
  /** One line per finished step. */
  log?: (line: string) => void;
}

/** A floor world the tilt could not build, and why. */
interface UnavailableWorld {
  description: string;
  unavailable: string;
}
type FloorWorld = NoiseFloor & { description: string; exponent?: number; seconds: number };

/** The report's estimator with its interval, and whether the interval holds the on-policy CTR. */
type IntervalCheck = IntervalEstimate & { containsTruth: boolean };

/**
 * Every estimator's and SLOPE's 95% interval on the full Random sample for the primary BTS distribution, as
 * `offPolicyReport` computes them (the logistic reward model's fitting noise included). OBD rows carry no
 * user id, so each impression is its own unit.
 */
function fullSampleIntervals(random: ReturnType<typeof readObdLogs>, dist: PositionItemDistribution, truth: number, truthRows: number) {
  const { rounds, trace } = obdRoundsWithTrace(random, dist, { logistic: LOGISTIC });
  const at = (name: string): IntervalCheck => {
    const e = estimateWithInterval(name, rounds, { method: 'normal', clusters: null, trace });
    return { ...e, containsTruth: e.lower <= truth && truth <= e.upper };
  };
  const estimators = Object.fromEntries(Object.keys(ESTIMATORS).map((n) => [n, at(n)]));
  const candidates = Object.fromEntries(SLOPE_CANDIDATES.map((n) => [n, at(n)]));
  const selection = selectBySlope(candidates);
  const truthStdError = Math.sqrt((truth * (1 - truth)) / truthRows);
  const chosen = selection.chosen ? { estimator: selection.chosen, ...candidates[selection.chosen] } : null;
  return {
    unit: 'impression (OBD rows carry no user id)',
    chosen: chosen && {
      ...chosen,
      // The ground truth is itself a click rate on 10,000 rows: does its own 95% interval meet ours?
      overlapsTruthInterval: chosen.lower <= truth + Z95 * truthStdError && truth - Z95 * truthStdError <= chosen.upper,
    },
    truthInterval: { lower: truth - Z95 * truthStdError, upper: truth + Z95 * truthStdError },
    slopeOrder: selection.order,
    estimators,
    slopeCandidates: candidates,
  };
}

/** The whole bench on one campaign; returns what bench/results/ope.json holds. */
export async function opeBench(o: OpeBenchOptions) {
  const log = o.log ?? (() => {});
  const started = Date.now();
  const ts = o.thompson ?? THOMPSON;
  const random = readObdLogs(o.random);
  const bts = readObdLogs(o.bts);
  const clicks = bts.records.reduce((s, r) => s + r.click, 0);
  const behaviorClicks = random.records.reduce((s, r) => s + r.click, 0);
  const truth = clicks / bts.records.length;
  const shape = { slateSize: bts.slateSize, itemCount: Math.max(bts.itemCount, random.itemCount) };
  const empirical = empiricalDistribution(bts);
  const share = empirical[0].map((_, i) => empirical.reduce((s, slot) => s + slot[i], 0) / bts.slateSize);
  const arms = fitBetaArms({
    targetShare: share,
    slateSize: bts.slateSize,
    concentration: ts.concentration,
    iterations: ts.iterations,
    drawsPerIteration: ts.drawsPerIteration,
    rng: createRng(o.seed),
  });
  const simulate = (positionMode: 'ranked' | 'shuffled'): PositionItemDistribution =>
    simulateBernoulliTs(arms, { slateSize: bts.slateSize, draws: ts.simulationDraws, positionMode, rng: createRng(o.seed + 1) });
  /** Root-mean-square gap between a distribution and the BTS logs' empirical (slot, item) shares. */
  const fitGap = (dist: PositionItemDistribution): number => {
    const gaps = dist.flatMap((slot, p) => slot.map((v, i) => (v - empirical[p][i]) ** 2));
    return Math.sqrt(gaps.reduce((a, b) => a + b, 0) / gaps.length);
  };
  const policies: Record<string, { description: string; dist: PositionItemDistribution }> = {
    [PRIMARY]: {
      description: 'Bernoulli TS with Beta arms fitted to the BTS logs; top-3 draws shown in random slot order (primary)',
      dist: simulate('shuffled'),
    },
    'bts-simulated-ranked': {
      description: 'same arms; slot p = p-th largest draw (OBP compute_batch_action_dist order)',
      dist: simulate('ranked'),
    },
    'bts-empirical': { description: 'reference: share of each item per slot in the BTS logs, no simulation', dist: empirical },
  };
  const variants = [logisticVariant({ logistic: LOGISTIC }), ...POSITION_MODEL_VARIANTS];

  const results: Record<string, ObdValidation & { description: string; fitGapRmse: number; seconds: number }> = {};
  for (const [name, { description, dist }] of Object.entries(policies)) {
    const t0 = Date.now();
    const v = validateOnObd(random, truth, dist, { resamples: o.resamples, seed: o.seed, variants });
    results[name] = { description, fitGapRmse: fitGap(dist), seconds: (Date.now() - t0) / 1000, ...v };
    log(`${name}: fit gap RMSE ${fitGap(dist).toFixed(4)}; ${results[name].seconds.toFixed(0)} s`);
  }
  const intervals = fullSampleIntervals(random, policies[PRIMARY].dist, truth, bts.records.length);
  log(`intervals: SLOPE picks ${intervals.chosen?.estimator ?? 'nothing'}`);

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
  const matched = `the Random-logs PBM with attractions raised to a power and rescaled so that the expected click counts are the observed ${behaviorClicks} (Random) and ${clicks} (BTS)`;
  const worlds: Record<string, { description: string; ctr: number[][]; exponent?: number } | UnavailableWorld> = {
    'random-pbm': { description: 'PBM (prior shape 1) fitted on the Random logs', ctr: asCtr(randomModel) },
    'both-logs-pbm': {
      description: 'PBM (empirical-Bayes prior) fitted on the Random and BTS logs together',
      ctr: asCtr(pbm([...random.records, ...bts.records], { kind: 'empirical-bayes' })),
    },
    'random-pbm-matched': (() => {
      try {
        const tilt = { ...floorBase, slotRate: randomModel.slotRate, attraction: randomModel.attraction };
        return {
          description: matched,
          ...tiltedWorld({ ...tilt, behaviorCtr: behaviorClicks / random.records.length, policyValue: truth }),
        };
      } catch (cause) {
        // A campaign whose click counts no tilt of this model reproduces: that floor is reported missing, not a crash.
        if (!(cause instanceof CurioError && cause.code === 'BAD_INPUT')) throw cause;
        return { description: matched, unavailable: cause.message };
      }
    })(),
  };
  const floors: Record<string, FloorWorld | UnavailableWorld> = {};
  for (const [name, world] of Object.entries(worlds)) {
    if ('unavailable' in world) {
      floors[name] = world;
      log(`floor world ${name}: unavailable (${world.unavailable})`);
      continue;
    }
    const t0 = Date.now();
    const floor = noiseFloor({
      ...floorBase,
      ctr: world.ctr,
      behaviorRows: random.records.length,
      evalRows: bts.records.length,
      replicates: o.floorReplicates,
      resamples: o.resamples,
      seed: o.seed + 100,
      variants: [SLOT_IPS_VARIANT, ...POSITION_MODEL_VARIANTS],
      threshold: TARGET,
    });
    const done = { description: world.description, exponent: world.exponent, seconds: (Date.now() - t0) / 1000, ...floor };
    floors[name] = done;
    log(
      `floor world ${name}: value ${floor.policyValue.toFixed(5)}, behaviour CTR ${floor.behaviorCtr.toFixed(5)}, oracle-exact ${floor.oracleExact.mean.toFixed(3)}, oracle-level ${floor.oracleLevel.mean.toFixed(3)} (${done.seconds.toFixed(0)} s)`,
    );
  }

  const primary = results[PRIMARY].estimators;
  const summary = Object.fromEntries(
    Object.entries(primary).map(([k, e]) => [
      k,
      {
        meanRelativeError: e.meanRelativeError,
        sdRelativeError: e.sdRelativeError,
        fullSampleEstimate: e.fullSampleEstimate,
        floor: Object.fromEntries(Object.entries(floors).map(([w, f]) => [w, 'unavailable' in f ? null : (f.estimators[k] ?? null)])),
      },
    ]),
  );
  const best = Object.entries(primary).sort((a, b) => a[1].meanRelativeError - b[1].meanRelativeError)[0];
  return {
    dataset: `${portablePath(dirname(dirname(o.random)))} ${basename(o.random)} (${random.records.length.toLocaleString('en')} Random + ${bts.records.length.toLocaleString('en')} BTS impressions)`,
    groundTruthCtr: truth,
    groundTruthClicks: clicks,
    groundTruthBinomialSd: Math.sqrt((truth * (1 - truth)) / bts.records.length),
    behaviorClicks,
    behaviorCtr: behaviorClicks / random.records.length,
    // Click counts are Poisson-like: the ratio estimate/truth cannot be steadier than √(1/clicks_b + 1/clicks_e).
    samplingNoiseRelativeSd: Math.sqrt(1 / behaviorClicks + 1 / clicks),
    resamples: o.resamples,
    seed: o.seed,
    target: TARGET,
    rewardModels: {
      logistic: { keys: 'dm ips snips dr sndr switch-dr dros', ...LOGISTIC },
      'pbm-eb': 'position-based model θ_slot·α_item, Gamma prior on α with its shape by empirical Bayes (marginal likelihood)',
      'pbm-k1': 'position-based model, fixed Gamma prior shape 1',
      pooled: 'importance weights pooled over slots under the PBM (θ from pbm-eb), pbm-eb as control variate',
    },
    thompsonSimulation: ts,
    best: { policy: PRIMARY, estimator: best[0], meanRelativeError: best[1].meanRelativeError, sdRelativeError: best[1].sdRelativeError },
    intervals: { policy: PRIMARY, ...intervals },
    published: PUBLISHED,
    summary,
    noiseFloor: { replicates: o.floorReplicates, resamples: o.resamples, policy: PRIMARY, worlds: floors },
    results,
    seconds: (Date.now() - started) / 1000,
  };
}

type OpeBenchResult = Awaited<ReturnType<typeof opeBench>>;

const f3 = (x: number): number => +x.toFixed(3);

function print(r: OpeBenchResult): void {
  const floors = r.noiseFloor.worlds;
  console.log(
    `\n${PRIMARY}: relative error over ${r.resamples} resamples; floor = same estimator in the simulated worlds (mean over ${r.noiseFloor.replicates} replicates)`,
  );
  console.table(
    Object.fromEntries(
      Object.entries(r.summary).map(([k, s]) => [
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
      (['oracleExact', 'oracleLevel'] as const).map((o) => [
        o,
        Object.fromEntries(
          Object.entries(floors).map(([w, f]) => {
            if ('unavailable' in f) return [w, 'unavailable'];
            const s = f[o];
            return [
              w,
              `${s.mean.toFixed(3)} (p10 ${s.p10.toFixed(3)}, p90 ${s.p90.toFixed(3)}, ≤${TARGET}: ${(100 * s.shareAtOrBelowThreshold).toFixed(0)}%)`,
            ];
          }),
        ),
      ]),
    ),
  );
  for (const [w, f] of Object.entries(floors)) if ('unavailable' in f) console.log(`floor world ${w} unavailable: ${f.unavailable}`);
  console.log(
    `ground truth ${r.groundTruthCtr.toFixed(5)} (${r.groundTruthClicks} clicks); Random CTR ${r.behaviorCtr.toFixed(5)} (${r.behaviorClicks} clicks)`,
  );
  const iv = r.intervals;
  console.log(`95% intervals on the full sample (${iv.unit}):`);
  console.table(
    Object.fromEntries(
      Object.entries({ ...iv.estimators, ...iv.slopeCandidates }).map(([k, e]) => [
        k,
        { estimate: +e.estimate.toFixed(5), lower: +e.lower.toFixed(5), upper: +e.upper.toFixed(5), 'holds truth': e.containsTruth },
      ]),
    ),
  );
  const c = iv.chosen;
  if (c) {
    console.log(
      `SLOPE picks ${c.estimator}: ${c.estimate.toFixed(5)} [${c.lower.toFixed(5)}, ${c.upper.toFixed(5)}] — ${c.containsTruth ? 'holds' : 'misses'} the ground truth ${r.groundTruthCtr.toFixed(5)}` +
        ` (whose own 95% interval is [${iv.truthInterval.lower.toFixed(5)}, ${iv.truthInterval.upper.toFixed(5)}])`,
    );
  }
  console.log(
    `best estimator (primary): ${r.best.estimator} ${r.best.meanRelativeError.toFixed(3)} ± ${r.best.sdRelativeError.toFixed(3)} (target ≤ ${TARGET}); total ${r.seconds.toFixed(0)} s`,
  );
}

/** The campaign folders from the command line: a campaign folder (random or bts), --root/--campaign, or the men's sample. */
function campaignFolders(
  positional: string[],
  root: string | undefined,
  campaign: string,
): { random: string; bts: string; isDefault: boolean } {
  if (positional[0]) {
    const dir = resolve(positional[0]);
    const [obd, name] = [dirname(dirname(dir)), basename(dir)];
    return { random: join(obd, 'random', name), bts: join(obd, 'bts', name), isDefault: false };
  }
  // CURIO_OBD_DIR: another Open Bandit Dataset folder, else the one in CURIO_DATASETS.
  const obd = root ?? process.env.CURIO_OBD_DIR ?? datasetPath('open-bandit-small');
  return {
    random: join(obd, 'random', campaign),
    bts: join(obd, 'bts', campaign),
    isDefault: !root && !process.env.CURIO_OBD_DIR && campaign === 'men',
  };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      root: { type: 'string' },
      campaign: { type: 'string', default: 'men' },
      resamples: { type: 'string', default: '30' },
      seed: { type: 'string', default: '1' },
      'floor-replicates': { type: 'string', default: '100' },
      out: { type: 'string' },
    },
  });
  const folders = campaignFolders(positionals, values.root, values.campaign!);
  const result = await opeBench({
    ...folders,
    resamples: Number(values.resamples),
    seed: Number(values.seed),
    floorReplicates: Number(values['floor-replicates']),
    log: (line) => console.log(line),
  });
  print(result);
  const out = values.out ?? (folders.isDefault ? 'bench/results/ope.json' : `bench/results/ope-${basename(folders.random)}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
