/**
 * Explore/exploit through the serving pipeline on the synthetic shop with drifting interests.
 * The model is fitted on the shop's first TRAIN_DAYS; then, once a simulated day for ROUNDS days, every
 * user gets a slate from the pipeline (RecommendationRuntime: store reads, rules, diversity, the policy,
 * impression logging), the shop's response model answers, and clicks, carts and purchases go back into
 * the store through the Ingestor (so the feedback loop and the user's state update as in production).
 * Each policy runs at exploreWeight 0, 0.1, 0.25, 0.5, 1 on a copy of the same store.
 * Run: node --import tsx bench/explore-pipeline.ts [--users 150] [--rounds 25] [--seed 3] [--out-prefix bench/results/explore-pipeline].
 * Writes bench/results/explore-pipeline.{json,png,svg} (written as explore.* before bench:explore became the policy-scale bench).
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, loadConfig, type Event } from '../src/core/index.js';
import { createShop } from '../src/eval/index.js';
import { Ingestor } from '../src/ingest/index.js';
import { RecommendationRuntime } from '../src/recommend/index.js';
import { LocalChangeFeed, openStore } from '../src/store/index.js';
import { drawPng, drawSvg, type Panel, type Rgb } from './plot.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const USERS = arg('users', 150);
const ROUNDS = arg('rounds', 25);
const SEED = arg('seed', 3);
/** Output files are `<prefix>.json`, `.png`, `.svg` (`--out-prefix`; other seeds need not overwrite the recorded run). */
const OUT = ((i) => (i >= 0 ? process.argv[i + 1] : 'bench/results/explore-pipeline'))(process.argv.indexOf('--out-prefix'));
const TRAIN_DAYS = 30;
const SLATE = 10;
const DAY_MS = 86_400_000;
const WEIGHTS = [0, 0.1, 0.25, 0.5, 1];
const SHOP = { seed: SEED, users: USERS, items: 1500, days: TRAIN_DAYS + ROUNDS, driftRatePerDay: 0.08, sessionsPerUserPerDay: 0.4 };
/** Thompson: 20 Monte-Carlo draws keep the run short; scoreScale 3 lets the ranking score set a useful prior. */
const POLICIES: Record<string, Record<string, unknown>> = {
  greedy: {},
  'epsilon-greedy': {},
  thompson: { propensityDraws: 20, scoreScale: 3 },
  linucb: {},
};
const COLORS: Record<string, Rgb> = {
  greedy: [120, 120, 120],
  'epsilon-greedy': [31, 119, 180],
  thompson: [255, 127, 14],
  linucb: [44, 160, 44],
};

const shop = createShop(SHOP);
const trainEnd = shop.options.startTime + TRAIN_DAYS * DAY_MS;
const users = shop.users.map((u) => u.id);
const categoryKey = new Map(shop.items.map((item) => [item.id, item.categoryPath.join(' > ')]));
const roundTime = (r: number, u: number): number => trainEnd + r * DAY_MS + ((u * 7919) % DAY_MS);

/** Writes the catalogue and the training history into a SQLite file every run copies. */
async function buildBase(dir: string): Promise<{ path: string; trainedCategories: Map<string, Set<string>>; events: number }> {
  const path = join(dir, 'base.db');
  const store = await openStore(`sqlite:${path}`);
  await store.upsertItems(shop.items);
  const trainedCategories = new Map<string, Set<string>>();
  let batch: Event[] = [];
  let events = 0;
  for (const e of shop.events()) {
    if (e.timestamp >= trainEnd) break;
    batch.push(e);
    events++;
    if (e.itemId) {
      const set = trainedCategories.get(e.userId) ?? new Set<string>();
      set.add(categoryKey.get(e.itemId) ?? '');
      trainedCategories.set(e.userId, set);
    }
    if (batch.length === 5000) {
      await store.appendEvents(batch);
      batch = [];
    }
  }
  await store.appendEvents(batch);
  await store.close();
  return { path, trainedCategories, events };
}

interface Truth {
  /** Expected clicks of the oracle slate, per round and user. */
  oracleClicks: Float64Array;
  /** Every interest (category key) each user holds at some round. */
  interests: Array<Set<string>>;
}

function groundTruth(): Truth {
  const oracleClicks = new Float64Array(ROUNDS * USERS);
  const interests = users.map(() => new Set<string>());
  for (let r = 0; r < ROUNDS; r++) {
    users.forEach((u, k) => {
      const t = roundTime(r, k);
      const oracle = shop.oracleSlate(u, SLATE, t);
      oracleClicks[r * USERS + k] = oracle.reduce((s, id, p) => s + shop.clickProbability(u, id, p, t), 0);
      for (const i of shop.trueInterests(u, t)) interests[k].add(i.categoryPath.join(' > '));
    });
  }
  return { oracleClicks, interests };
}

interface RunResult {
  policy: string;
  exploreWeight: number;
  purchases: number;
  clicks: number;
  impressions: number;
  ctr: number;
  ctrFirstRounds: number;
  ctrLastRounds: number;
  coverage: number;
  newInterestCoverage: number;
  regret: number;
  purchasesByRound: number[];
  seconds: number;
}

const outcome = (
  type: 'click' | 'cart' | 'purchase',
  userId: string,
  itemId: string,
  time: number,
  context: Event['context'],
  n: number,
): Event => ({
  id: `${type}:${context.recommendationId}:${itemId}:${n}`,
  userId,
  itemId,
  type,
  value: null,
  timestamp: time,
  sessionId: null,
  context,
});

async function runOne(
  basePath: string,
  dir: string,
  policy: string,
  weight: number,
  truth: Truth,
  trained: Map<string, Set<string>>,
): Promise<RunResult> {
  const started = performance.now();
  const path = join(dir, `${policy}-${weight}.db`);
  copyFileSync(basePath, path);
  const store = await openStore(`sqlite:${path}`);
  const config = loadConfig({
    env: {},
    overrides: {
      'serving.policy': policy,
      'serving.policyParams': POLICIES[policy],
      'serving.exploreWeight': weight,
      'serving.seed': SEED,
      'serving.refreshIntervalSeconds': 0,
      'serving.impressionFlushMs': 0,
    },
  });
  let now = trainEnd;
  const feed = new LocalChangeFeed();
  const ingestor = new Ingestor({ store, idSecret: null, feed });
  const runtime = new RecommendationRuntime({
    config,
    store,
    feed,
    clock: () => now,
    logEvents: (events, write) => ingestor.appendEvents(events, write),
  });
  await runtime.start();
  const shown = users.map(() => new Set<string>());
  const byRound = {
    clicks: new Array<number>(ROUNDS).fill(0),
    purchases: new Array<number>(ROUNDS).fill(0),
    impressions: new Array<number>(ROUNDS).fill(0),
  };
  let regret = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < USERS; k++) {
      const user = users[k];
      now = roundTime(r, k);
      const rec = await runtime.forUser({ rawId: user, storedId: user }, { count: SLATE, exploreWeight: weight, exclude: [] });
      const slate = rec.items.map((i) => i.itemId);
      for (const id of slate) shown[k].add(categoryKey.get(id) ?? '');
      // Common random numbers: the same user, round and slate get the same reaction under every policy.
      const response = shop.respond(user, slate, now, createRng(SEED * 1_000_003 + r * 10_007 + k));
      regret += truth.oracleClicks[r * USERS + k] - slate.reduce((s, id, p) => s + shop.clickProbability(user, id, p, now), 0);
      const context = (id: string) => ({ recommendationId: rec.recommendationId, position: slate.indexOf(id) });
      const events = [
        ...response.clicks.map((id, n) => outcome('click', user, id, now + 1000 + n, context(id), n)),
        ...response.carts.map((id, n) => outcome('cart', user, id, now + 2000 + n, context(id), n)),
        ...response.purchases.map((id, n) => outcome('purchase', user, id, now + 3000 + n, context(id), n)),
      ];
      await ingestor.appendEvents(events);
      byRound.clicks[r] += response.clicks.length;
      byRound.purchases[r] += response.purchases.length;
      byRound.impressions[r] += slate.length;
    }
  }
  await runtime.stop();
  await store.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  const sum = (a: number[], from = 0, to = a.length) => a.slice(from, to).reduce((s, x) => s + x, 0);
  const cut = Math.max(1, Math.round(ROUNDS / 5));
  const coverageOf = (keep: (k: number, c: string) => boolean) => {
    let total = 0;
    let counted = 0;
    truth.interests.forEach((set, k) => {
      const wanted = [...set].filter((c) => keep(k, c));
      if (wanted.length === 0) return;
      total += wanted.filter((c) => shown[k].has(c)).length / wanted.length;
      counted++;
    });
    return counted ? total / counted : 0;
  };
  const cumulative = byRound.purchases.map((_, r) => sum(byRound.purchases, 0, r + 1));
  return {
    policy,
    exploreWeight: weight,
    purchases: sum(byRound.purchases),
    clicks: sum(byRound.clicks),
    impressions: sum(byRound.impressions),
    ctr: sum(byRound.clicks) / sum(byRound.impressions),
    ctrFirstRounds: sum(byRound.clicks, 0, cut) / sum(byRound.impressions, 0, cut),
    ctrLastRounds: sum(byRound.clicks, ROUNDS - cut) / sum(byRound.impressions, ROUNDS - cut),
    coverage: coverageOf(() => true),
    newInterestCoverage: coverageOf((k, c) => !(trained.get(users[k])?.has(c) ?? false)),
    regret,
    purchasesByRound: cumulative,
    seconds: (performance.now() - started) / 1000,
  };
}

function plot(results: RunResult[]): Panel[] {
  const series = (metric: (r: RunResult) => number) =>
    Object.keys(POLICIES).map((policy) => ({
      name: policy,
      color: COLORS[policy],
      points: WEIGHTS.map((w): [number, number] => {
        const r = results.find((x) => x.policy === policy && (policy === 'greedy' || x.exploreWeight === w)) as RunResult;
        return [w, metric(r)];
      }),
    }));
  return [
    { title: `Cumulative purchases after ${ROUNDS} rounds`, xLabel: 'exploreWeight', series: series((r) => r.purchases) },
    { title: 'CTR (clicks / impressions)', xLabel: 'exploreWeight', series: series((r) => r.ctr) },
    { title: 'Interest coverage (new interests)', xLabel: 'exploreWeight', series: series((r) => r.newInterestCoverage) },
    { title: 'Regret vs oracle (expected clicks)', xLabel: 'exploreWeight', series: series((r) => r.regret) },
  ];
}

async function main(): Promise<void> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'curio-explore-'));
  try {
    const base = await buildBase(dir);
    const truth = groundTruth();
    const results: RunResult[] = [];
    for (const policy of Object.keys(POLICIES)) {
      for (const weight of policy === 'greedy' ? [0] : WEIGHTS) {
        const result = await runOne(base.path, dir, policy, weight, truth, base.trainedCategories);
        results.push(result);
        console.log(
          `${policy.padEnd(15)} w=${String(weight).padEnd(4)} purchases ${String(result.purchases).padStart(5)}  ctr ${result.ctr.toFixed(4)} (first ${result.ctrFirstRounds.toFixed(4)}, last ${result.ctrLastRounds.toFixed(4)})  coverage ${result.coverage.toFixed(3)} new ${result.newInterestCoverage.toFixed(3)}  regret ${result.regret.toFixed(0)}  ${result.seconds.toFixed(1)}s`,
        );
      }
    }
    const greedy = results[0];
    const best = results.reduce((a, b) => (b.purchases > a.purchases ? b : a));
    const summary = {
      greedyPurchases: greedy.purchases,
      best: { policy: best.policy, exploreWeight: best.exploreWeight, purchases: best.purchases },
      purchaseLift: best.purchases / greedy.purchases - 1,
      shortTermCtrCost: {
        firstRoundsGreedy: greedy.ctrFirstRounds,
        firstRoundsBest: best.ctrFirstRounds,
        relative: best.ctrFirstRounds / greedy.ctrFirstRounds - 1,
      },
      explorationBeatsGreedy: best.purchases > greedy.purchases,
    };
    console.log('summary', JSON.stringify(summary));
    mkdirSync('bench/results', { recursive: true });
    const setup = {
      shop: SHOP,
      trainDays: TRAIN_DAYS,
      rounds: ROUNDS,
      users: USERS,
      slateSize: SLATE,
      trainingEvents: base.events,
      weights: WEIGHTS,
      policyParams: POLICIES,
    };
    const out = {
      bench: 'explore',
      date: new Date().toISOString(),
      setup,
      summary,
      results,
      seconds: (performance.now() - started) / 1000,
      loadAverage: loadavg(),
    };
    writeFileSync(`${OUT}.json`, `${JSON.stringify(out, null, 2)}\n`);
    const panels = plot(results);
    writeFileSync(`${OUT}.png`, drawPng(panels, 2));
    writeFileSync(`${OUT}.svg`, drawSvg(panels, 2));
    console.log(`wrote ${OUT}.{json,png,svg} in ${out.seconds.toFixed(0)}s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
