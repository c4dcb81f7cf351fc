import { z } from 'zod';
import { PackedFloats } from '../core/index.js';
import { AppealPosterior, type AppealEstimate, type AppealPosteriorJson } from './appeal-posterior.js';
import { normalPdf } from './normal.js';
import { clampWeight, distinctCandidates, slotCount } from './slate-utils.js';
import type { AppealBelief, Candidate, ChooseContext, Feedback } from './types.js';

/** What both neural policies share: the posterior's priors. */
export const AppealParams = z.object({
  baseRate: z.number().gt(0).lt(1).default(0.05).describe('prior reward rate of an average candidate'),
  scoreSlope: z.number().min(0).default(0.5).describe('prior probit change per standard deviation of model score'),
  priorSd: z.number().positive().default(1).describe("prior sd of an item's appeal correction when the candidate gives none"),
  noise: z.number().positive().default(1).describe('probit noise of one outcome'),
  maxItems: z.number().int().positive().default(100_000).describe('items with a belief of their own (least recently updated dropped)'),
  positions: z
    .number()
    .int()
    .min(0)
    .max(100)
    .default(20)
    .describe('slate positions whose effect on outcomes is learned apart from the appeal (0 = none)'),
});
export type AppealParams = z.infer<typeof AppealParams>;

const AppealStateBase = z.object({
  global: z.array(z.number()).min(4).max(202),
  covariance: z
    .array(z.number())
    .max(101 * 101)
    .optional(),
  misfit: z.object({ products: z.number(), slopes: z.number().min(0), pairs: z.number().int().min(0) }).optional(),
  dimension: z.number().int().positive().nullable(),
});
/** The saved posterior: item beliefs packed (appeal-posterior.ts), or as number arrays in a state saved before. */
export const AppealState = z.union([
  AppealStateBase.extend({
    // A string once read back from JSON; the arrays themselves when a saved state is loaded in the same process.
    packed: z.object({
      ids: z.array(z.string()),
      lengths: z.array(z.number().int().positive()),
      values: z.union([z.string(), z.instanceof(PackedFloats)]),
    }),
  }),
  AppealStateBase.extend({ items: z.record(z.string(), z.array(z.number())) }),
]);

/**
 * Each candidate's score standardised within its request: (score − mean) / sd over the finite scores, 0 when
 * all are equal. A non-finite score (a model's −∞ for a masked item, an overflow) would otherwise make the mean
 * and sd NaN and flatten every candidate to 0 — a random slate; it takes the highest standardised score if
 * it is +∞ and the lowest otherwise.
 */
export function standardScores(candidates: readonly Candidate[]): Float64Array {
  let n = 0;
  let mean = 0;
  for (const c of candidates) {
    if (!Number.isFinite(c.score)) continue;
    n += 1;
    mean += (c.score - mean) / n;
  }
  let variance = 0;
  for (const c of candidates) if (Number.isFinite(c.score)) variance += (c.score - mean) ** 2 / n;
  const sd = Math.sqrt(variance);
  const z = Float64Array.from(candidates, (c) => (sd > 0 && Number.isFinite(c.score) ? (c.score - mean) / sd : 0));
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < z.length; i++) {
    if (!Number.isFinite(candidates[i].score)) continue;
    lo = Math.min(lo, z[i]);
    hi = Math.max(hi, z[i]);
  }
  for (let i = 0; i < z.length; i++) if (!Number.isFinite(candidates[i].score)) z[i] = candidates[i].score === Infinity ? hi : lo;
  return z;
}

/** One request's candidates with their posterior means and sds, computed once for every draw. */
export interface PreparedAppeal {
  distinct: Candidate[];
  slots: number;
  weight: number;
  mean: Float64Array;
  /** Sd of the candidate's own terms (item correction and score slope): what ranking draws vary. */
  sd: Float64Array;
}

/** The posterior's estimate for each distinct candidate, with its score standardised within the request. */
function estimateEach(
  posterior: AppealPosterior,
  candidates: Candidate[],
  context: ChooseContext,
): { distinct: Candidate[]; estimates: AppealEstimate[] } {
  const distinct = distinctCandidates(candidates);
  const scores = standardScores(distinct);
  const x = posterior.features(context.state);
  const estimates = distinct.map((c, i) => posterior.estimate(c.itemId, scores[i], x, c.uncertainty ?? posterior.params.priorSd));
  return { distinct, estimates };
}

export function prepareAppeal(posterior: AppealPosterior, candidates: Candidate[], context: ChooseContext): PreparedAppeal {
  const { distinct, estimates } = estimateEach(posterior, candidates, context);
  const mean = Float64Array.from(estimates, (e) => e.mean);
  const sd = Float64Array.from(estimates, (e) => Math.sqrt(e.itemVariance));
  return { distinct, slots: slotCount(distinct, context), weight: clampWeight(context.exploreWeight), mean, sd };
}

/** The posterior's view of each distinct candidate: its appeal probability and the sd of its own term. */
export function appealBeliefs(posterior: AppealPosterior, candidates: Candidate[], context: ChooseContext): AppealBelief[] {
  const { distinct, estimates } = estimateEach(posterior, candidates, context);
  const pairVariance = posterior.pairEffect.variance();
  return distinct.map((c, i) => {
    const e = estimates[i];
    const scale = Math.sqrt(posterior.params.noise ** 2 + e.variance);
    // Delta method: d Φ(m/s) / dm = φ(m/s)/s for the item term, φ(m/s) for a shift of the pair's own latent.
    const density = normalPdf(e.mean / scale);
    return {
      itemId: c.itemId,
      ...(c.cluster !== undefined ? { cluster: c.cluster } : {}),
      appeal: posterior.probability(e),
      uncertainty: Math.sqrt(e.itemVariance),
      appealSd: density * Math.sqrt(e.itemVariance / scale ** 2 + pairVariance),
    };
  });
}

/**
 * One outcome into the posterior. A reward for an impression already counted as a failure
 * (`impression: false`) is applied as one more success: assumed density filtering cannot take an update
 * back, so such a slot counts as a failure and a success (a slight underestimate of its appeal).
 */
export function observeFeedback(posterior: AppealPosterior, feedback: Feedback): void {
  posterior.observe({
    itemId: feedback.itemId,
    score: feedback.score,
    state: feedback.state,
    position: feedback.position,
    priorSd: feedback.uncertainty,
    reward: feedback.reward,
    pair: feedback.pair,
    impression: feedback.impression,
  });
}

export function loadPosterior(params: AppealParams, state: unknown, parse: (s: unknown) => AppealPosteriorJson): AppealPosterior {
  return new AppealPosterior(params, state === undefined || state === null ? undefined : parse(state));
}

/**
 * A candidate's `uncertainty` from the model's evidence on the item: priorSd / √(1 + interactions / n0).
 * Under a Laplace approximation the precision of an item's output embedding grows with the number of
 * times it was a training target; this keeps that shape without another pass over the training data.
 * An item the model never saw (added after training) gets the full prior sd.
 */
export function evidenceUncertainty(interactions: number, priorSd = 1, n0 = 10): number {
  const n = Number.isFinite(interactions) && interactions > 0 ? interactions : 0;
  return priorSd / Math.sqrt(1 + n / n0);
}
