import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { rankBy, topK } from './slate-utils.js';

describe('topK', () => {
  it('gives the first k of rankBy order, ties to the smaller id, over 2,000 random cases', () => {
    const rng = createRng(9);
    for (let t = 0; t < 2000; t++) {
      const ids = new Set<string>();
      const n = rng.int(60);
      while (ids.size < n) ids.add(`i${rng.int(1000)}`);
      const candidates = [...ids].map((itemId) => ({ itemId, score: 0 }));
      // Integer values collide often, so ties are exercised.
      const values = candidates.map(() => (rng.next() < 0.3 ? rng.int(4) : rng.normal()));
      const k = rng.int(15);
      expect(topK(values, candidates, k)).toEqual(
        rankBy(values, candidates)
          .slice(0, k)
          .map((i) => candidates[i].itemId),
      );
    }
  });
});
