import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../core/index.js';
import { summarize } from './arm-summary.js';
import { cuped, type CupedArm } from './cuped.js';
import { welchDifference } from './difference.js';

/**
 * Users with a latent level u ~ N(0, 1) seen in both periods: x = u + e, y = 10 + u + e' + effect, with
 * Var(e) = Var(e') = ½, so cov(x, y) = 1, Var(x) = Var(y) = 3/2, θ = 2/3 and ρ² = 4/9.
 */
function arm(rng: Rng, users: number, effect: number, missingShare = 0): CupedArm {
  const x: (number | null)[] = [];
  const y: number[] = [];
  for (let i = 0; i < users; i++) {
    const u = rng.normal();
    x.push(rng.next() < missingShare ? null : u + Math.SQRT1_2 * rng.normal());
    y.push(10 + u + Math.SQRT1_2 * rng.normal() + effect);
  }
  return { x, y };
}

describe('cuped', () => {
  it('adjusts a hand-sized case exactly', () => {
    const result = cuped([
      { y: [1, 2, 3], x: [1, 2, 3] },
      { y: [5, 6, 7], x: [1, 2, 3] },
    ]);
    expect(result.theta).toBeCloseTo(1, 14);
    expect(result.covariateMean).toBeCloseTo(2, 14);
    expect(result.adjusted).toEqual([
      [2, 2, 2],
      [6, 6, 6],
    ]);
    expect(result.varianceReduction).toBeCloseTo(1, 14);
  });

  it('leaves users without a covariate unchanged', () => {
    const result = cuped([{ y: [1, 2, 3, 9], x: [1, 2, 3, null] }]);
    expect(result.adjusted[0][3]).toBe(9);
    expect(result.theta).toBeCloseTo(1, 14);
  });

  it('refuses arms whose covariates do not line up with their users', () => {
    expect(() => cuped([{ y: [1, 2], x: [1] }])).toThrow(/one covariate/);
  });

  it('removes the share ρ² of the variance, and less when some users have no pre-period', () => {
    const rng = createRng(5);
    const full = cuped([arm(rng, 20_000, 0), arm(rng, 20_000, 0.1)]);
    expect(full.theta).toBeCloseTo(2 / 3, 1);
    expect(full.varianceReduction).toBeGreaterThan(4 / 9 - 0.02);
    expect(full.varianceReduction).toBeLessThan(4 / 9 + 0.02);
    const partial = cuped([arm(rng, 20_000, 0, 0.4), arm(rng, 20_000, 0.1, 0.4)]);
    expect(partial.varianceReduction).toBeGreaterThan(0.6 * (4 / 9) - 0.02);
    expect(partial.varianceReduction).toBeLessThan(0.6 * (4 / 9) + 0.02);
  });

  it('removes nothing when the covariate is unrelated', () => {
    const rng = createRng(6);
    const unrelated = (users: number): CupedArm => ({
      x: Array.from({ length: users }, () => rng.normal()),
      y: Array.from({ length: users }, () => rng.normal()),
    });
    expect(Math.abs(cuped([unrelated(10_000), unrelated(10_000)]).varianceReduction)).toBeLessThan(0.002);
  });

  it('estimates the effect without bias and with a smaller spread across experiments', () => {
    const rng = createRng(8);
    const effect = 0.1;
    const reps = 1000;
    const raw: number[] = [];
    const adjusted: number[] = [];
    for (let r = 0; r < reps; r++) {
      const control = arm(rng, 1000, 0, 0.2);
      const treatment = arm(rng, 1000, effect, 0.2);
      raw.push(welchDifference(summarize(control.y), summarize(treatment.y)).difference);
      const result = cuped([control, treatment]);
      adjusted.push(welchDifference(summarize(result.adjusted[0]), summarize(result.adjusted[1])).difference);
    }
    const rawSpread = summarize(raw);
    const adjustedSpread = summarize(adjusted);
    expect(Math.abs(adjustedSpread.mean - effect)).toBeLessThan(3 * Math.sqrt(adjustedSpread.variance / reps));
    // With 80% of users covered the expected ratio is 1 − 0.8·ρ².
    expect(adjustedSpread.variance / rawSpread.variance).toBeLessThan(1 - 0.8 * (4 / 9) + 0.12);
    expect(adjustedSpread.variance / rawSpread.variance).toBeGreaterThan(1 - 0.8 * (4 / 9) - 0.12);
  });
});
