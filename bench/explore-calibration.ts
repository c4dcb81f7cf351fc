/**
 * How well the appeal posterior's uncertainty is calibrated, and what each of its options does to it: the
 * shops of bench:explore (bench/explore/setup.ts), neural-thompson at one explore weight, once per posterior
 * variant on the same shoppers and dice, each recording its predictions against the simulator's truth
 * (bench/explore/run.ts, `calibration`). Per variant: the reliability diagram (equal-count bins by predicted
 * sd: the sd predicted against the RMS error made), the mean predicted and true appeal per bin, and the
 * purchases, so a better-calibrated posterior that earns less shows as such.
 *
 *   npm run bench:explore-calibration [-- --seeds 1,2 --weight 0.1 --variants '[{"positions":0},{}]'
 *     --out bench/results/explore-calibration.json]
 * Seeds 1.. are bench:explore's tuning shops (its test shops are 101..): choices made here stay off the test shops.
 */
import { writeFileSync } from 'node:fs';
import { pairMisfit, reliability, type ReliabilityBin } from './explore/reliability.js';
import { roundInterests, runPolicy, type CalibrationRow } from './explore/run.js';
import { EXPLORE_SHAPE, setupShop } from './explore/setup.js';
import { argValue } from './serve-shared.js';

const SEEDS = (argValue('seeds') ?? '1').split(',').map(Number);
const WEIGHT = Number(argValue('weight') ?? 0.1);
const VARIANTS = JSON.parse(argValue('variants') ?? '[{"positions":0},{}]') as Array<Record<string, unknown>>;
const OUT = argValue('out') ?? 'bench/results/explore-calibration.json';

/** Summary figures of a reliability diagram: how far the sd is from the error it predicts, and the appeal's bias. */
function summarise(bins: ReliabilityBin[], rows: readonly CalibrationRow[]) {
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const n = rows.length;
  return {
    // 1 = calibrated: the error made in a bin is the sd predicted for it (the item's own, or with the pair effect).
    medianErrorOverSd: median(bins.map((b) => b.rmsError / b.predictedSd)),
    medianErrorOverTotalSd: median(bins.map((b) => b.rmsError / b.totalSd)),
    rmsError: Math.sqrt(rows.reduce((s, r) => s + (r.predicted - r.truth) ** 2, 0) / n),
    meanPredicted: rows.reduce((s, r) => s + r.predicted, 0) / n,
    meanTruth: rows.reduce((s, r) => s + r.truth, 0) / n,
    // Mean over bins of |mean predicted − mean truth|: the appeal's bias by how uncertain the posterior is.
    binBias: bins.reduce((s, b) => s + Math.abs(b.predicted - b.truth), 0) / bins.length,
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  const perVariant = VARIANTS.map(() => ({ runs: [] as CalibrationRow[][], purchases: [] as number[] }));
  for (const seed of SEEDS) {
    const shop = await setupShop(seed, EXPLORE_SHAPE, (line) => console.log(`shop ${seed}: ${line}`));
    const interests = roundInterests(shop);
    VARIANTS.forEach((params, v) => {
      const r = runPolicy(
        shop,
        {
          name: 'neural-thompson',
          policy: 'neural-thompson',
          params: { propensityDraws: 20, ...params },
          weight: WEIGHT,
          pool: 'frontier',
          adaptive: true,
          calibration: true,
        },
        interests,
      );
      perVariant[v].runs.push(r.calibration ?? []);
      perVariant[v].purchases.push(r.purchases);
      const { misfit } = pairMisfit([r.calibration ?? []]);
      const s = summarise(reliability(r.calibration ?? [], 10, misfit), r.calibration ?? []);
      console.log(
        `shop ${seed}: ${JSON.stringify(params)} purchases ${r.purchases}, error/sd (median bin) ${s.medianErrorOverSd.toFixed(2)}, error/total sd ${s.medianErrorOverTotalSd.toFixed(2)}, rms error ${s.rmsError.toFixed(4)}, bin bias ${s.binBias.toFixed(4)}, ${((performance.now() - started) / 1000).toFixed(0)} s`,
      );
    });
  }
  const variants = VARIANTS.map((params, v) => {
    const rows = perVariant[v].runs.flat();
    const { misfit, report } = pairMisfit(perVariant[v].runs);
    const bins = reliability(rows, 10, misfit);
    return { params, purchases: perVariant[v].purchases, pairMisfit: report, ...summarise(bins, rows), bins };
  });
  writeFileSync(
    OUT,
    `${JSON.stringify(
      {
        bench: 'calibration of the appeal posterior (npm run bench:explore-calibration)',
        date: new Date().toISOString(),
        setup: { shape: EXPLORE_SHAPE, seeds: SEEDS, policy: 'neural-thompson', weight: WEIGHT, adaptive: true, pool: 'frontier' },
        reading:
          'bins: equal-count bins by predicted sd (delta method on the item term); predictedSd: the item sd of the posterior; totalSd: with the shopper × item effect measured from repeated showings (pairMisfit, from outcomes only); rmsError: RMS of predicted − true first-slot click probability in the bin; calibrated = rmsError ≈ totalSd and predicted ≈ truth in every bin',
        variants,
        seconds: (performance.now() - started) / 1000,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${OUT}`);
}

await main();
