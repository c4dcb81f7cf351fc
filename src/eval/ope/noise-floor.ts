import { createRng, CurioError, type Rng } from '../../core/index.js';
import { bootstrapErrors } from './bootstrap.js';
import type { ObdLogs, ObdRecord } from './obd.js';
import type { SlotItemDistribution } from './position-rounds.js';
import { estimateVariants, type RoundVariant } from './round-variants.js';

/**
 * Parametric simulation of the OBD validation protocol: a known click model (the "world") generates a
 * behaviour log and an on-policy log of the evaluation policy; the estimators run on the first under the
 * same bootstrap protocol and are scored against the click rate of the second. The spread of the scores
 * over many simulated pairs of logs is what an estimator can reach at these sample sizes.
 */
export interface NoiseFloorOptions {
  /** True CTR per (slot, item): ctr[slot][item]. */
  ctr: number[][];
  evalDist: SlotItemDistribution;
  behaviorDist: SlotItemDistribution;
  behaviorSlotShares: number[];
  evalSlotShares: number[];
  behaviorRows: number;
  evalRows: number;
  replicates: number;
  resamples: number;
  seed: number;
  variants: readonly RoundVariant[];
  /** Reported as the share of replicates with a mean relative error at or below it. */
  threshold: number;
}

/** Distribution over simulated replicates of one estimator's bootstrap mean relative error. */
export interface FloorSummary {
  mean: number;
  sd: number;
  p10: number;
  p50: number;
  p90: number;
  shareAtOrBelowThreshold: number;
  /** Mean of (full-sample estimate − true policy value) / true policy value. */
  meanRelativeBias: number;
}

export interface NoiseFloor {
  policyValue: number;
  behaviorCtr: number;
  expectedBehaviorClicks: number;
  expectedTruthClicks: number;
  replicates: number;
  threshold: number;
  /** Knows the policy value exactly: only the on-policy log's click noise is left. */
  oracleExact: FloorSummary;
  /** Knows the world up to its level: value × (behaviour CTR observed / expected); unbiased, bootstrapped. */
  oracleLevel: FloorSummary;
  estimators: Record<string, FloorSummary>;
}

function cumulative(values: number[]): number[] {
  let acc = 0;
  return values.map((v) => (acc += v));
}

function pick(cum: number[], u: number): number {
  const target = u * cum[cum.length - 1];
  let i = 0;
  while (i < cum.length - 1 && cum[i] <= target) i++;
  return i;
}

/** A context-free log: slot ~ shares, item ~ dist[slot], click ~ Bernoulli(ctr). */
export function simulateSlotLog(options: {
  ctr: number[][];
  dist: SlotItemDistribution;
  slotShares: number[];
  rows: number;
  rng: Rng;
}): ObdLogs {
  const slotCum = cumulative(options.slotShares);
  const itemCum = options.dist.map(cumulative);
  const records: ObdRecord[] = [];
  for (let i = 0; i < options.rows; i++) {
    const position = pick(slotCum, options.rng.next());
    const itemId = pick(itemCum[position], options.rng.next());
    const click = options.rng.next() < options.ctr[position][itemId] ? 1 : 0;
    records.push({ timestampMs: 0, itemId, position, click, propensity: options.dist[position][itemId], userFeatures: [], affinity: [] });
  }
  return { records, items: [], itemCount: options.dist[0].length, slateSize: options.dist.length };
}

/** Σ_p share_p Σ_a dist[p][a]·ctr[p][a]. */
export function policyValue(ctr: number[][], dist: SlotItemDistribution, slotShares: number[]): number {
  return dist.reduce((s, slot, p) => s + slotShares[p] * slot.reduce((t, pr, a) => t + pr * ctr[p][a], 0), 0);
}

function summarise(errors: number[], biases: number[], threshold: number): FloorSummary {
  const n = errors.length;
  const mean = errors.reduce((a, b) => a + b, 0) / n;
  const sorted = [...errors].sort((a, b) => a - b);
  const q = (f: number): number => sorted[Math.min(n - 1, Math.floor(f * n))];
  return {
    mean,
    sd: Math.sqrt(errors.reduce((a, e) => a + (e - mean) ** 2, 0) / Math.max(1, n - 1)),
    p10: q(0.1),
    p50: q(0.5),
    p90: q(0.9),
    shareAtOrBelowThreshold: errors.filter((e) => e <= threshold).length / n,
    meanRelativeBias: biases.reduce((a, b) => a + b, 0) / n,
  };
}

/** Runs the simulation; every replicate draws both logs afresh and runs the full bootstrap protocol. */
export function noiseFloor(o: NoiseFloorOptions): NoiseFloor {
  const value = policyValue(o.ctr, o.evalDist, o.evalSlotShares);
  const behaviorCtr = policyValue(o.ctr, o.behaviorDist, o.behaviorSlotShares);
  const errors: Record<string, number[]> = {};
  const biases: Record<string, number[]> = {};
  const record = (name: string, error: number, bias: number): void => {
    (errors[name] ??= []).push(error);
    (biases[name] ??= []).push(bias);
  };
  const rng = createRng(o.seed);
  for (let rep = 0; rep < o.replicates; rep++) {
    const behavior = simulateSlotLog({ ctr: o.ctr, dist: o.behaviorDist, slotShares: o.behaviorSlotShares, rows: o.behaviorRows, rng });
    const onPolicy = simulateSlotLog({ ctr: o.ctr, dist: o.evalDist, slotShares: o.evalSlotShares, rows: o.evalRows, rng });
    const truth = onPolicy.records.reduce((s, r) => s + r.click, 0) / o.evalRows;
    if (truth === 0) continue; // relative error undefined; never happens at the OBD sizes
    const results = bootstrapErrors({
      rows: o.behaviorRows,
      truth,
      resamples: o.resamples,
      rng,
      estimate: (counts) => ({
        ...estimateVariants(behavior, o.evalDist, o.variants, counts),
        oracleLevel:
          (value * behavior.records.reduce((s, r, i) => s + r.click * (counts ? counts[i] : 1), 0)) / o.behaviorRows / behaviorCtr,
      }),
    });
    for (const [name, e] of Object.entries(results)) record(name, e.meanRelativeError, (e.fullSampleEstimate - value) / value);
    record('oracleExact', Math.abs(value - truth) / truth, 0);
  }
  const summaries = Object.fromEntries(Object.keys(errors).map((k) => [k, summarise(errors[k], biases[k], o.threshold)]));
  const { oracleExact, oracleLevel, ...estimators } = summaries;
  return {
    policyValue: value,
    behaviorCtr,
    expectedBehaviorClicks: behaviorCtr * o.behaviorRows,
    expectedTruthClicks: value * o.evalRows,
    replicates: errors.oracleExact?.length ?? 0,
    threshold: o.threshold,
    oracleExact,
    oracleLevel,
    estimators,
  };
}

export interface TiltOptions {
  /** θ per slot and α per item of a fitted position-based model. */
  slotRate: number[];
  attraction: number[];
  evalDist: SlotItemDistribution;
  behaviorDist: SlotItemDistribution;
  evalSlotShares: number[];
  behaviorSlotShares: number[];
  /** Wanted behaviour CTR and evaluation-policy value. */
  behaviorCtr: number;
  policyValue: number;
}

/** Largest |γ| the tilt searches. */
const MAX_EXPONENT = 64;

/**
 * A world with the model's item order but a chosen size: CTR = c·θ_p·α_a^γ, γ found by bisection so that
 * value / behaviour CTR hits the wanted ratio, c so that the behaviour CTR hits its target. Used to ask
 * "what if the sample's click counts were the truth" without touching any estimator. γ < 0 turns the item
 * order round. Throws BAD_INPUT, with the ratios at γ = −64, 0 and 64 in the message, when no exponent in
 * [−64, 64] reaches the ratio.
 */
export function tiltedWorld(o: TiltOptions): { ctr: number[][]; exponent: number } {
  // An item never clicked in the model's data still gets a tiny attraction, so α^γ stays finite for γ < 0.
  const logAttraction = o.attraction.map((a) => Math.log(Math.max(a, 1e-9)));
  // θ_p·α_a^γ divided by the largest α^γ: the ratio does not depend on the scale, and nothing overflows.
  const shape = (gamma: number): number[][] => {
    const top = Math.max(...logAttraction.map((l) => gamma * l));
    return o.slotRate.map((theta) => logAttraction.map((l) => theta * Math.exp(gamma * l - top)));
  };
  const ratio = (gamma: number): number => {
    const ctr = shape(gamma);
    return policyValue(ctr, o.evalDist, o.evalSlotShares) / policyValue(ctr, o.behaviorDist, o.behaviorSlotShares);
  };
  const wanted = o.policyValue / o.behaviorCtr;
  const gap = (gamma: number): number => ratio(gamma) - wanted;
  // The crossing nearest γ = 0: the ratio may rise or fall with γ (it falls when the policy shows the items
  // the model finds least attractive), so both sides are searched, [0, ±1], [±1, ±2], … [±32, ±64].
  let bracket: [number, number] | null = gap(0) === 0 ? [0, 0] : null;
  for (let edge = 1; !bracket && edge <= MAX_EXPONENT; edge *= 2) {
    for (const side of [1, -1]) {
      const [a, b] = [side * (edge === 1 ? 0 : edge / 2), side * edge];
      if (!bracket && Math.sign(gap(a)) !== Math.sign(gap(b))) bracket = [a, b];
    }
  }
  if (!bracket) {
    const reach = [-MAX_EXPONENT, 0, MAX_EXPONENT].map((g) => ratio(g).toFixed(3));
    throw new CurioError(
      'BAD_INPUT',
      `value / behaviour CTR ${wanted.toFixed(3)} is out of reach of this model (γ = −${MAX_EXPONENT}, 0, ${MAX_EXPONENT} give ${reach.join(', ')})`,
    );
  }
  let [lo, hi] = bracket;
  const loSign = Math.sign(gap(lo));
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (Math.sign(gap(mid)) === loSign) lo = mid;
    else hi = mid;
  }
  const gamma = (lo + hi) / 2;
  const unscaled = shape(gamma);
  const scale = o.behaviorCtr / policyValue(unscaled, o.behaviorDist, o.behaviorSlotShares);
  return { ctr: unscaled.map((slot) => slot.map((x) => Math.min(1, scale * x))), exponent: gamma };
}
