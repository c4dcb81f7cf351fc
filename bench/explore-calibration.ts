/**
 * Calibration of the appeal posterior's uncertainty, fitted from outcomes only (UncertaintyCalibration) on
 * validation shops and checked against the simulator's true click probabilities on test shops: bench:explore's
 * shop and its neural-thompson run (weight 0.1, frontier pool, adaptive), the posterior's predictions recorded
 * for one shopper in five before each slate's outcome. Writes bench/results/explore-calibration.json.
 *
 *   node --import tsx bench/explore-calibration.ts [--validation 1,2] [--test 101,102,103,104]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UncertaintyCalibration, type CalibrationFit } from '../src/explore/uncertainty-calibration.js';
import { roundInterests, runPolicy, type CalibrationRow, type RunSpec } from './explore/run.js';
import { EXPLORE_SHAPE, setupShop } from './explore/setup.js';

const OUT = 'bench/results/explore-calibration.json';
const { values: args } = parseArgs({
  options: {
    validation: { type: 'string', default: '1,2' },
    test: { type: 'string', default: '101,102,103,104' },
    bins: { type: 'string', default: '10' },
  },
});
const seeds = (list: string): number[] => list.split(',').map(Number);
const SPEC: RunSpec = {
  name: 'neural-thompson',
  policy: 'neural-thompson',
  params: { propensityDraws: 100 },
  weight: 0.1,
  pool: 'frontier',
  adaptive: true,
  calibration: true,
};

async function rowsOf(seed: number): Promise<CalibrationRow[]> {
  const started = performance.now();
  const shop = await setupShop(seed, EXPLORE_SHAPE, (line) => {
    if (!line.includes('epoch')) console.log(`[shop ${seed}] ${line}`);
  });
  const run = runPolicy(shop, SPEC, roundInterests(shop));
  console.log(`[shop ${seed}] ${run.calibration?.length ?? 0} predictions in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return run.calibration ?? [];
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** Test rows binned by stated sd: the RMS error against the truth next to the stated and calibrated sd. */
function reliability(rows: CalibrationRow[], fit: CalibrationFit, calibration: UncertaintyCalibration, bins: number) {
  const sorted = [...rows].sort((a, b) => a.sd - b.sd);
  const size = Math.ceil(sorted.length / bins);
  return Array.from({ length: bins }, (_, b) => sorted.slice(b * size, (b + 1) * size))
    .filter((bin) => bin.length > 0)
    .map((bin) => {
      const rms = Math.sqrt(mean(bin.map((r) => (r.predicted - r.truth) ** 2)));
      const statedSd = Math.sqrt(mean(bin.map((r) => r.sd * r.sd)));
      const calibratedSd = Math.sqrt(mean(bin.map((r) => calibration.calibrate(r.sd, fit) ** 2)));
      return { n: bin.length, statedSd, calibratedSd, rmsError: rms, statedRatio: rms / statedSd, calibratedRatio: rms / calibratedSd };
    });
}

async function main(): Promise<void> {
  const started = performance.now();
  const calibration = new UncertaintyCalibration();
  for (const seed of seeds(args.validation)) for (const r of await rowsOf(seed)) calibration.observe(r.predicted, r.sd, r.outcome);
  const fit = calibration.fit();
  if (!fit) throw new Error('too few validation outcomes to fit a calibration');
  console.log(`fit on ${fit.n} validation outcomes: error variance ≈ ${fit.a.toExponential(3)} + ${fit.b.toFixed(2)}·sd²`);
  const test: CalibrationRow[] = [];
  for (const seed of seeds(args.test)) test.push(...(await rowsOf(seed)));
  const bins = reliability(test, fit, calibration, Number(args.bins));
  console.log('stated sd | calibrated sd | RMS error (truth) | RMS/stated | RMS/calibrated');
  for (const b of bins) {
    console.log(
      `${b.statedSd.toFixed(4)} | ${b.calibratedSd.toFixed(4)} | ${b.rmsError.toFixed(4)} | ${b.statedRatio.toFixed(2)} | ${b.calibratedRatio.toFixed(2)}`,
    );
  }
  const worst = (key: 'statedRatio' | 'calibratedRatio') => Math.max(...bins.map((b) => Math.max(b[key], 1 / b[key])));
  console.log(`worst bin off by ×${worst('statedRatio').toFixed(2)} stated, ×${worst('calibratedRatio').toFixed(2)} calibrated`);
  mkdirSync('bench/results', { recursive: true });
  const result = {
    bench: 'explore-calibration',
    command: `node --import tsx bench/explore-calibration.ts --validation ${args.validation} --test ${args.test} --bins ${args.bins}`,
    shape: EXPLORE_SHAPE,
    spec: SPEC,
    fit,
    testRows: test.length,
    bins,
    worstStatedRatio: worst('statedRatio'),
    worstCalibratedRatio: worst('calibratedRatio'),
    seconds: Math.round((performance.now() - started) / 1000),
  };
  writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${OUT}`);
}

await main();
