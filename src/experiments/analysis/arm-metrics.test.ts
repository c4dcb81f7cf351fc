import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/index.js';
import { sampleSummary, type MetricSample } from './arm-metrics.js';

describe('sampleSummary of a ratio metric', () => {
  it('has the variance of the ratio across repeated experiments (per user, not per impression)', () => {
    const rng = createRng(11);
    const ratios: number[] = [];
    const predicted: number[] = [];
    for (let rep = 0; rep < 400; rep++) {
      const numerators: number[] = [];
      const denominators: number[] = [];
      for (let u = 0; u < 300; u++) {
        // Users differ in taste (their own CTR) and in how much they see: clicks cluster within users.
        const impressions = 1 + Math.floor(rng.next() * 20);
        const ctr = rng.next() < 0.2 ? 0.5 : 0.05;
        let clicks = 0;
        for (let i = 0; i < impressions; i++) if (rng.next() < ctr) clicks++;
        numerators.push(clicks);
        denominators.push(impressions);
      }
      const sample: MetricSample = { kind: 'ratio', numerators, denominators };
      const summary = sampleSummary(sample)!;
      ratios.push(summary.mean);
      predicted.push(summary.variance / summary.n);
    }
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    const observed = ratios.reduce((a, r) => a + (r - mean) ** 2, 0) / (ratios.length - 1);
    const expected = predicted.reduce((a, b) => a + b, 0) / predicted.length;
    // 400 replicates estimate a variance to about ±14% (2 sd); the per-impression binomial variance is far smaller.
    expect(observed / expected).toBeGreaterThan(0.8);
    expect(observed / expected).toBeLessThan(1.25);
    const binomial = (mean * (1 - mean)) / (300 * 10.5);
    expect(observed / binomial).toBeGreaterThan(2);
  });

  it('is undefined with no denominator and plain for means', () => {
    expect(sampleSummary({ kind: 'ratio', numerators: [0, 0], denominators: [0, 0] })).toBeNull();
    expect(sampleSummary({ kind: 'mean', values: [1, 3], covariate: [null, null] })).toEqual({ n: 2, mean: 2, variance: 2 });
  });
});
