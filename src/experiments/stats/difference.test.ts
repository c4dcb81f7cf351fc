import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/index.js';
import { summarize } from './arm-summary.js';
import { relativeLift, welchDifference } from './difference.js';

const control = summarize([3, 5, 4, 6, 8, 5, 4]);
const treatment = summarize([6, 7, 9, 5, 8, 10, 7, 6]);

describe('welchDifference', () => {
  it("matches Welch's test on a textbook pair of samples", () => {
    const result = welchDifference(control, treatment);
    expect(result.difference).toBeCloseTo(2.25, 14);
    expect(result.difference / result.standardError).toBeCloseTo(2.6349301969610397, 12);
    expect(result.degreesOfFreedom).toBeCloseTo(12.808781538649134, 11);
    expect(result.pValue).toBeCloseTo(0.02080386304680069, 12);
    expect(result.interval.lower).toBeCloseTo(0.40243062725831913, 11);
    expect(result.interval.upper).toBeCloseTo(4.097569372741681, 11);
    expect(result.variance).toBeCloseTo(result.standardError ** 2, 14);
  });

  it('widens with the confidence', () => {
    const narrow = welchDifference(control, treatment, { confidence: 0.8 });
    const wide = welchDifference(control, treatment, { confidence: 0.99 });
    expect(wide.interval.upper - wide.interval.lower).toBeGreaterThan(narrow.interval.upper - narrow.interval.lower);
  });

  it('covers the true difference about 95% of the time with small, unequal-variance arms', () => {
    const rng = createRng(11);
    let covered = 0;
    const reps = 4000;
    for (let r = 0; r < reps; r++) {
      const a = summarize(Array.from({ length: 5 }, () => 10 + 4 * rng.normal()));
      const b = summarize(Array.from({ length: 30 }, () => 11 + rng.normal()));
      const { interval } = welchDifference(a, b);
      if (interval.lower <= 1 && 1 <= interval.upper) covered++;
    }
    expect(covered / reps).toBeGreaterThan(0.935);
    expect(covered / reps).toBeLessThan(0.965);
  });

  it('handles arms without spread and refuses arms with fewer than 2 users', () => {
    const flat = welchDifference({ n: 50, mean: 0, variance: 0 }, { n: 60, mean: 0, variance: 0 });
    expect(flat.pValue).toBe(1);
    expect(flat.interval).toEqual({ lower: 0, upper: 0 });
    expect(() => welchDifference({ n: 1, mean: 0, variance: 0 }, treatment)).toThrow(/at least 2 users/);
  });
});

describe('relativeLift', () => {
  it('is the delta-method interval around treatment / control − 1', () => {
    const result = relativeLift(control, treatment);
    const se = Math.sqrt(treatment.variance / treatment.n / 25 + (7.25 ** 2 * (control.variance / control.n)) / 5 ** 4);
    expect(result?.lift).toBeCloseTo(0.45, 14);
    expect(result?.standardError).toBeCloseTo(se, 14);
    expect(result?.interval.lower).toBeCloseTo(0.45 - 1.959963984540054 * se, 12);
  });

  it('is null when the control mean is 0', () => {
    expect(relativeLift({ n: 10, mean: 0, variance: 0 }, { n: 10, mean: 0.2, variance: 0.1 })).toBeNull();
  });

  it('covers the true lift about 95% of the time on skewed revenue per user', () => {
    const rng = createRng(12);
    // Revenue per user: 20% of users buy, spend exp(N(3, 1)); E = 0.2·e^3.5, and treatment buys 10% more often.
    const revenue = (buyRate: number): number => (rng.next() < buyRate ? Math.exp(3 + rng.normal()) : 0);
    let covered = 0;
    const reps = 1500;
    for (let r = 0; r < reps; r++) {
      const a = summarize(Array.from({ length: 2000 }, () => revenue(0.2)));
      const b = summarize(Array.from({ length: 2000 }, () => revenue(0.22)));
      const lift = relativeLift(a, b);
      if (lift && lift.interval.lower <= 0.1 && 0.1 <= lift.interval.upper) covered++;
    }
    expect(covered / reps).toBeGreaterThan(0.92);
    expect(covered / reps).toBeLessThan(0.97);
  });
});
