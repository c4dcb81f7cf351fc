import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SparseScoring } from './recommender.js';
import { orderByScore, sparseTopK, topK, topKBySort } from './top-k.js';

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

describe('sparseTopK', () => {
  it('equals topK over the dense scores (prior, touched scores written over it, skipped items out), ties included', () => {
    const value = fc.integer({ min: -3, max: 3 });
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 60 }), fc.array(fc.tuple(fc.nat(), value)), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 2, max: 7 }),
        (priorValues, touches, k, every) => {
          const prior = Float32Array.from(priorValues);
          const scoring: SparseScoring = { prior, priorOrder: () => orderByScore(prior), touched: () => new Map() };
          const touched = new Map(touches.map(([i, s]) => [i % prior.length, s]));
          const skip = (i: number) => i % every === 1;
          const dense = Float32Array.from(prior);
          for (const [i, s] of touched) dense[i] = s;
          const excluded = Uint8Array.from(dense, (_, i) => (skip(i) ? 1 : 0));
          expect(Array.from(sparseTopK(scoring, touched, k, skip))).toEqual(Array.from(topKBySort(dense, k, excluded)));
        }),
    );
  });
});
