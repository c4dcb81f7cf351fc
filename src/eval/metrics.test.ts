import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { leaveOneOut, readDataset } from '../data/index.js';
import { getModelSpec, topK, topKBySort } from '../models/index.js';
import { evaluate, rankFull } from './evaluate.js';
import { gini, parseMetric, type CaseOutcome, type MetricContext } from './metrics.js';

const ctx: MetricContext = { nItems: 10, itemUsers: new Float64Array(10).fill(1), nTrainUsers: 10 };
const value = (name: string, cases: CaseOutcome[]): number => {
  const acc = parseMetric(name).create(ctx);
  cases.forEach((c) => acc.add(c));
  return acc.value();
};
const one = (rank: number): CaseOutcome => ({ ranks: Float64Array.of(rank), nCandidates: 11, topK: new Int32Array(0) });

describe('metrics', () => {
  it('single target: HR, NDCG, MRR, AUC by hand', () => {
    expect(value('hr@10', [one(0), one(9), one(10)])).toBeCloseTo(2 / 3);
    expect(value('ndcg@10', [one(0), one(2)])).toBeCloseTo((1 + 1 / Math.log2(4)) / 2);
    expect(value('mrr', [one(0), one(3)])).toBeCloseTo((1 + 0.25) / 2);
    expect(value('auc', [one(0), one(10)])).toBeCloseTo(0.5); // top = 1, bottom of 10 negatives = 0
    expect(value('hr@10', [one(Number.POSITIVE_INFINITY)])).toBe(0);
  });

  it('multi-target: precision, recall, F1, MAP', () => {
    const c: CaseOutcome = { ranks: Float64Array.of(0, 2, 30), nCandidates: 100, topK: new Int32Array(0) };
    expect(value('precision@5', [c])).toBeCloseTo(2 / 5);
    expect(value('recall@5', [c])).toBeCloseTo(2 / 3);
    expect(value('f1@5', [c])).toBeCloseTo((2 * 0.4 * (2 / 3)) / (0.4 + 2 / 3));
    expect(value('map@5', [c])).toBeCloseTo((1 + 2 / 3) / 3);
  });

  it('names are result keys; unknown names are BAD_INPUT', () => {
    expect(parseMetric('NDCG@10').name).toBe('ndcg@10');
    expect(parseMetric('novelty@10').needs).toContain('popularity');
    expect(() => parseMetric('ndcg')).toThrow(/unknown metric/);
  });

  it('gini: 0 for equal exposure, (n-1)/n for one item', () => {
    expect(gini(Float64Array.of(3, 3, 3))).toBeCloseTo(0);
    expect(gini(Float64Array.of(0, 0, 0, 8))).toBeCloseTo(0.75);
  });

  it('full ranking counts ties pessimistically and excludes the history', () => {
    const scores = Float32Array.of(5, 3, 3, 3, 9);
    const excluded = Uint8Array.of(0, 0, 0, 0, 1);
    const out = rankFull(scores, excluded, Int32Array.of(2), 3);
    expect(out.ranks[0]).toBe(3); // item 0 ahead, plus the two items tied with it
    expect(out.nCandidates).toBe(4);
    expect(Array.from(out.topK)).toEqual([0, 1, 2]);
  });

  it('topK (heap) equals the full-sort reference', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 20 }), (xs, k) => {
        const scores = Float32Array.from(xs);
        const excluded = Uint8Array.from(xs, (_, i) => (i % 7 === 3 ? 1 : 0));
        expect(Array.from(topK(scores, k, excluded))).toEqual(Array.from(topKBySort(scores, k, excluded)));
      }),
    );
  });
});

// A synthetic file in the S3-Rec format (378 users, 211 items, 5-core; test/fixtures/README.md). The expected
// values come from an independent count (the Python in test/fixtures/README.md: leave-one-out, full ranking over
// all items minus the history, ties counted against the target). The published PopRec row itself is reproduced
// on the real Beauty.txt by bench/quality.ts (row pop_fullseq, docs/benchmarks.md).
const BEAUTY = fileURLToPath(new URL('../../test/fixtures/amazon-s3rec/Beauty.txt', import.meta.url));

describe('protocol check on S3-Rec sequence files (fixture)', () => {
  it('PopRec counted over whole sequences (leaky, as in the published row) and over the training part give the counted numbers', async () => {
    const split = leaveOneOut(readDataset(BEAUTY));
    expect(split.test.users).toHaveLength(378);
    const pop = getModelSpec('pop');
    const metrics = ['hr@10', 'ndcg@10', 'hr@20', 'ndcg@20'];
    const leaky = evaluate(await pop.fit(split.full, {}, { seed: 0 }), split, 'test', { metrics }).metrics;
    expect(leaky['hr@10']).toBeCloseTo(95 / 378, 12);
    expect(leaky['ndcg@10']).toBeCloseTo(0.14644418077052684, 12);
    expect(leaky['hr@20']).toBeCloseTo(133 / 378, 12);
    expect(leaky['ndcg@20']).toBeCloseTo(0.1718177055846375, 12);
    const clean = evaluate(await pop.fit(split.train, {}, { seed: 0 }), split, 'test', { metrics }).metrics;
    expect(clean['hr@10']).toBeCloseTo(94 / 378, 12);
    expect(clean['ndcg@10']).toBeCloseTo(0.14493910611795238, 12);
    expect(clean['hr@20']).toBeCloseTo(125 / 378, 12);
    expect(clean['ndcg@20']).toBeCloseTo(0.16519903106323233, 12);
  });
});
