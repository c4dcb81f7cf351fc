import { estimateAll } from './estimators.js';
import type { ObdLogs, ObdRecord } from './obd.js';
import { countSlotItems, fitPositionModel, type AttractionPrior } from './position-model.js';
import {
  loggedPropensityDistribution,
  poolOverSlots,
  positionModelRounds,
  slotShares,
  type SlotItemDistribution,
} from './position-rounds.js';
import type { OpeRound } from './types.js';

/** One way of turning slate logs into estimator inputs (a reward model, a weighting) and the estimators run on it. */
export interface RoundVariant {
  /** Result keys are `${prefix}/${estimator}`, or the estimator's own name when the prefix is ''. */
  prefix: string;
  estimators: string[];
  /**
   * Rounds depend only on each row's (slot, item, click, propensity): the variant is then run on the
   * distinct rows with their multiplicities, which gives the same estimates far faster.
   */
  contextFree?: boolean;
  /** Inputs for every logged row; the reward model is fitted on the rows weighted by `fitWeights`. */
  rounds(logs: ObdLogs, evalDist: SlotItemDistribution, fitWeights?: number[]): OpeRound[];
}

export interface PositionVariantOptions {
  prefix: string;
  prior: AttractionPrior;
  /** Pool the importance weights over slots (`poolOverSlots`) with the fitted θ. */
  pooled?: boolean;
  estimators: string[];
}

/** A variant whose reward model is the position-based click model fitted on the logs. */
export function positionModelVariant(options: PositionVariantOptions): RoundVariant {
  return {
    prefix: options.prefix,
    estimators: options.estimators,
    contextFree: true,
    rounds(logs, evalDist, fitWeights) {
      const shape = { slateSize: logs.slateSize, itemCount: logs.itemCount };
      const model = fitPositionModel(countSlotItems(logs.records, shape, fitWeights), { prior: options.prior });
      const rounds = positionModelRounds(logs.records, evalDist, model);
      if (!options.pooled) return rounds;
      return poolOverSlots(rounds, logs.records, {
        evalDist,
        behaviorDist: loggedPropensityDistribution(logs.records, shape),
        slotShares: slotShares(logs.records, logs.slateSize, fitWeights),
        slotRate: model.slotRate,
      });
    },
  };
}

const MODEL_BASED = ['dm', 'dr', 'sndr', 'switch-dr', 'dros'];

/** Per-slot IPS and SNIPS on their own (they read no reward model). */
export const SLOT_IPS_VARIANT = positionModelVariant({
  prefix: '',
  prior: { kind: 'fixed', shape: Infinity },
  estimators: ['ips', 'snips'],
});

/**
 * The slate-structured variants: PBM with an empirical-Bayes prior (the data pick the shrinkage), PBM with
 * a fixed weak prior (shape 1: as much prior weight as one click at the average rate), and weights pooled
 * over slots with the empirical-Bayes PBM as control variate.
 */
export const POSITION_MODEL_VARIANTS: readonly RoundVariant[] = [
  positionModelVariant({ prefix: 'pbm-eb', prior: { kind: 'empirical-bayes' }, estimators: MODEL_BASED }),
  positionModelVariant({ prefix: 'pbm-k1', prior: { kind: 'fixed', shape: 1 }, estimators: MODEL_BASED }),
  positionModelVariant({ prefix: 'pooled', prior: { kind: 'empirical-bayes' }, pooled: true, estimators: ['ips', 'snips', 'dr', 'sndr'] }),
];

interface RowGroups {
  /** The first row of each group of identical (slot, item, click, propensity) rows. */
  logs: ObdLogs;
  /** Group of each original row. */
  groupOf: Int32Array;
}

const groupCache = new WeakMap<ObdLogs, RowGroups>();

function rowGroups(logs: ObdLogs): RowGroups {
  const cached = groupCache.get(logs);
  if (cached) return cached;
  const index = new Map<string, number>();
  const records: ObdRecord[] = [];
  const groupOf = new Int32Array(logs.records.length);
  logs.records.forEach((r, i) => {
    const key = `${r.position}|${r.itemId}|${r.click}|${r.propensity}`;
    let at = index.get(key);
    if (at === undefined) {
      index.set(key, (at = records.length));
      records.push(r);
    }
    groupOf[i] = at;
  });
  const groups = { logs: { ...logs, records }, groupOf };
  groupCache.set(logs, groups);
  return groups;
}

function groupWeights(groups: RowGroups, counts?: number[]): number[] {
  const weights = new Array<number>(groups.logs.records.length).fill(0);
  groups.groupOf.forEach((g, i) => (weights[g] += counts ? counts[i] : 1));
  return weights;
}

/** Every variant's estimates on the full logs (`counts` undefined) or on a bootstrap resample, keyed by result name. */
export function estimateVariants(
  logs: ObdLogs,
  evalDist: SlotItemDistribution,
  variants: readonly RoundVariant[],
  counts?: number[],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of variants) {
    let est: Record<string, number>;
    if (v.contextFree) {
      const groups = rowGroups(logs);
      const weights = groupWeights(groups, counts);
      est = estimateAll(v.rounds(groups.logs, evalDist, weights), v.estimators, weights);
    } else {
      est = estimateAll(v.rounds(logs, evalDist, counts), v.estimators, counts);
    }
    for (const [name, value] of Object.entries(est)) out[v.prefix ? `${v.prefix}/${name}` : name] = value;
  }
  return out;
}
