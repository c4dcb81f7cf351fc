import { createRng, CurioError, type Rng } from '../core/index.js';
import { caseCount, caseTargets, userCount, type EvalCases, type Split } from '../data/index.js';
import { topK, type Recommender } from '../models/index.js';
import { parseMetric, type Accumulator, type CaseOutcome, type Metric, type MetricContext } from './metrics.js';

export const PROTOCOLS = ['full', 'sampled'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export interface EvaluateOptions {
  /** `full`: rank among all items (default); `sampled`: among the targets plus `sampledNegatives` random items. */
  protocol?: Protocol;
  metrics: readonly string[];
  /** 99 reproduces the S3-Rec sampled tables, 100 the SASRec paper. */
  sampledNegatives?: number;
  /** Drop the history's items from the candidates (the reference protocol). Default true. */
  excludeHistory?: boolean;
  /** Evaluate a seeded random subset of at most this many cases (tuning); default all. */
  maxCases?: number;
  seed?: number;
  /** Also return each case's value of every metric that is a mean over cases (`perCase`). */
  perCase?: boolean;
}

export interface EvaluationResult {
  metrics: Record<string, number>;
  cases: number;
  seconds: number;
  /** With `options.perCase`: per metric that is a mean over cases, its value on each case, in case order. */
  perCase?: Record<string, Float64Array>;
}

/** Ranks every case's targets under the chosen protocol and aggregates the metrics. */
export function evaluate(model: Recommender, split: Split, which: 'validation' | 'test', options: EvaluateOptions): EvaluationResult {
  const started = performance.now();
  const cases = which === 'test' ? split.test : split.validation;
  const metrics = options.metrics.map(parseMetric);
  const accs = metrics.map((m) => m.create(metricContext(split)));
  const listLength = Math.max(0, ...metrics.filter((m) => m.needs.includes('topk')).map((m) => m.k));
  const rng = createRng(options.seed ?? 0);
  const chosen = chooseCases(caseCount(cases), options.maxCases, rng.fork());
  const ranker = createRanker(model.nItems, options, rng);
  const perCase = options.perCase
    ? metrics.flatMap((m) => (m.perCase ? [{ name: m.name, value: m.perCase, out: new Float64Array(chosen.length) }] : []))
    : [];
  chosen.forEach((c, n) => {
    const outcome = ranker(model, split, cases, c, listLength);
    for (const acc of accs) acc.add(outcome);
    for (const p of perCase) p.out[n] = p.value(outcome);
  });
  return {
    metrics: collect(metrics, accs),
    cases: chosen.length,
    seconds: (performance.now() - started) / 1000,
    ...(options.perCase ? { perCase: Object.fromEntries(perCase.map((p) => [p.name, p.out])) } : {}),
  };
}

function collect(metrics: Metric[], accs: Accumulator[]): Record<string, number> {
  return Object.fromEntries(metrics.map((m, k) => [m.name, accs[k].value()]));
}

/** Item popularity among training users, plus attributes, for beyond-accuracy metrics. */
export function metricContext(split: Split): MetricContext {
  const { train } = split;
  const itemUsers = new Float64Array(train.items.length);
  const lastSeen = new Int32Array(train.items.length).fill(-1);
  let users = 0;
  for (let u = 0; u < userCount(train); u++) {
    if (train.offsets[u + 1] > train.offsets[u]) users++;
    for (let e = train.offsets[u]; e < train.offsets[u + 1]; e++) {
      const i = train.itemIdx[e];
      if (lastSeen[i] !== u) {
        lastSeen[i] = u;
        itemUsers[i]++;
      }
    }
  }
  return { nItems: train.items.length, itemUsers, nTrainUsers: Math.max(1, users), itemAttributes: split.full.itemAttributes };
}

function chooseCases(n: number, max: number | undefined, rng: Rng): Int32Array {
  const all = Int32Array.from({ length: n }, (_, k) => k);
  if (max === undefined || max >= n) return all;
  for (let k = n - 1; k > 0; k--) {
    const j = rng.int(k + 1);
    [all[k], all[j]] = [all[j], all[k]];
  }
  return all.subarray(0, max).sort();
}

const NONE = new Int32Array(0);

type Ranker = (model: Recommender, split: Split, cases: EvalCases, c: number, listLength: number) => CaseOutcome;

function createRanker(nItems: number, options: EvaluateOptions, rng: Rng): Ranker {
  const scores = new Float32Array(nItems);
  const excluded = new Uint8Array(nItems);
  const excludeHistory = options.excludeHistory ?? true;
  const sampled = (options.protocol ?? 'full') === 'sampled';
  const negatives = options.sampledNegatives ?? 99;
  return (model, split, cases, c, listLength) => {
    const u = cases.users[c];
    const end = split.full.offsets[u] + cases.historyLengths[c];
    const start = split.full.offsets[u] + (cases.served?.stateStarts[c] ?? 0);
    const state = {
      user: u,
      items: split.full.itemIdx.subarray(start, end),
      types: split.full.types.subarray(start, end),
      timestampsMs: split.full.timestampsMs.subarray(start, end),
    };
    model.scoreAll(state, scores);
    const targets = caseTargets(cases, c);
    // A served reading's blocked items leave the candidates whatever excludeHistory says: the server never shows them.
    const blocked = cases.served ? cases.served.blocked.subarray(cases.served.blockedOffsets[c], cases.served.blockedOffsets[c + 1]) : NONE;
    const mark = (value: 0 | 1) => {
      if (excludeHistory) for (const i of state.items) excluded[i] = value;
      for (const i of blocked) excluded[i] = value;
    };
    mark(1);
    const outcome = sampled
      ? rankSampled({ scores, excluded, targets, negatives, rng, nItems })
      : rankFull(scores, excluded, targets, listLength);
    mark(0);
    return outcome;
  };
}

/**
 * Full ranking: a target's rank counts every non-excluded item with a higher or equal score (pessimistic
 * ties); O(items) per target, no sort. NaN scores are an error: they would silently rank anywhere.
 */
export function rankFull(scores: Float32Array, excluded: Uint8Array, targets: Int32Array, listLength: number): CaseOutcome {
  let nExcluded = 0;
  for (let i = 0; i < excluded.length; i++) nExcluded += excluded[i];
  const ranks = new Float64Array(targets.length);
  targets.forEach((t, k) => {
    const st = scores[t];
    if (st !== st) throw new CurioError('MODEL_FIT', `model produced a NaN score for item ${t}`);
    if (excluded[t] === 1) return void (ranks[k] = Number.POSITIVE_INFINITY);
    let ahead = 0;
    for (let j = 0; j < scores.length; j++) if (scores[j] >= st && excluded[j] === 0) ahead++;
    ranks[k] = ahead - 1; // the target itself was counted
  });
  ranks.sort();
  return { ranks, nCandidates: scores.length - nExcluded, topK: listLength > 0 ? topK(scores, listLength, excluded) : new Int32Array(0) };
}

function rankSampled(a: {
  scores: Float32Array;
  excluded: Uint8Array;
  targets: Int32Array;
  negatives: number;
  rng: Rng;
  nItems: number;
}): CaseOutcome {
  const { scores, excluded, targets, negatives, rng, nItems } = a;
  const isTarget = new Set(targets);
  const pool: number[] = [];
  const picked = new Set<number>();
  for (let tries = 0; pool.length < negatives && tries < negatives * 100; tries++) {
    const j = rng.int(nItems);
    if (excluded[j] === 1 || isTarget.has(j) || picked.has(j)) continue;
    picked.add(j);
    pool.push(j);
  }
  const ranks = new Float64Array(targets.length);
  targets.forEach((t, k) => {
    let ahead = 0;
    for (const j of pool) if (scores[j] >= scores[t]) ahead++;
    for (const o of targets) if (o !== t && scores[o] >= scores[t]) ahead++;
    ranks[k] = excluded[t] === 1 ? Number.POSITIVE_INFINITY : ahead;
  });
  ranks.sort();
  const candidates = Int32Array.from([...targets, ...pool]);
  const local = Float32Array.from(candidates, (j) => scores[j]);
  return { ranks, nCandidates: candidates.length, topK: topK(local, 10).map((p) => candidates[p]) };
}
