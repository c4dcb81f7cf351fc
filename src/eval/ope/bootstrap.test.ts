import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/index.js';
import { bootstrapCounts, bootstrapErrors } from './bootstrap.js';

describe('bootstrap', () => {
  it('draws n rows with replacement, about 63% of them distinct', () => {
    const counts = bootstrapCounts(10_000, createRng(1));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(counts.filter((c) => c > 0).length / 10_000).toBeCloseTo(1 - Math.exp(-1), 1);
  });

  it('scores relative errors against the truth: a constant 10% overestimate has error 0.1 and sd 0', () => {
    const errors = bootstrapErrors({ rows: 50, truth: 2, resamples: 5, rng: createRng(2), estimate: () => ({ x: 2.2 }) });
    expect(errors.x.meanRelativeError).toBeCloseTo(0.1, 12);
    expect(errors.x.sdRelativeError).toBeCloseTo(0, 12);
    expect(errors.x.fullSampleEstimate).toBe(2.2);
  });

  it('passes resample counts to the estimator and the full sample as undefined', () => {
    const seen: Array<number[] | undefined> = [];
    const errors = bootstrapErrors({
      rows: 4,
      truth: 1,
      resamples: 3,
      rng: createRng(3),
      estimate: (counts) => {
        seen.push(counts);
        return { mean: counts ? counts[0] : 1 };
      },
    });
    expect(seen[0]).toBeUndefined();
    expect(seen.slice(1).every((c) => c?.length === 4 && c.reduce((a, b) => a + b, 0) === 4)).toBe(true);
    expect(errors.mean.meanEstimate).toBeCloseTo(seen.slice(1).reduce((a, c) => a + (c ? c[0] : 0), 0) / 3, 12);
  });
});
