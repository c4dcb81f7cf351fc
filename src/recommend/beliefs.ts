/**
 * The uncertainty of a shopper's interests, as the serving policy sees it: its per-candidate beliefs
 * (appeal and the sd of the candidate's own term) gathered by category, with the category's stage in the
 * shopper's history (established, fading, unknown). What the console's shopper page and
 * `GET /v1/users/:id/interests/uncertainty` show; see docs/explore.md.
 */
import { interestStage, type AppealBelief, type InterestShares, type InterestStage } from '../explore/index.js';

export interface InterestBelief {
  category: string;
  stage: InterestStage;
  /** Candidates of this category in the next slate's shortlist. */
  candidates: number;
  /** Mean posterior appeal of those candidates. */
  appeal: number;
  /** Root mean square of their sds: how unsure the policy is about this interest for this shopper. */
  uncertainty: number;
  /** Root mean square of their appeal sds (`AppealBelief.appealSd`): the error to expect of `appeal`. */
  appealSd: number;
}

/** Candidates without a category are grouped under this name. */
export const UNCATEGORISED = '(no category)';

/** Beliefs by category, most uncertain first (ties: higher appeal first, then by name). */
export function interestBeliefs(beliefs: readonly AppealBelief[], shares: InterestShares): InterestBelief[] {
  const groups = new Map<string, AppealBelief[]>();
  for (const b of beliefs) {
    const key = b.cluster ?? UNCATEGORISED;
    const group = groups.get(key);
    if (group) group.push(b);
    else groups.set(key, [b]);
  }
  return [...groups]
    .map(([category, group]): InterestBelief => ({
      category,
      stage: interestStage(category, shares),
      candidates: group.length,
      appeal: group.reduce((s, b) => s + b.appeal, 0) / group.length,
      uncertainty: Math.sqrt(group.reduce((s, b) => s + b.uncertainty * b.uncertainty, 0) / group.length),
      appealSd: Math.sqrt(group.reduce((s, b) => s + b.appealSd * b.appealSd, 0) / group.length),
    }))
    .sort((a, b) => b.uncertainty - a.uncertainty || b.appeal - a.appeal || (a.category < b.category ? -1 : 1));
}
