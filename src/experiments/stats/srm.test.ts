import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/index.js';
import { sampleRatioMismatch } from './srm.js';

describe('sampleRatioMismatch', () => {
  it("matches textbook goodness-of-fit cases (Mendel's peas, a skewed three-way split)", () => {
    const peas = sampleRatioMismatch([315, 108, 101, 32], [9, 3, 3, 1]);
    expect(peas.degreesOfFreedom).toBe(3);
    expect(peas.pValue).toBeCloseTo(0.925425895103616, 12);
    expect(peas.mismatch).toBe(false);
    const skewed = sampleRatioMismatch([50, 30, 20], [1, 1, 1]);
    expect(skewed.chiSquare).toBeCloseTo(14, 12);
    expect(skewed.pValue).toBeCloseTo(Math.exp(-7), 14);
    expect(skewed.mismatch).toBe(true);
  });

  it('flags a 52/48 split of a 50/50 experiment at large n, and not a fair one', () => {
    const skewed = sampleRatioMismatch([5200, 4800], [1, 1]);
    expect(skewed.pValue).toBeCloseTo(6.334248366623988e-5, 16);
    expect(skewed.mismatch).toBe(true);
    expect(sampleRatioMismatch([5040, 4960], [1, 1]).mismatch).toBe(false);
    expect(sampleRatioMismatch([5000, 5000], [1, 1]).pValue).toBe(1);
    expect(sampleRatioMismatch([52, 48], [1, 1]).mismatch).toBe(false);
  });

  it('checks unequal weights against their own shares', () => {
    expect(sampleRatioMismatch([2500, 7500], [1, 3]).pValue).toBe(1);
    expect(sampleRatioMismatch([5000, 5000], [1, 3]).mismatch).toBe(true);
  });

  it('raises false alarms about as often as its threshold under fair assignment, and catches a real 52/48 skew', () => {
    const rng = createRng(9);
    const reps = 2000;
    const users = 30_000;
    let fairFlags = 0;
    let skewFlags = 0;
    for (let r = 0; r < reps; r++) {
      let fair = 0;
      let skew = 0;
      for (let u = 0; u < users; u++) {
        const draw = rng.next();
        if (draw < 0.5) fair++;
        if (draw < 0.52) skew++;
      }
      if (sampleRatioMismatch([fair, users - fair], [1, 1]).mismatch) fairFlags++;
      if (sampleRatioMismatch([skew, users - skew], [1, 1]).mismatch) skewFlags++;
    }
    expect(fairFlags / reps).toBeLessThan(0.004);
    expect(skewFlags / reps).toBeGreaterThan(0.99);
  });

  it('refuses mismatched or invalid inputs', () => {
    expect(() => sampleRatioMismatch([10, 20], [1])).toThrow(/invalid sample-ratio check/);
    expect(() => sampleRatioMismatch([10, 20], [1, 0])).toThrow(/invalid/);
    expect(() => sampleRatioMismatch([10.5, 20], [1, 1])).toThrow(/invalid/);
    expect(sampleRatioMismatch([0, 0], [1, 1])).toMatchObject({ pValue: 1, mismatch: false });
  });
});
