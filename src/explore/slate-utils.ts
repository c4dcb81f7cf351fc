import type { Candidate, ChooseContext, SlateDistribution, SlateSlot } from './types.js';

/** Candidates with duplicate item ids collapsed to the highest-scoring one (a slate shows distinct items). */
export function distinctCandidates(candidates: Candidate[]): Candidate[] {
  const best = new Map<string, Candidate>();
  for (const c of candidates) {
    const seen = best.get(c.itemId);
    if (!seen || c.score > seen.score) best.set(c.itemId, c);
  }
  return [...best.values()];
}

/** Number of slots a request gets: k, capped by the distinct candidates available. */
export function slotCount(candidates: Candidate[], context: ChooseContext): number {
  return Math.max(0, Math.min(Math.floor(context.k), candidates.length));
}

/** Indices of `values` ordered best first; ties go to the smaller item id so the order is deterministic. */
export function rankBy(values: ArrayLike<number>, candidates: Candidate[]): number[] {
  const order = Array.from({ length: candidates.length }, (_, i) => i);
  order.sort((a, b) => values[b] - values[a] || compareIds(candidates[a].itemId, candidates[b].itemId));
  return order;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Indices of the top `k` candidates by a value vector, in `rankBy`'s order (ties to the smaller id). Kept
 * by insertion into a list of k rather than by sorting every candidate: Thompson sampling calls this on each
 * of a request's propensity re-samples.
 */
export function topIndices(values: ArrayLike<number>, candidates: Candidate[], k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < candidates.length && k > 0; i++) {
    if (best.length === k && !ranksAbove(values, candidates, i, best[k - 1])) continue;
    let at = best.length === k ? k - 1 : best.length;
    while (at > 0 && ranksAbove(values, candidates, i, best[at - 1])) {
      best[at] = best[at - 1];
      at--;
    }
    best[at] = i;
  }
  return best;
}

/** Whether candidate i ranks above candidate j: a higher value, or the same value and the smaller id. */
function ranksAbove(values: ArrayLike<number>, candidates: Candidate[], i: number, j: number): boolean {
  return values[i] > values[j] || (values[i] === values[j] && compareIds(candidates[i].itemId, candidates[j].itemId) < 0);
}

/** The top `k` candidates by a value vector, as item ids (see `topIndices`). */
export function topK(values: ArrayLike<number>, candidates: Candidate[], k: number): string[] {
  return topIndices(values, candidates, k).map((i) => candidates[i].itemId);
}

/** A deterministic slate: every slot has propensity 1. */
export function certainSlots(itemIds: string[]): SlateSlot[] {
  return itemIds.map((itemId, position) => ({ itemId, position, propensity: 1 }));
}

/** The distribution of a deterministic slate. */
export function certainDistribution(itemIds: string[]): SlateDistribution {
  return itemIds.map((id) => new Map([[id, 1]]));
}

/** Clamps an explore weight to [0, 1]; NaN counts as 0 (exploit) so a bad input never explores wildly. */
export function clampWeight(w: number): number {
  return Number.isFinite(w) ? Math.min(1, Math.max(0, w)) : 0;
}
