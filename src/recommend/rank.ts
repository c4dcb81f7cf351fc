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
} as const;

function range(rows: CandidateRow[], pick: (r: CandidateRow) => number): { lo: number; span: number } {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    const v = pick(r);
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo === Number.POSITIVE_INFINITY ? { lo: 0, span: 1 } : { lo, span: hi - lo || 1 };
}

/** Scores (in place) and sorts candidates best first: blended signals plus the item's business boost. */
export function rankCandidates(rows: CandidateRow[], table: ItemTable, personal: boolean): RankedCandidate[] {
  const model = range(rows, (r) => r.model);
  const maxOf = (pick: (r: CandidateRow) => number) => rows.reduce((m, r) => Math.max(m, pick(r)), 0) || 1;
  const covisit = maxOf((r) => r.covisit);
  const trend = maxOf((r) => r.trend);
  const popular = maxOf((r) => r.popular);
  for (const r of rows) {
    let score = BLEND.trend * (r.trend / trend) + (r.isNew ? BLEND.newItem : 0) + table.boost[r.index];
    if (personal) {
      if (Number.isFinite(r.model)) score += BLEND.model * ((r.model - model.lo) / model.span);
      score += BLEND.covisit * (r.covisit / covisit);
    } else {
      score += BLEND.popular * (r.popular / popular);
    }
    r.score = score;
  }
  return rows.sort((a, b) => b.score - a.score || a.index - b.index);
}
