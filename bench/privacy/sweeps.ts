/** The three sweeps of bench:privacy over one dataset; each returns its points. */
import { createRng } from '../../src/core/index.js';
import { userCount } from '../../src/data/index.js';
import { budgetSpent, countPrivacy } from '../../src/privacy/index.js';
import { pooled, score, servingModel, type LoadedDataset, type Score } from './data.js';
import {
  distinctUserCounts,
  optedOutUsers,
  popularityList,
  retainEvents,
  seeingRetained,
  testCasesOf,
  withoutUsers,
  type Keep,
} from './settings.js';

export type Setting = 'retention' | 'optOut' | 'epsilon';
/** Whose metrics a point holds: everybody, or the users personalised / served the popularity list. */
export type Group = 'all' | 'optedIn' | 'popularityServed';

export interface Point extends Score {
  dataset: LoadedDataset['name'];
  setting: Setting;
  /** Retention: `all` or days (the shop) / the share kept (Beauty); opt-out: the share; ε: a number or `off`. */
  value: number | string;
  group: Group;
  /** Where the point sits on the chart's x axis. */
  x: number;
  /** Standard deviation over the noise seeds (ε points with noise). */
  spread?: { seeds: number; 'hr@10': number; 'ndcg@10': number };
  detail?: Record<string, unknown>;
}

export interface SweepContext {
  data: LoadedDataset;
  seed: number;
  /** Called once per evaluation, for progress. */
  step(message: string): void;
}

/** One retention setting: what it keeps, and where it is drawn. */
export interface Window {
  value: number | 'all';
  keep: Keep;
  x: number;
  detail: Record<string, unknown>;
}

const model = servingModel();

/** HR/NDCG of the serving model, over every user, with each retention window. */
export async function retentionSweep(ctx: SweepContext, windows: readonly Window[]): Promise<Point[]> {
  const points: Point[] = [];
  for (const w of windows) {
    const split = retainEvents(ctx.data.split, w.keep);
    const s = score(seeingRetained(await model.fit(split, ctx.seed), split, w.keep), split, ctx.seed);
    ctx.step(`${ctx.data.name} retention ${w.value}: hr@10 ${s['hr@10'].toFixed(4)}`);
    points.push({ dataset: ctx.data.name, setting: 'retention', value: w.value, group: 'all', x: w.x, ...s, detail: w.detail });
  }
  return points;
}

/**
 * Opting out of personalisation: the opted-out users' events leave the training data and they are served
 * the exact popularity list (distinct users per item, counted from everybody else's training events).
 */
export async function optOutSweep(ctx: SweepContext, shares: readonly number[]): Promise<Point[]> {
  const points: Point[] = [];
  for (const share of shares) {
    const { personal, popular } = await optOutScores(ctx, share);
    const base = { dataset: ctx.data.name, setting: 'optOut' as const, value: share, x: share * 100 };
    points.push({ ...base, group: 'all', ...pooled(personal, popular) });
    points.push({ ...base, group: 'optedIn', ...personal });
    if (popular.users > 0) points.push({ ...base, group: 'popularityServed', ...popular });
    ctx.step(`${ctx.data.name} opt-out ${share * 100}%: hr@10 ${pooled(personal, popular)['hr@10'].toFixed(4)}`);
  }
  return points;
}

async function optOutScores(ctx: SweepContext, share: number): Promise<{ personal: Score; popular: Score }> {
  const out = optedOutUsers(userCount(ctx.data.split.full), share, ctx.seed);
  const split = withoutUsers(ctx.data.split, out);
  const fitted = await model.fit(split, ctx.seed);
  const personal = score(
    fitted,
    testCasesOf(split, (u) => out[u] === 0),
    ctx.seed,
  );
  const list = popularityList(distinctUserCounts(split.train), countPrivacy('off'));
  const popular = score(
    list,
    testCasesOf(split, (u) => out[u] === 1),
    ctx.seed,
  );
  return { personal, popular };
}

export interface EpsilonOptions {
  epsilons: readonly number[];
  /** The share of users served the popularity list (opted out). */
  optOutShare: number;
  /** Each user counts towards at most this many items of a noised list: its L1 sensitivity. */
  maxItemsPerUser: number;
  noiseSeeds: number;
}

/**
 * The popularity list published with Laplace noise: ε = ∞ is today's exact list (distinct users per item);
 * a finite ε counts each user in at most `maxItemsPerUser` items (their newest) and adds noise of scale
 * maxItemsPerUser/ε to every item's count, over `noiseSeeds` draws. The popularity-served users are the
 * opted-out share; the opted-in users' scores do not depend on ε.
 */
export async function epsilonSweep(ctx: SweepContext, o: EpsilonOptions): Promise<Point[]> {
  const out = optedOutUsers(userCount(ctx.data.split.full), o.optOutShare, ctx.seed);
  const split = withoutUsers(ctx.data.split, out);
  const personal = score(
    await model.fit(split, ctx.seed),
    testCasesOf(split, (u) => out[u] === 0),
    ctx.seed,
  );
  const popCases = testCasesOf(split, (u) => out[u] === 1);
  const capped = distinctUserCounts(split.train, o.maxItemsPerUser);
  const points: Point[] = [];
  const base = { dataset: ctx.data.name, setting: 'epsilon' as const };
  /** The popularity-served users' point and the overall one; `draws` are the noise seeds' scores when noised. */
  const push = (value: number | string, x: number, popular: Score, detail: Record<string, unknown>, draws?: Score[]): void => {
    const spreadOf = (scores: Score[] | undefined): Pick<Point, 'spread'> => (scores ? { spread: spread(scores) } : {});
    points.push({ ...base, value, x, group: 'popularityServed', ...popular, ...spreadOf(draws), detail });
    const overall = draws?.map((d) => pooled(personal, d));
    points.push({ ...base, value, x, group: 'all', ...pooled(personal, popular), ...spreadOf(overall), detail });
  };
  const exact = score(popularityList(distinctUserCounts(split.train), countPrivacy('off')), popCases, ctx.seed);
  push('off', EPSILON_OFF_X, exact, { counts: 'distinct users per item, every item of every user', budget: 'none' });
  ctx.step(`${ctx.data.name} ε off: popularity-served hr@10 ${exact['hr@10'].toFixed(4)}`);
  const cappedExact = score(popularityList(capped, countPrivacy('off')), popCases, ctx.seed);
  push('off, capped', Number.NaN, cappedExact, {
    counts: `distinct users per item, each user's newest ${o.maxItemsPerUser} items`,
    budget: 'none',
  });
  for (const eps of o.epsilons) {
    const privacy = countPrivacy(eps, o.maxItemsPerUser);
    const draws: Score[] = [];
    for (let s = 0; s < o.noiseSeeds; s++) {
      draws.push(score(popularityList(capped, privacy, createRng(ctx.seed * 1000 + s)), popCases, ctx.seed));
      ctx.step(`${ctx.data.name} ε ${eps} noise seed ${s + 1}/${o.noiseSeeds}`);
    }
    push(eps, Math.log10(eps), meanScore(draws), { budget: budgetSpent(privacy).statement }, draws);
  }
  return points;
}

/** Where ε = ∞ (no noise) is drawn on the log10 ε axis. */
export const EPSILON_OFF_X = 2;

function meanScore(draws: readonly Score[]): Score {
  const m = (k: 'hr@10' | 'ndcg@10'): number => draws.reduce((s, d) => s + d[k], 0) / draws.length;
  return { 'hr@10': m('hr@10'), 'ndcg@10': m('ndcg@10'), users: draws[0].users };
}

/** Sample standard deviation of each metric over the draws. */
function spread(draws: readonly Score[]): { seeds: number; 'hr@10': number; 'ndcg@10': number } {
  const sd = (k: 'hr@10' | 'ndcg@10'): number => {
    const mean = draws.reduce((s, d) => s + d[k], 0) / draws.length;
    const v = draws.reduce((s, d) => s + (d[k] - mean) ** 2, 0) / Math.max(1, draws.length - 1);
    return Math.sqrt(v);
  };
  return { seeds: draws.length, 'hr@10': sd('hr@10'), 'ndcg@10': sd('ndcg@10') };
}

/** The serving model's id and parameters, for the results file. */
export const servingModelInfo = { id: model.id, params: model.params };
