import { createRng } from '../../core/index.js';
import { estimateAll } from './estimators.js';
import { DEFAULT_LOGISTIC, fitLogistic, sigmoid, type FeatureRow, type LogisticOptions } from './logistic.js';
import type { ObdItem, ObdLogs, ObdRecord } from './obd.js';
import type { OpeRound } from './types.js';

/** Evaluation policy's action distribution, context-free: dist[position][item]. */
export type PositionItemDistribution = number[][];

/** Context half of the reward-model features: hashed user features and total past clicks. */
function contextFeatures(record: ObdRecord): FeatureRow {
  const row: FeatureRow = record.userFeatures.map((f, k) => [`user${k}=${f}`, 1]);
  row.push(['affinityTotal', Math.log1p(record.affinity.reduce((a, b) => a + b, 0))]);
  return row;
}

/** Action half without the user's affinity: item, position, item × position and item side information. */
function actionFeatures(itemId: number, position: number, items: ObdItem[]): FeatureRow {
  const row: FeatureRow = [[`item=${itemId}`, 1], [`pos=${position}`, 1], [`item×pos=${itemId}:${position}`, 1]];
  const item = items[itemId];
  if (item) {
    row.push(['itemNumeric', item.numeric]);
    item.categorical.forEach((f, k) => row.push([`itemCat${k}=${f}`, 1]));
  }
  return row;
}

function affinityFeatures(record: ObdRecord, itemId: number): FeatureRow {
  const affinity = record.affinity[itemId] ?? 0;
  return [['affinity', Math.log1p(affinity)], ['affinityAny', affinity > 0 ? 1 : 0]];
}

/** Reward-model features of (context, item, position) for OBD logs. */
export function obdFeatures(record: ObdRecord, itemId: number, position: number, items: ObdItem[]): FeatureRow {
  return [...contextFeatures(record), ...actionFeatures(itemId, position, items), ...affinityFeatures(record, itemId)];
}

/** Empirical action distribution of a log: share of each item among the impressions of each position. */
export function empiricalDistribution(logs: ObdLogs): PositionItemDistribution {
  const dist = Array.from({ length: logs.slateSize }, () => new Array<number>(logs.itemCount).fill(0));
  const perPosition = new Array<number>(logs.slateSize).fill(0);
  for (const r of logs.records) {
    dist[r.position][r.itemId]++;
    perPosition[r.position]++;
  }
  return dist.map((slot, p) => slot.map((c) => c / Math.max(1, perPosition[p])));
}

/** Estimator inputs for logged records: weights from π_e, predictions from a reward model fitted on `fitWeights`. */
export function obdRounds(logs: ObdLogs, evalDist: PositionItemDistribution, options: { fitWeights?: number[]; logistic?: LogisticOptions }): OpeRound[] {
  const { records, items } = logs;
  const model = fitLogistic(
    records.map((r) => obdFeatures(r, r.itemId, r.position, items)),
    records.map((r) => r.click),
    { ...(options.logistic ?? DEFAULT_LOGISTIC), sampleWeights: options.fitWeights },
  );
  // z is additive over the feature halves, so cache the action half per (position, item).
  const actionZ = evalDist.map((slot, p) => slot.map((_, a) => model.partial(actionFeatures(a, p, items))));
  const q = (r: ObdRecord, contextZ: number, a: number): number =>
    sigmoid(model.bias + contextZ + actionZ[r.position][a] + model.partial(affinityFeatures(r, a)));
  return records.map((r) => {
    const contextZ = model.partial(contextFeatures(r));
    let underEval = 0;
    evalDist[r.position].forEach((p, a) => {
      if (p > 0) underEval += p * q(r, contextZ, a);
    });
    return {
      reward: r.click,
      behaviorPropensity: r.propensity,
      evalProbability: evalDist[r.position][r.itemId] ?? 0,
      predictedLogged: q(r, contextZ, r.itemId),
      predictedUnderEval: underEval,
    };
  });
}

export interface BootstrapOptions {
  resamples: number;
  seed: number;
  logistic?: LogisticOptions;
  estimators?: string[];
}

export interface EstimatorError {
  meanRelativeError: number;
  sdRelativeError: number;
  /** Estimate on the full sample (no resampling). */
  fullSampleEstimate: number;
  meanEstimate: number;
}

export interface ObdValidation {
  groundTruth: number;
  behaviorCtr: number;
  resamples: number;
  estimators: Record<string, EstimatorError>;
}

/** Rows of a bootstrap resample as multiplicities (row i drawn counts[i] times). */
function bootstrapCounts(n: number, rng: ReturnType<typeof createRng>): number[] {
  const counts = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) counts[rng.int(n)]++;
  return counts;
}

function expand(rounds: OpeRound[], counts: number[]): OpeRound[] {
  const out: OpeRound[] = [];
  rounds.forEach((r, i) => {
    for (let c = 0; c < counts[i]; c++) out.push(r);
  });
  return out;
}

/**
 * Relative error |estimate − truth| / truth of every estimator over bootstrap resamples of the behaviour
 * logs (the reward model is refitted on each resample), truth = the evaluation policy's on-policy CTR.
 */
export function validateOnObd(behavior: ObdLogs, groundTruth: number, evalDist: PositionItemDistribution, options: BootstrapOptions): ObdValidation {
  const names = options.estimators;
  const full = estimateAll(obdRounds(behavior, evalDist, { logistic: options.logistic }), names);
  const rng = createRng(options.seed);
  const samples: Array<Record<string, number>> = [];
  for (let b = 0; b < options.resamples; b++) {
    const counts = bootstrapCounts(behavior.records.length, rng);
    const rounds = obdRounds(behavior, evalDist, { fitWeights: counts, logistic: options.logistic });
    samples.push(estimateAll(expand(rounds, counts), names));
  }
  const estimators: Record<string, EstimatorError> = {};
  for (const name of Object.keys(full)) {
    const errors = samples.map((s) => Math.abs(s[name] - groundTruth) / groundTruth);
    const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
    const sd = Math.sqrt(errors.reduce((a, e) => a + (e - mean) ** 2, 0) / Math.max(1, errors.length - 1));
    const meanEstimate = samples.reduce((a, s) => a + s[name], 0) / samples.length;
    estimators[name] = { meanRelativeError: mean, sdRelativeError: sd, fullSampleEstimate: full[name], meanEstimate };
  }
  const behaviorCtr = behavior.records.reduce((s, r) => s + r.click, 0) / behavior.records.length;
  return { groundTruth, behaviorCtr, resamples: options.resamples, estimators };
}
