import { describe, expect, it } from 'vitest';
import { pairedLift, tInterval } from './stats.js';

describe('bench stats', () => {
  it('gives the t-interval of a mean', () => {
    const i = tInterval([1, 2, 3, 4, 5]);
    expect(i.mean).toBe(3);
    // sd = √2.5, t(4) = 2.776
    expect(i.high - i.mean).toBeCloseTo((2.776 * Math.sqrt(2.5)) / Math.sqrt(5), 6);
  });

  it('pairs lifts shop by shop', () => {
    const i = pairedLift([110, 220, 330], [100, 200, 300]);
    expect(i.mean).toBeCloseTo(0.1, 9);
    expect(i.high - i.low).toBeCloseTo(0, 9);
  });
});
