import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topK, topKBySort } from './top-k.js';

describe('topK', () => {
  it('equals a full sort with ties, -Infinity, NaN, exclusions and any k', () => {
    const score = fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: -4, max: 4 }) },
      { weight: 1, arbitrary: fc.constant(Number.NEGATIVE_INFINITY) },
      { weight: 1, arbitrary: fc.constant(Number.NaN) },
    );
    fc.assert(
      fc.property(fc.array(score, { maxLength: 80 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 2, max: 9 }), (xs, k, every) => {
        const scores = Float32Array.from(xs);
        const excluded = Uint8Array.from(xs, (_, i) => (i % every === 1 ? 1 : 0));
        expect(Array.from(topK(scores, k, excluded))).toEqual(Array.from(topKBySort(scores, k, excluded)));
        expect(Array.from(topK(scores, k))).toEqual(Array.from(topKBySort(scores, k)));
      }),
    );
  });
});
