import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { leaveOneOut, readDataset } from '../data/index.js';
import { getModelSpec } from '../models/index.js';
import { evaluate } from './evaluate.js';
import { comparePaired } from './paired.js';

const BEAUTY = fileURLToPath(new URL('../../test/fixtures/amazon-s3rec/Beauty.txt', import.meta.url));
const options = (seed = 1) => ({ resamples: 400, rng: createRng(seed) });

describe('evaluate with perCase', () => {
  it("returns each case's value of the mean metrics, whose mean is the metric", async () => {
    const split = leaveOneOut(readDataset(BEAUTY));
    const pop = await getModelSpec('pop').fit(split.train, {}, { seed: 0 });
    const r = evaluate(pop, split, 'test', { metrics: ['hr@10', 'ndcg@10', 'coverage@10'], perCase: true });
    const perCase = r.perCase ?? {};
    expect(Object.keys(perCase).sort()).toEqual(['hr@10', 'ndcg@10']); // coverage is not a mean over cases
    expect(perCase['hr@10']).toHaveLength(r.cases);
    expect(perCase['hr@10'].reduce((s, v) => s + v, 0)).toBe(94); // the hits counted in metrics.test.ts
    expect(perCase['ndcg@10'].reduce((s, v) => s + v, 0) / r.cases).toBeCloseTo(r.metrics['ndcg@10'], 12);
    expect(evaluate(pop, split, 'test', { metrics: ['hr@10'] }).perCase).toBeUndefined();
  });
});

describe('comparePaired', () => {
  it('keeps the pairs: a gain every case shares has no spread, however much the cases differ', () => {
    // Case difficulty varies a lot and both models share it; A is ahead by 0.02 on every case.
    const rng = createRng(7);
    const b = Float64Array.from({ length: 200 }, () => rng.next());
    const a = b.map((v) => v + 0.02);
    const r = comparePaired(a, b, options());
    expect(r.difference).toBeCloseTo(0.02, 12);
    expect(r.lower).toBeCloseTo(0.02, 9);
    expect(r.upper).toBeCloseTo(0.02, 9);
    expect([r.aBetter, r.bBetter, r.cases]).toEqual([200, 0, 200]);
  });

  it('puts a gap of a few discordant hits inside the interval, and a large one outside', () => {
    const hits = (n: number, ones: number[]) => Float64Array.from({ length: n }, (_, i) => (ones.includes(i) ? 1 : 0));
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    // 1,500 cases; both hit cases 0–59; A also hits 60–79, B 80–103: B ahead by 4 hits.
    const close = comparePaired(hits(1500, [...range(0, 80)]), hits(1500, [...range(0, 60), ...range(80, 104)]), options(3));
    expect(close.difference).toBeCloseTo(-4 / 1500, 12);
    expect([close.aBetter, close.bBetter]).toEqual([20, 24]);
    expect(close.lower).toBeLessThan(0);
    expect(close.upper).toBeGreaterThan(0);
    // A ahead by 60 discordant hits to 0.
    const far = comparePaired(hits(1500, range(0, 120)), hits(1500, range(0, 60)), options(3));
    expect(far.lower).toBeGreaterThan(0);
  });

  it('refuses series of different lengths', () => {
    expect(() => comparePaired(new Float64Array(3), new Float64Array(4), options())).toThrow(/equally long/);
  });
});
