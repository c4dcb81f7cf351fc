/**
 * The price of privacy in accuracy: HR@10 / NDCG@10 of the default serving model (leave-one-out, full
 * ranking, history excluded: bench:quality's protocol) on the synthetic shop and Amazon Beauty, as a
 * function of the retention window, the share of users who turn personalisation off, and ε of the noised
 * popularity list those users are served. Writes bench/results/privacy.json (one row per dataset, merged),
 * privacy.png and privacy.svg (drawn from every dataset in the file).
 *
 *   npm run bench:privacy [-- --datasets shop,beauty --noise-seeds 10 --max-items-per-user 5 --epsilon-opt-out 0.25]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createProgress } from '../src/core/index.js';
import { mergeRow } from './results-file.js';
import { loadBeauty, loadShop, type LoadedDataset } from './privacy/data.js';
import { drawChart, formatPoints } from './privacy/report.js';
import { newestShare, retainedShare, withinDays } from './privacy/settings.js';
import { epsilonSweep, optOutSweep, retentionSweep, servingModelInfo, type Point, type Window } from './privacy/sweeps.js';

const OUT = 'bench/results/privacy';
const { values: args } = parseArgs({
  options: {
    datasets: { type: 'string', default: 'shop,beauty' },
    seed: { type: 'string', default: '42' },
    'shop-users': { type: 'string', default: '5000' },
    'shop-items': { type: 'string', default: '2000' },
    'shop-days': { type: 'string', default: '365' },
    'shop-sessions': { type: 'string', default: '0.05' },
    windows: { type: 'string', default: '180,90,30,7' },
    'opt-out': { type: 'string', default: '0,0.1,0.25,0.5' },
    epsilons: { type: 'string', default: '10,1,0.1' },
    'epsilon-opt-out': { type: 'string', default: '0.25' },
    'max-items-per-user': { type: 'string', default: '5' },
    'noise-seeds': { type: 'string', default: '10' },
  },
});
const numbers = (s: string): number[] => s.split(',').map(Number);

const seed = Number(args.seed);
const names = args.datasets.split(',');
const days = numbers(args.windows);
const optOut = numbers(args['opt-out']);
const epsilon = {
  epsilons: numbers(args.epsilons),
  optOutShare: Number(args['epsilon-opt-out']),
  maxItemsPerUser: Number(args['max-items-per-user']),
  noiseSeeds: Number(args['noise-seeds']),
};
const stepsPerDataset = days.length + 1 + optOut.length + 1 + epsilon.epsilons.length * epsilon.noiseSeeds;
const progress = createProgress({ label: 'privacy', unit: 'steps', total: stepsPerDataset * names.length, fields: ['step'] });
const step = (message: string): void => {
  progress.tick(1, { step: message });
  if (!process.stderr.isTTY) console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
};

// The shop is always loaded: its windows say what share of a history each keeps, which Beauty (no times) drops.
const shop = loadShop({
  seed,
  users: Number(args['shop-users']),
  items: Number(args['shop-items']),
  days: Number(args['shop-days']),
  sessionsPerUserPerDay: Number(args['shop-sessions']),
});
const shopNow = shop.nowMs ?? 0;
const shopDays = Number(args['shop-days']);
const shares = days.map((d) => retainedShare(shop.split, withinDays(shop.split.full, d, shopNow)));

function windowsOf(data: LoadedDataset): Window[] {
  const all: Window = { value: 'all', keep: () => true, x: shopDays, detail: { keptShare: 1 } };
  if (data.name === 'shop') {
    return [
      all,
      ...days.map((d, k) => ({ value: d, keep: withinDays(data.split.full, d, shopNow), x: d, detail: { keptShare: round(shares[k]) } })),
    ];
  }
  return [
    all,
    ...days.map((d, k) => ({
      value: round(shares[k]),
      keep: newestShare(data.split, shares[k]),
      x: d,
      detail: { keptShare: round(retainedShare(data.split, newestShare(data.split, shares[k]))), shopWindowDays: d },
    })),
  ];
}

const round = (v: number): number => Number(v.toFixed(4));

const PROTOCOL =
  "leave-one-out (each user's last item is the test target, the one before it validation); full ranking over all items; the user's history excluded; HR@10 and NDCG@10 are means over the users named";

async function run(data: LoadedDataset): Promise<Point[]> {
  const ctx = { data, seed, step };
  const started = performance.now();
  const points = [
    ...(await retentionSweep(ctx, windowsOf(data))),
    ...(await optOutSweep(ctx, optOut)),
    ...(await epsilonSweep(ctx, epsilon)),
  ];
  mergeRow(
    `${OUT}.json`,
    'datasets',
    data.name,
    {
      description: data.description,
      settings: data.settings,
      model: servingModelInfo,
      protocol: PROTOCOL,
      seed,
      usersEvaluated: data.split.test.users.length,
      subsampled: false,
      retention:
        data.name === 'shop'
          ? `training events and histories older than the window before the newest event of the log (when the model trains) are deleted; each user's two held-out items are kept. keptShare: the share of training events left`
          : `no timestamps: each user keeps the newest share of their training history, the share the shop's window of the same days keeps of the shop's training events (value = that share, x = the shop's days)`,
      optOut: `a seeded share of all users (nested: a larger share holds the smaller ones) leave the training data and are served the exact popularity list (distinct users per item, counted from the remaining training data); 'all' is over every evaluated user, 'optedIn' the personalised ones, 'popularityServed' the opted-out ones`,
      epsilon: `${epsilon.optOutShare * 100}% of users opted out and served the popularity list; 'off' is the exact list; a finite ε counts each user in at most their newest ${epsilon.maxItemsPerUser} distinct items (L1 sensitivity ${epsilon.maxItemsPerUser}), adds Laplace noise of scale ${epsilon.maxItemsPerUser}/ε to every item's count (src/privacy/differential-privacy.ts, noisyTopK), mean over ${epsilon.noiseSeeds} noise seeds, spread = sample standard deviation; 'off, capped' is the capped list without noise`,
      seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
      points,
    },
    'the price of privacy in accuracy: the synthetic shop and amazon-s3rec/Beauty.txt',
  );
  return points;
}

const loaders: Record<string, () => LoadedDataset> = { shop: () => shop, beauty: loadBeauty };
for (const name of names) {
  const load = loaders[name];
  if (!load) throw new Error(`unknown dataset ${name} (shop, beauty)`);
  const points = await run(load());
  progress.stop();
  console.log(`\n${formatPoints(points)}\n`);
}
progress.stop();

// The chart is drawn from the file, so a run of one dataset redraws the other's curves too.
const file = JSON.parse(readFileSync(`${OUT}.json`, 'utf8')) as { datasets: Record<string, { points: Point[] }> };
const everyPoint = Object.values(file.datasets).flatMap((d) => d.points.map((p) => ({ ...p, x: p.x ?? Number.NaN })));
const chart = drawChart(everyPoint);
writeFileSync(`${OUT}.png`, chart.png);
writeFileSync(`${OUT}.svg`, chart.svg);
console.log(`wrote ${OUT}.json, ${OUT}.png, ${OUT}.svg`);
