import type { Event, EventWeights } from '../../core/index.js';
import { userItemSequences } from '../math/embeddings.js';

export interface Neighbour {
  id: string;
  weight: number;
}

export interface NeighbourOptions {
  /** Items on each side in a user's time-ordered sequence that count as co-occurring. Default 5. */
  window?: number;
  /** Strongest neighbours kept per item. Default 50. */
  maxNeighbours?: number;
  weights?: EventWeights;
}

/** Each item's strongest co-occurring items (weight 1/distance, summed over all users), strongest first. */
export function itemNeighbours(events: Iterable<Event>, options: NeighbourOptions = {}): Map<string, Neighbour[]> {
  const window = options.window ?? 5;
  const pairs = new Map<string, Map<string, number>>();
  const add = (a: string, b: string, w: number): void => {
    let m = pairs.get(a);
    if (!m) pairs.set(a, (m = new Map()));
    m.set(b, (m.get(b) ?? 0) + w);
  };
  for (const seq of userItemSequences(events, options.weights).values()) {
    for (let i = 0; i < seq.length; i++) {
      for (let j = i + 1; j <= Math.min(seq.length - 1, i + window); j++) {
        const [a, b] = [seq[i].itemId as string, seq[j].itemId as string];
        if (a === b) continue;
        add(a, b, 1 / (j - i));
        add(b, a, 1 / (j - i));
      }
    }
  }
  const out = new Map<string, Neighbour[]>();
  for (const [id, m] of pairs) {
    const list = [...m].map(([n, weight]) => ({ id: n, weight })).sort((x, y) => y.weight - x.weight || (x.id < y.id ? -1 : 1));
    out.set(id, list.slice(0, options.maxNeighbours ?? 50));
  }
  return out;
}
