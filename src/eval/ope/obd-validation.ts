import { createRng } from '../../core/index.js';
import { DEFAULT_LOGISTIC, fitLogistic, sigmoid, type FeatureRow, type LogisticOptions } from '../../models/index.js';
import { bootstrapErrors, type EstimatorError } from './bootstrap.js';
import { ESTIMATORS } from './estimators.js';
import type { ObdItem, ObdLogs, ObdRecord } from './obd.js';
import { estimateVariants, POSITION_MODEL_VARIANTS, type RoundVariant } from './round-variants.js';
import { addGradient, type RewardModelTrace } from './reward-model-variance.js';
import type { OpeRound } from './types.js';

export type { EstimatorError } from './bootstrap.js';

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
  const row: FeatureRow = [
    [`item=${itemId}`, 1],
    [`pos=${position}`, 1],
    [`item×pos=${itemId}:${position}`, 1],
  ];
  const item = items[itemId];
  if (item) {
    row.push(['itemNumeric', item.numeric]);
    item.categorical.forEach((f, k) => row.push([`itemCat${k}=${f}`, 1]));
  }
  return row;
}

function affinityFeatures(record: ObdRecord, itemId: number): FeatureRow {
  const affinity = record.affinity[itemId] ?? 0;
  return [
    ['affinity', Math.log1p(affinity)],
    ['affinityAny', affinity > 0 ? 1 : 0],
  ];
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
export function obdRounds(
  logs: ObdLogs,
  evalDist: PositionItemDistribution,
  options: { fitWeights?: number[]; logistic?: LogisticOptions },
): OpeRound[] {
  return fitObdRounds(logs, evalDist, options, false).rounds;
}

/** `obdRounds` on the full sample, with the reward model's trace for intervals that account for its fit. */
export function obdRoundsWithTrace(
  logs: ObdLogs,
  evalDist: PositionItemDistribution,
  options: { logistic?: LogisticOptions } = {},
): { rounds: OpeRound[]; trace: RewardModelTrace } {
  const { rounds, trace } = fitObdRounds(logs, evalDist, options, true);
  return { rounds, trace: trace! };
}

function fitObdRounds(
  logs: ObdLogs,
  evalDist: PositionItemDistribution,
  options: { fitWeights?: number[]; logistic?: LogisticOptions },
  traced: boolean,
): { rounds: OpeRound[]; trace: RewardModelTrace | null } {
  const { records, items } = logs;
  const logistic = options.logistic ?? DEFAULT_LOGISTIC;
  const rows = records.map((r) => obdFeatures(r, r.itemId, r.position, items));
  const model = fitLogistic(
    rows,
    records.map((r) => r.click),
    { ...logistic, sampleWeights: options.fitWeights },
  );
  // z is additive over the feature halves, so cache the action half per (position, item).
  const actionZ = evalDist.map((slot, p) => slot.map((_, a) => model.partial(actionFeatures(a, p, items))));
  const q = (r: ObdRecord, contextZ: number, a: number): number =>
    sigmoid(model.bias + contextZ + actionZ[r.position][a] + model.partial(affinityFeatures(r, a)));
  const evalGradient = new Map<string, number>();
  const rounds = records.map((r) => {
    const contextZ = model.partial(contextFeatures(r));
    let underEval = 0;
    evalDist[r.position].forEach((p, a) => {
      if (p <= 0) return;
      const qa = q(r, contextZ, a);
      underEval += p * qa;
      if (traced) addGradient(evalGradient, obdFeatures(r, a, r.position, items), qa, p);
    });
    return {
      reward: r.click,
      behaviorPropensity: r.propensity,
      evalProbability: evalDist[r.position][r.itemId] ?? 0,
      predictedLogged: q(r, contextZ, r.itemId),
      predictedUnderEval: underEval,
    };
  });
  return { rounds, trace: traced ? { rows, evalGradient, l2: logistic.l2 } : null };
}

export interface BootstrapOptions {
  resamples: number;
  seed: number;
  logistic?: LogisticOptions;
  /** Estimators run on the logistic reward model (default: all). */
  estimators?: string[];
  /** Default: the logistic variant, per-slot IPS/SNIPS and the position-model variants. */
  variants?: readonly RoundVariant[];
}

export interface ObdValidation {
  groundTruth: number;
  behaviorCtr: number;
  resamples: number;
  estimators: Record<string, EstimatorError>;
}

/** The contextual variant: logistic reward model on user, item and position features (`obdRounds`). */
export function logisticVariant(options: { logistic?: LogisticOptions; estimators?: string[] } = {}): RoundVariant {
  return {
    prefix: '',
    estimators: options.estimators ?? Object.keys(ESTIMATORS),
    rounds: (logs, evalDist, fitWeights) => obdRounds(logs, evalDist, { fitWeights, logistic: options.logistic }),
  };
}

/**
 * Relative error |estimate − truth| / truth of every estimator over bootstrap resamples of the behaviour
 * logs (every reward model is refitted on each resample), truth = the evaluation policy's on-policy CTR.
 */
export function validateOnObd(
  behavior: ObdLogs,
  groundTruth: number,
  evalDist: PositionItemDistribution,
  options: BootstrapOptions,
): ObdValidation {
  const variants = options.variants ?? [logisticVariant(options), ...POSITION_MODEL_VARIANTS];
  const estimators = bootstrapErrors({
    rows: behavior.records.length,
    truth: groundTruth,
    resamples: options.resamples,
    rng: createRng(options.seed),
    estimate: (counts) => estimateVariants(behavior, evalDist, variants, counts),
  });
  const behaviorCtr = behavior.records.reduce((s, r) => s + r.click, 0) / behavior.records.length;
  return { groundTruth, behaviorCtr, resamples: options.resamples, estimators };
}
