import { weightTable } from '../data/index.js';
import type { EventWeights } from '../core/index.js';
import type { UserState } from './recommender.js';

/**
 * The weight of each history item when a model scores from a state: its behaviour weight times
 * `recencyDecay` to the power of its distance from the newest event (1 = order does not matter).
 * Without behaviour tokens every event weighs 1.
 */
export function historyWeights(state: UserState, recencyDecay: number, weights?: EventWeights): Float64Array {
  const n = state.items.length;
  const table = state.types ? weightTable(weights) : null;
  const out = new Float64Array(n);
  let decay = 1;
  for (let p = n - 1; p >= 0; p--) {
    out[p] = (table && state.types ? table[state.types[p]] : 1) * decay;
    decay *= recencyDecay;
  }
  return out;
}
