import type { PositionModel, SlotImpression } from './position-model.js';
import type { OpeRound } from './types.js';

/** A context-free slate policy: dist[slot][item] = probability the item is shown in the slot. */
export type SlotItemDistribution = number[][];

/** A logged impression with the behaviour policy's propensity of its item in its slot. */
export interface LoggedSlotImpression extends SlotImpression {
  propensity: number;
}

/**
 * Estimator inputs with a context-free reward model (e.g. the position-based model): q̂(a, p) = model
 * CTR, and Σ_a π_e(a | p) q̂(a, p) per slot.
 */
export function positionModelRounds(
  rows: readonly LoggedSlotImpression[],
  evalDist: SlotItemDistribution,
  model: Pick<PositionModel, 'ctr'>,
): OpeRound[] {
  const underEval = evalDist.map((slot, p) => slot.reduce((s, pe, a) => s + pe * model.ctr(a, p), 0));
  return rows.map((r) => ({
    reward: r.click,
    behaviorPropensity: r.propensity,
    evalProbability: evalDist[r.position]?.[r.itemId] ?? 0,
    predictedLogged: model.ctr(r.itemId, r.position),
    predictedUnderEval: underEval[r.position],
  }));
}

/** Share of the (weighted) rows in each slot. */
export function slotShares(rows: readonly SlotImpression[], slateSize: number, weights?: number[]): number[] {
  const counts = new Array<number>(slateSize).fill(0);
  rows.forEach((r, i) => (counts[r.position] += weights ? weights[i] : 1));
  const total = counts.reduce((a, b) => a + b, 0) || 1;
  return counts.map((c) => c / total);
}

/**
 * The behaviour policy as dist[slot][item], read off the logged propensities (mean per (slot, item)).
 * Exact only for a context-free logger such as OBD's uniform Random; unseen pairs get 0.
 */
export function loggedPropensityDistribution(
  rows: readonly LoggedSlotImpression[],
  shape: { slateSize: number; itemCount: number },
): SlotItemDistribution {
  const total = Array.from({ length: shape.slateSize }, () => new Array<number>(shape.itemCount).fill(0));
  const seen = Array.from({ length: shape.slateSize }, () => new Array<number>(shape.itemCount).fill(0));
  for (const r of rows) {
    total[r.position][r.itemId] += r.propensity;
    seen[r.position][r.itemId]++;
  }
  return total.map((slot, p) => slot.map((t, a) => (seen[p][a] ? t / seen[p][a] : 0)));
}

export interface PoolingOptions {
  evalDist: SlotItemDistribution;
  /** Context-free behaviour policy, dist[slot][item]. */
  behaviorDist: SlotItemDistribution;
  /** Share of rows per slot. */
  slotShares: number[];
  /** θ per slot (PBM); all-equal means "no position effect". */
  slotRate: number[];
}

/**
 * Replaces each round's per-slot weight π_e(a|p)/π_b(a|p) by an item weight pooled over the slots:
 *   w(a) = Σ_p s_p π_e(a|p) θ_p / Σ_p s_p π_b(a|p) θ_p.
 * Under the PBM (CTR = θ_p α_a) a click in any slot is evidence on α_a, so E[w(a)·r] over the logs is
 * Σ_p s_p Σ_a π_e(a|p) θ_p α_a, the policy value, while the weights no longer vary from slot to slot.
 * θ cancels when π_e and π_b do not depend on the slot. Rounds keep their reward-model predictions.
 */
export function poolOverSlots(rounds: OpeRound[], rows: readonly SlotImpression[], options: PoolingOptions): OpeRound[] {
  const { evalDist, behaviorDist, slotShares: s } = options;
  const flat = options.slotRate.every((t) => t <= 0);
  const theta = flat ? options.slotRate.map(() => 1) : options.slotRate;
  const exposure = (dist: SlotItemDistribution, a: number): number =>
    dist.reduce((acc, slot, p) => acc + s[p] * (slot[a] ?? 0) * theta[p], 0);
  const items = evalDist[0]?.length ?? 0;
  const pooledEval = Array.from({ length: items }, (_, a) => exposure(evalDist, a));
  const pooledBehavior = Array.from({ length: items }, (_, a) => exposure(behaviorDist, a));
  return rounds.map((r, i) => {
    const a = rows[i].itemId;
    // A zero pooled behaviour exposure cannot occur for a logged item unless θ of its slot is 0.
    return pooledBehavior[a] > 0 ? { ...r, evalProbability: pooledEval[a], behaviorPropensity: pooledBehavior[a] } : r;
  });
}
