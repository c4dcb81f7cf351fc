import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SparseScoring } from './recommender.js';
import { BestK, orderByScore, sparseTopK, topK, topKBySort } from './top-k.js';

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
  it('equals topK over the dense scores (prior plus terms, skipped items out), ties and zero terms included', () => {
    const value = fc.integer({ min: -3, max: 3 });
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 60 }),
        fc.array(fc.tuple(fc.nat(), value)),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 2, max: 7 }),
        (priorValues, terms, k, every) => {
          const prior = Float32Array.from(priorValues);
          // A scorer that adds the generated terms, as a model's addTerms would (a term may be 0).
          const scoring: SparseScoring = {
            prior,
            priorOrder: () => orderByScore(prior),
            addTerms: (_state, scores) => {
              const changed = new Set<number>();
              for (const [i, t] of terms) {
                scores[i % prior.length] += t;
                changed.add(i % prior.length);
              }
              return Int32Array.from(changed);
            },
          };
          const scores = Float32Array.from(prior);
          const changed = scoring.addTerms({ items: new Int32Array(0), types: new Uint8Array(0) }, scores);
          const skip = (i: number) => i % every === 1;
          const excluded = Uint8Array.from(scores, (_, i) => (skip(i) ? 1 : 0));
          expect(Array.from(sparseTopK(scoring, scores, changed, k, skip))).toEqual(Array.from(topKBySort(scores, k, excluded)));
        },
      ),
    );
  });
});

describe('BestK', () => {
  it('keeps the k best of offers in any order, ties to the lower index', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 50 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer(),
        (xs, k, seed) => {
          const order = xs.map((_, i) => i).sort((a, b) => ((a * 7919 + seed) % 13) - ((b * 7919 + seed) % 13) || a - b);
          const best = new BestK(k);
          for (const i of order) best.offer(i, xs[i]);
          expect(Array.from(best.sorted())).toEqual(Array.from(topKBySort(Float32Array.from(xs), k)));
        },
      ),
    );
  });
});
