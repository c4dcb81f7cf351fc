import type { Recommender, UserState } from './recommender.js';
import { topK, type ScoredItem } from './top-k.js';

export interface RecommendOptions {
  /** Items never to return (e.g. out of stock). */
  exclude?: Iterable<number>;
  /** Also leave out the items already in the state's history. Default true. */
  excludeHistory?: boolean;
}

/** The k best items for a state, best first, with their scores. */
export function recommend(model: Recommender, state: UserState, k: number, options: RecommendOptions = {}): ScoredItem[] {
  const scores = model.scoreAll(state);
  const excluded = new Uint8Array(model.nItems);
  if (options.excludeHistory ?? true) for (const i of state.items) excluded[i] = 1;
  for (const i of options.exclude ?? []) if (i >= 0 && i < excluded.length) excluded[i] = 1;
  return Array.from(topK(scores, k, excluded), (item) => ({ item, score: scores[item] }));
}
