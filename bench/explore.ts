/**
 * Exploration at shop scale: which explore/exploit policy earns most over 60 simulated days on a shop of
 * 2,000 shoppers and 5,000 items whose interests drift and whose catalogue grows, with 95% intervals.
 *
 * Each shop (a seed) trains the large model (curio-seq) on its first 30 days and then runs every policy on
 * the same shoppers with the same dice (bench/explore/run.ts). Explore weights are chosen on the tuning
 * shops (the budget curve); the test shops then run each policy at its chosen weight once, and lifts are
 * paired shop by shop. Shops run in child processes, `--jobs` at a time.
 *
 * Run: npm run bench:explore [-- --shops 10 --tune-shops 2 --users 2000 --items 5000 --rounds 60 --jobs 2]
 *   [--tuned bench/results/explore-tuning] (reuse the tuning shops' results a run wrote there instead of running them again)
 *   [--retune neural-thompson,neural-ucb] (with --tuned: run those policies' tuning again, replacing their kept runs)
 *   [--keep DIR] (keep each shop's raw results, calibration rows and logs included, in DIR; a shop already there is
 *   not run again, so an interrupted run resumes) [--skip-random-pool] (leave out the frontier-vs-random-pool run)
 * Writes bench/results/explore.json, explore.png and explore.svg (`--out-prefix` to write elsewhere), and each
 * tuning shop's runs to bench/results/explore-tuning/shop-<seed>.json.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { estimateAll } from '../src/eval/index.js';
import { drawPng, drawSvg, type Panel, type Rgb } from './plot.js';
import { roundInterests, runPolicy, type RunResult, type RunSpec } from './explore/run.js';
import { EXPLORE_SHAPE, setupShop, type BenchShape } from './explore/setup.js';
import { pairMisfit, reliability } from './explore/reliability.js';
import { pairedLift, tInterval } from './explore/stats.js';

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const arg = (name: string, fallback: number): number => Number(argValue(name) ?? fallback);

const SHAPE: BenchShape = {
  ...EXPLORE_SHAPE,
  users: arg('users', EXPLORE_SHAPE.users),
  items: arg('items', EXPLORE_SHAPE.items),
  rounds: arg('rounds', EXPLORE_SHAPE.rounds),
  modelParams: { ...EXPLORE_SHAPE.modelParams, epochs: arg('epochs', EXPLORE_SHAPE.modelParams.epochs as number) },
};
const TEST_SHOPS = arg('shops', 10);
const TUNE_SHOPS = arg('tune-shops', 2);
const JOBS = arg('jobs', 2);
const OUT = argValue('out-prefix') ?? 'bench/results/explore';
const TUNED = argValue('tuned');
const KEEP = argValue('keep');
/** With --tuned: policies whose tuning runs are run again and replace the kept ones (after a change to their code). */
const RETUNE = (argValue('retune') ?? '').split(',').filter(Boolean);
const RANDOM_POOL = !process.argv.includes('--skip-random-pool');
const TUNING_DIR = 'bench/results/explore-tuning';
const WEIGHTS = [0.1, 0.25, 0.5];
/** Tuning shops are seeds 1.., test shops 101..: no test shop is seen while choosing weights. */
const TUNE_SEED = 1;
const TEST_SEED = 101;

type Family = 'generic' | 'uncertainty';
interface PolicyEntry {
  name: string;
  policy: string;
  params: Record<string, unknown>;
  family: Family;
  pool: RunSpec['pool'];
  adaptive: boolean;
  color: Rgb;
}
const POLICIES: PolicyEntry[] = [
  {
    name: 'epsilon-greedy',
    policy: 'epsilon-greedy',
    params: {},
    family: 'generic',
    pool: 'random',
    adaptive: false,
    color: [31, 119, 180],
  },
  {
    name: 'thompson',
    policy: 'thompson',
    params: { propensityDraws: 20, scoreScale: 3 },
    family: 'generic',
    pool: 'random',
    adaptive: false,
    color: [255, 127, 14],
  },
  { name: 'linucb', policy: 'linucb', params: {}, family: 'generic', pool: 'random', adaptive: false, color: [44, 160, 44] },
  {
    name: 'neural-thompson',
    policy: 'neural-thompson',
    params: { propensityDraws: 20 },
    family: 'uncertainty',
    pool: 'frontier',
    adaptive: true,
    color: [214, 39, 40],
  },
  { name: 'neural-ucb', policy: 'neural-ucb', params: {}, family: 'uncertainty', pool: 'frontier', adaptive: true, color: [148, 103, 189] },
];
const GREEDY: RunSpec = { name: 'greedy', policy: 'greedy', params: {}, weight: 0, pool: 'random', adaptive: false };

interface ShopJob {
  seed: number;
  specs: RunSpec[];
}
interface ShopResult {
  seed: number;
  trainSeconds: number;
  runs: RunResult[];
}

/** Child: one shop, every spec in turn; writes its results as JSON. */
async function child(jobPath: string, outPath: string): Promise<void> {
  const job = JSON.parse(readFileSync(jobPath, 'utf8')) as ShopJob & { shape: BenchShape };
  const shop = await setupShop(job.seed, job.shape, (line) => console.log(line));
  const interests = roundInterests(shop);
  const runs: RunResult[] = [];
  for (const spec of job.specs) {
    const r = runPolicy(shop, spec, interests);
    runs.push(r);
    console.log(
      `shop ${job.seed}: ${spec.name.padEnd(28)} w=${String(spec.weight).padEnd(4)} purchases ${String(r.purchases).padStart(5)} ctr ${r.ctr.toFixed(4)} first ${r.ctrFirstRounds.toFixed(4)} discovery ${r.newInterestDiscovery.toFixed(3)} coverage ${r.coverage.toFixed(3)} ${r.msPerRequest.toFixed(2)} ms/request`,
    );
  }
  writeFileSync(outPath, JSON.stringify({ seed: job.seed, trainSeconds: shop.trainSeconds, runs } satisfies ShopResult));
}

/** Shops whose results came from `--keep` rather than from this invocation. */
const keptShops: number[] = [];

/** Runs shop jobs in child processes, JOBS at a time, one line per finished step. */
async function runShops(jobs: ShopJob[], dir: string, label: string): Promise<ShopResult[]> {
  const self = fileURLToPath(import.meta.url);
  const results: ShopResult[] = [];
  let next = 0;
  let done = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++];
      const jobPath = join(dir, `job-${job.seed}.json`);
      const kept = KEEP ? join(KEEP, `${label}-${job.seed}.json`) : null;
      const outPath = join(dir, `out-${job.seed}.json`);
      const earlier = kept && existsSync(kept) ? (JSON.parse(readFileSync(kept, 'utf8')) as ShopResult) : null;
      // Kept results stand in only for the same runs: each spec's name and weight, in order.
      const key = (runs: ReadonlyArray<{ name: string; weight: number }>) => runs.map((r) => `${r.name}@${r.weight}`).join(',');
      if (earlier && key(earlier.runs) === key(job.specs)) {
        results.push(earlier);
        keptShops.push(job.seed);
        console.log(`[${label}] shop ${job.seed}: kept from an earlier run (${kept})`);
        continue;
      }
      writeFileSync(jobPath, JSON.stringify({ ...job, shape: SHAPE }));
      await new Promise<void>((resolve, reject) => {
        const p = spawn(process.execPath, ['--import', 'tsx', self, '--child', jobPath, '--child-out', outPath], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        p.stdout.setEncoding('utf8');
        let buffer = '';
        p.stdout.on('data', (chunk: string) => {
          buffer += chunk;
          const lines = buffer.split('\n');
          buffer = lines.pop() ?? '';
          for (const line of lines) if (!line.includes('epoch')) console.log(`[${label}] ${line}`);
        });
        p.on('error', reject);
        p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`shop ${job.seed} exited with ${code}`))));
      });
      results.push(JSON.parse(readFileSync(outPath, 'utf8')) as ShopResult);
      if (kept) copyFileSync(outPath, kept);
      done++;
      const elapsed = (performance.now() - started) / 1000;
      console.log(
        `[${label}] ${done}/${jobs.length} shops done, ${elapsed.toFixed(0)}s, ETA ${((elapsed / done) * (jobs.length - done)).toFixed(0)}s`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(JOBS, jobs.length) }, worker));
  return results.sort((a, b) => a.seed - b.seed);
}

const specFor = (p: PolicyEntry, weight: number, extra: Partial<RunSpec> = {}): RunSpec => ({
  name: p.name,
  policy: p.policy,
  params: p.params,
  weight,
  pool: p.pool,
  adaptive: p.adaptive,
  ...extra,
});

const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

async function main(): Promise<void> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'curio-explore-'));
  if (KEEP) mkdirSync(KEEP, { recursive: true });
  try {
    console.log(
      `exploration bench: ${SHAPE.users} shoppers, ${SHAPE.items} items, ${SHAPE.rounds} rounds; ${TUNE_SHOPS} tuning + ${TEST_SHOPS} test shops, ${JOBS} at a time`,
    );
    // 1. The budget curve on the tuning shops: every policy at every weight.
    const tuneSpecs = [GREEDY, ...POLICIES.flatMap((p) => WEIGHTS.map((w) => specFor(p, w)))];
    const tune = TUNED
      ? readdirSync(TUNED)
          .filter((f) => /^shop-\d+\.json$/.test(f))
          .map((f) => JSON.parse(readFileSync(join(TUNED, f), 'utf8')) as ShopResult)
          .sort((a, b) => a.seed - b.seed)
      : await runShops(
          Array.from({ length: TUNE_SHOPS }, (_, s) => ({ seed: TUNE_SEED + s, specs: tuneSpecs })),
          dir,
          'tune',
        );
    if (TUNED && RETUNE.length > 0) {
      const unknown = RETUNE.filter((name) => !POLICIES.some((p) => p.name === name));
      if (unknown.length > 0) throw new Error(`--retune: unknown policies ${unknown.join(', ')}`);
      const specs = POLICIES.filter((p) => RETUNE.includes(p.name)).flatMap((p) => WEIGHTS.map((w) => specFor(p, w)));
      const fresh = await runShops(
        tune.map((shop) => ({ seed: shop.seed, specs })),
        dir,
        'retune',
      );
      for (const shop of tune) {
        const runs = fresh.find((f) => f.seed === shop.seed)!.runs;
        shop.runs = [...shop.runs.filter((r) => !RETUNE.includes(r.name)), ...runs];
      }
    }
    if (!TUNED || RETUNE.length > 0) {
      mkdirSync(TUNING_DIR, { recursive: true });
      for (const shop of tune) writeFileSync(join(TUNING_DIR, `shop-${shop.seed}.json`), JSON.stringify(shop));
    }
    const tunedPurchases = (name: string, w: number): number =>
      mean(tune.map((shop) => (shop.runs.find((r) => r.name === name && r.weight === w) as RunResult).purchases));
    const chosen = new Map(
      POLICIES.map((p) => [p.name, WEIGHTS.reduce((best, w) => (tunedPurchases(p.name, w) > tunedPurchases(p.name, best) ? w : best))]),
    );
    const bestOf = (family: Family): string =>
      POLICIES.filter((p) => p.family === family).reduce((a, b) =>
        tunedPurchases(b.name, chosen.get(b.name)!) > tunedPurchases(a.name, chosen.get(a.name)!) ? b : a,
      ).name;
    const bestGeneric = bestOf('generic');
    const bestUncertainty = bestOf('uncertainty');
    console.log(
      `chosen weights ${JSON.stringify(Object.fromEntries(chosen))}; best generic ${bestGeneric}, best uncertainty-driven ${bestUncertainty}`,
    );

    // 2. The test shops: greedy, ε-greedy and the best generic policy, the best uncertainty-driven one (with its
    //    logs for the off-policy cross-check and its predictions for the reliability diagram), and that one on
    //    today's random pool (what the interest frontier adds). The others' curves are the tuning shops'.
    const neural = POLICIES.find((p) => p.name === bestUncertainty)!;
    const epsilon = POLICIES.find((p) => p.name === 'epsilon-greedy')!;
    const testPolicies = [...new Set(['epsilon-greedy', bestGeneric])].map((name) => POLICIES.find((p) => p.name === name)!);
    const testSpecs: RunSpec[] = [
      GREEDY,
      ...testPolicies.map((p) => specFor(p, chosen.get(p.name)!)),
      specFor(neural, chosen.get(neural.name)!, {
        params: neural.policy === 'neural-thompson' ? { ...neural.params, propensityDraws: 100 } : neural.params,
        calibration: true,
        opeTargets: [
          { name: 'greedy', policy: 'greedy', params: {}, weight: 0 },
          { name: 'epsilon-greedy', policy: 'epsilon-greedy', params: epsilon.params, weight: chosen.get('epsilon-greedy')! },
        ],
      }),
      ...(RANDOM_POOL ? [specFor(neural, chosen.get(neural.name)!, { name: `${neural.name}/random-pool`, pool: 'random' })] : []),
    ];
    const test = await runShops(
      Array.from({ length: TEST_SHOPS }, (_, s) => ({ seed: TEST_SEED + s, specs: testSpecs })),
      dir,
      'test',
    );
    const column = (name: string, metric: (r: RunResult) => number): number[] =>
      test.map((shop) => metric(shop.runs.find((r) => r.name === name)!));
    const purchases = (name: string): number[] => column(name, (r) => r.purchases);
    const names = testSpecs.map((s) => s.name);
    const perPolicy = Object.fromEntries(
      names.map((name) => [
        name,
        {
          weight: testSpecs.find((s) => s.name === name)!.weight,
          purchases: tInterval(purchases(name)),
          ctr: tInterval(column(name, (r) => r.ctr)),
          ctrFirstRounds: tInterval(column(name, (r) => r.ctrFirstRounds)),
          purchasesLastRounds: tInterval(column(name, (r) => r.purchasesLastRounds)),
          newInterestDiscovery: tInterval(column(name, (r) => r.newInterestDiscovery)),
          coverage: tInterval(column(name, (r) => r.coverage)),
          arrivalShare: tInterval(column(name, (r) => r.arrivalShare)),
          meanWeight: mean(column(name, (r) => r.meanWeight)),
          msPerRequest: mean(column(name, (r) => r.msPerRequest)),
          liftOverGreedy: pairedLift(purchases(name), purchases('greedy')),
        },
      ]),
    );
    const ctrCost = (name: string): number[] =>
      column(name, (r) => r.ctrFirstRounds).map((c, s) => c / column('greedy', (r) => r.ctrFirstRounds)[s] - 1);
    const summary = {
      bestGeneric: { policy: bestGeneric, weight: chosen.get(bestGeneric) },
      bestUncertainty: { policy: bestUncertainty, weight: chosen.get(bestUncertainty) },
      liftOverBestGeneric: pairedLift(purchases(bestUncertainty), purchases(bestGeneric)),
      liftOverGreedy: pairedLift(purchases(bestUncertainty), purchases('greedy')),
      bestGenericOverGreedy: pairedLift(purchases(bestGeneric), purchases('greedy')),
      firstRoundsCtrCost: { uncertainty: tInterval(ctrCost(bestUncertainty)), generic: tInterval(ctrCost(bestGeneric)) },
      ...(RANDOM_POOL ? { frontierContribution: pairedLift(purchases(bestUncertainty), purchases(`${bestUncertainty}/random-pool`)) } : {}),
    };
    const targets = {
      beatsBestGenericBy10: summary.liftOverBestGeneric.mean >= 0.1 && summary.liftOverBestGeneric.low > 0,
      beatsGreedyBy20: summary.liftOverGreedy.mean >= 0.2 && summary.liftOverGreedy.low > 0,
      ctrCostNoLarger: summary.firstRoundsCtrCost.uncertainty.mean >= summary.firstRoundsCtrCost.generic.mean,
    };
    // Off-policy cross-check: the targets' values from neural-thompson's logs, next to the exact truth on those requests.
    const opeRuns = test.map((shop) => shop.runs.find((r) => r.name === bestUncertainty)!);
    const ope = (opeRuns[0]?.ope ?? []).map((first, ti) => {
      const perShop = opeRuns.map((r) => {
        const log = r.ope![ti];
        const rounds = log.rounds.map((x) => ({ ...x, predictedLogged: 0, predictedUnderEval: 0 }));
        const est = estimateAll(rounds, ['ips', 'snips']);
        return { truth: log.truth, ips: est.ips, snips: est.snips };
      });
      const own = first.target === 'greedy' ? column('greedy', (r) => r.ctr) : column(first.target, (r) => r.ctr);
      return {
        target: first.target,
        loggedBy: bestUncertainty,
        truthOnLoggedRequests: tInterval(perShop.map((x) => x.truth)),
        ips: tInterval(perShop.map((x) => x.ips)),
        snips: tInterval(perShop.map((x) => x.snips)),
        snipsRelativeError: tInterval(perShop.map((x) => x.snips / x.truth - 1)),
        ownRunCtr: tInterval(own),
      };
    });
    const calibrationRuns = opeRuns.map((r) => r.calibration ?? []);
    const misfit = pairMisfit(calibrationRuns);
    const calibration = reliability(calibrationRuns.flat(), 10, misfit.misfit);
    const curve = Object.fromEntries(
      POLICIES.map((p) => [
        p.name,
        WEIGHTS.map((w) => ({
          weight: w,
          purchases: tunedPurchases(p.name, w),
          ctrFirstRounds: mean(tune.map((shop) => shop.runs.find((r) => r.name === p.name && r.weight === w)!.ctrFirstRounds)),
        })),
      ]),
    );
    const out = {
      bench: 'explore',
      date: new Date().toISOString(),
      setup: {
        shape: SHAPE,
        weights: WEIGHTS,
        tuneSeeds: tune.map((s) => s.seed),
        testSeeds: test.map((s) => s.seed),
        policies: POLICIES.map(({ color: _color, ...p }) => p),
      },
      summary,
      targets,
      perPolicy,
      ope,
      calibration,
      pairMisfit: misfit.report,
      budgetCurve: { greedyPurchases: mean(tune.map((s) => s.runs[0].purchases)), policies: curve },
      trainSeconds: mean([...tune, ...test].map((s) => s.trainSeconds)),
      perShop: test.map((shop) => ({
        seed: shop.seed,
        runs: shop.runs.map(({ calibration: _c, ope: _o, purchasesByRound: _p, ...r }) => r),
      })),
      seconds: (performance.now() - started) / 1000,
      // A run that reads its shops back from --keep takes seconds; their own times are in perShop[].runs[].seconds.
      ...(keptShops.length > 0 ? { keptShops, keptFrom: 'an earlier invocation (--keep)' } : {}),
      loadAverage: loadavg(),
    };
    console.log('summary', JSON.stringify(summary));
    console.log('targets', JSON.stringify(targets));
    console.log('ope', JSON.stringify(ope));
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(`${OUT}.json`, `${JSON.stringify(out, null, 2)}\n`);
    const color = (name: string): Rgb => POLICIES.find((p) => p.name === name)?.color ?? [120, 120, 120];
    const panels: Panel[] = [
      {
        title: 'Budget curve: purchases by explore weight (tuning shops)',
        xLabel: 'exploreWeight',
        series: [
          { name: 'greedy', color: [120, 120, 120], points: WEIGHTS.map((w): [number, number] => [w, out.budgetCurve.greedyPurchases]) },
          ...POLICIES.map((p) => ({
            name: p.name,
            color: p.color,
            points: curve[p.name].map((c): [number, number] => [c.weight, c.purchases]),
          })),
        ],
      },
      {
        title: 'Cumulative purchases by round (test shops, mean)',
        xLabel: 'round',
        series: names.map((name) => ({
          name,
          color: name.endsWith('/random-pool') ? [23, 190, 207] : color(name),
          points: Array.from({ length: SHAPE.rounds }, (_, r): [number, number] => [
            r + 1,
            mean(test.map((shop) => shop.runs.find((x) => x.name === name)!.purchasesByRound[r])),
          ]),
        })),
      },
      {
        title: 'Reliability: predicted sd vs RMS error of P(click), test shops',
        xLabel: 'predicted sd',
        series: [
          {
            name: 'RMS error by item sd',
            color: [214, 39, 40],
            points: calibration.map((b): [number, number] => [b.predictedSd, b.rmsError]),
          },
          {
            name: 'RMS error by total sd (pair effect added)',
            color: [31, 119, 180],
            points: calibration.map((b): [number, number] => [b.totalSd, b.rmsError]),
          },
          {
            name: 'ideal',
            color: [120, 120, 120],
            points: [0, Math.max(...calibration.map((b) => Math.max(b.totalSd, b.rmsError)))].map((v): [number, number] => [v, v]),
          },
        ],
      },
      {
        title: 'CTR over the first rounds by explore weight (tuning shops)',
        xLabel: 'exploreWeight',
        series: POLICIES.map((p) => ({
          name: p.name,
          color: p.color,
          points: curve[p.name].map((c): [number, number] => [c.weight, c.ctrFirstRounds]),
        })),
      },
    ];
    writeFileSync(`${OUT}.png`, drawPng(panels, 2));
    writeFileSync(`${OUT}.svg`, drawSvg(panels, 2));
    console.log(`wrote ${OUT}.{json,png,svg} in ${out.seconds.toFixed(0)}s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const childJob = argValue('child');
if (childJob) await child(childJob, argValue('child-out') as string);
else await main();
