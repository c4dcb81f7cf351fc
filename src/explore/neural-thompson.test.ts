import { describe, expect, it } from 'vitest';
import { NORMAL_BOUND, createRng } from '../core/index.js';
import { sampleDistribution } from './monte-carlo.js';
import { preparedAppeal as prepared } from '../../test/support/prepared-appeal.js';
import type { PreparedAppeal } from './neural-params.js';
import { reachable } from './neural-thompson.js';
import { topK } from './slate-utils.js';

function sampler(p: PreparedAppeal) {
  const values = new Float64Array(p.mean.length);
  return (rng: ReturnType<typeof createRng>) => {
    for (let i = 0; i < p.mean.length; i++) values[i] = p.mean[i] + p.weight * p.sd[i] * rng.normal();
    return topK(values, p.distinct, p.slots);
  };
}

describe('NORMAL_BOUND', () => {
  it('is the largest Box-Muller radius of 32-bit uniforms, and draws stay inside it', () => {
    expect(NORMAL_BOUND).toBeCloseTo(6.6604, 4);
    const rng = createRng(1);
    let max = 0;
    for (let i = 0; i < 200_000; i++) max = Math.max(max, Math.abs(rng.normal()));
    expect(max).toBeGreaterThan(3.5);
    expect(max).toBeLessThanOrEqual(NORMAL_BOUND);
  });
});

describe('reachable', () => {
  it('drops exactly the candidates whose highest draw is below the slots-th best lowest draw', () => {
    // Two slots; the second-best lowest draw is i1's 9 - 1·B. i2 reaches 9 - B + 0.01 (kept), i3 falls 0.01 short.
    const b = NORMAL_BOUND;
    const p = prepared([10, 9, 9 - 2 * b + 0.01, 9 - 2 * b - 0.01, 0], [1, 1, 1, 1, 0], 2);
    expect(reachable(p).distinct.map((c) => c.itemId)).toEqual(['i0', 'i1', 'i2']);
    // At explore weight 0 the draws are the means: only the two best remain.
    expect(reachable({ ...p, weight: 0 }).distinct.map((c) => c.itemId)).toEqual(['i0', 'i1']);
  });

  it('keeps everyone when the slate takes every candidate or a spread is not a number', () => {
    const p = prepared([3, 2, 1], [1, 1, 1], 3);
    expect(reachable(p)).toBe(p);
    const bad = prepared([3, 2, 1, -50], [NaN, NaN, 1, 1], 2);
    expect(reachable(bad)).toBe(bad);
  });

  it('leaves the slate distribution as it was (Monte-Carlo frequencies agree)', () => {
    const mean = Array.from({ length: 60 }, (_, i) => 3 - i * 0.1);
    const sd = Array.from({ length: 60 }, (_, i) => 0.2 + (i % 5) * 0.1);
    const full = prepared(mean, sd, 5, 0.5);
    const pruned = reachable(full);
    expect(pruned.distinct.length).toBeLessThan(40);
    const draws = 20_000;
    const a = sampleDistribution(sampler(full), createRng(3), draws);
    const b = sampleDistribution(sampler(pruned), createRng(4), draws);
    for (let s = 0; s < 5; s++) {
      for (const id of new Set([...a[s].keys(), ...b[s].keys()])) {
        // Binomial sd of a frequency at 20,000 draws is at most 0.0035; 5 sd of the difference of two.
        expect(Math.abs((a[s].get(id) ?? 0) - (b[s].get(id) ?? 0))).toBeLessThan(0.025);
      }
    }
  });
});
