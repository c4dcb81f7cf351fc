import type { CandidateRow } from './candidates.js';
import type { ItemTable } from './item-table.js';

/** A candidate whose `score` has been set by `rankCandidates`. */
export type RankedCandidate = CandidateRow;

/**
 * Weights of the ranking blend. Each signal is scaled to [0, 1] over the request's candidates first
 * (model scores min-max, the others by their maximum), so the weights mean the same for any model.
 */
export const BLEND = {
  model: 1,
  covisit: 0.6,
  trend: 0.3,
  /** Only without a personal state, where popularity stands in for the model. */
  popular: 1,
  newItem: 0.15,
  /** Shop by photo: looks lead, the shopper's interests (the model) re-rank among them. */
  lookalike: 2,
} as const;

/**
 * Scores (in place) and sorts candidates best first: blended signals plus the item's business boost.
 * Plain loops rather than a picker per signal: a double returned from a closure that is not inlined is a
 * heap number, one per candidate and signal, and this runs for every request (docs/benchmarks.md).
 */
export function rankCandidates(rows: CandidateRow[], table: ItemTable, personal: boolean): RankedCandidate[] {
  let modelLo = Number.POSITIVE_INFINITY;
  let modelHi = Number.NEGATIVE_INFINITY;
  let covisit = 0;
  let trend = 0;
  let popular = 0;
  let lookLo = Number.POSITIVE_INFINITY;
  let lookHi = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    if (r.lookalike < lookLo) lookLo = r.lookalike;
    if (r.lookalike > lookHi) lookHi = r.lookalike;
    if (Number.isFinite(r.model)) {
      if (r.model < modelLo) modelLo = r.model;
      if (r.model > modelHi) modelHi = r.model;
    }
    if (r.covisit > covisit) covisit = r.covisit;
    if (r.trend > trend) trend = r.trend;
    if (r.popular > popular) popular = r.popular;
  }
  // Min-max for the model (no finite score: lo 0, span 1); the others by their maximum (1 when none is positive).
  if (modelLo === Number.POSITIVE_INFINITY) modelLo = modelHi = 0;
  const modelSpan = modelHi - modelLo || 1;
  covisit ||= 1;
  trend ||= 1;
  popular ||= 1;
  // NaN (not a shop-by-photo request) never compares, so lo stays +∞ and no row gets the term.
  const lookSpan = lookHi - lookLo || 1;
  for (const r of rows) {
    let score = BLEND.trend * (r.trend / trend) + (r.isNew ? BLEND.newItem : 0) + table.boost[r.index];
    if (r.lookalike >= lookLo) score += BLEND.lookalike * ((r.lookalike - lookLo) / lookSpan);
    if (personal) {
      if (Number.isFinite(r.model)) score += BLEND.model * ((r.model - modelLo) / modelSpan);
      score += BLEND.covisit * (r.covisit / covisit);
    } else {
      score += BLEND.popular * (r.popular / popular);
    }
    r.score = score;
  }
  return rows.sort(byScore);
}

/** Best first, ties by index. Answers small integers: a comparator's double difference is a heap number per comparison. */
export function byScore(a: { score: number; index: number }, b: { score: number; index: number }): number {
  return a.score > b.score ? -1 : a.score < b.score ? 1 : a.index - b.index;
}
