import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../core/index.js';
import { gaussianSlotDistribution, gaussianSlotPropensities } from './gaussian-propensity.js';
import { sampleDistribution, sampleWithPropensities } from './monte-carlo.js';
import { preparedAppeal as prepared } from '../../test/support/prepared-appeal.js';
import type { PreparedAppeal } from './neural-params.js';
import { normalCdf } from './normal.js';
import { topIndices } from './slate-utils.js';

function drawer(p: PreparedAppeal) {
  const values = new Float64Array(p.mean.length);
  return (rng: Rng): number[] => {
    for (let i = 0; i < p.mean.length; i++) values[i] = p.mean[i] + p.weight * p.sd[i] * rng.normal();
    return topIndices(values, p.distinct, p.slots);
  };
}

/** A crowded request: 30 candidates whose draws overlap, 5 slots. */
const crowded = prepared(
  Array.from({ length: 30 }, (_, i) => 2 - i * 0.08),
  Array.from({ length: 30 }, (_, i) => 0.3 + (i % 4) * 0.15),
  5,
);

describe('gaussianSlotPropensities', () => {
  it('is exact in closed form for two candidates: P(b beats a) = Φ((μb − μa) / √(σa² + σb²))', () => {
    const p = prepared([1, 0], [0.5, 0.8], 1);
    const truth = normalCdf((0 - 1) / Math.sqrt(0.25 + 0.64));
    const [estimate] = gaussianSlotPropensities(p, [1], createRng(1), 4000);
    expect(estimate).toBeCloseTo(truth, 2);
  });

  it('agrees with the slot frequencies of 200,000 direct draws, for the shown slate and for every candidate', () => {
    const shown = drawer(crowded)(createRng(7));
    const freq = sampleDistribution((rng) => drawer(crowded)(rng).map((i) => crowded.distinct[i].itemId), createRng(8), 200_000);
    const estimates = gaussianSlotPropensities(crowded, shown, createRng(9), 3000);
    shown.forEach((item, s) => {
      const truth = freq[s].get(crowded.distinct[item].itemId) ?? 0;
      expect(Math.abs(estimates[s] - truth)).toBeLessThan(0.01 + 0.1 * truth);
    });
    const dist = gaussianSlotDistribution(crowded, createRng(10), 2000);
    expect(dist).toHaveLength(crowded.slots);
    dist.forEach((row, s) => {
      expect([...row.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      for (const c of crowded.distinct)
        expect(Math.abs((row.get(c.itemId) ?? 0) - (freq[s].get(c.itemId) ?? 0)), `${s}:${c.itemId}`).toBeLessThan(0.01);
    });
  });

  it('at equal re-samples has well under half the squared error of counting hits', () => {
    const shown = drawer(crowded)(createRng(11));
    const truth = gaussianSlotPropensities(crowded, shown, createRng(12), 20_000);
    const ids = shown.map((i) => crowded.distinct[i].itemId);
    let conditional = 0;
    let counted = 0;
    for (let t = 0; t < 60; t++) {
      const a = gaussianSlotPropensities(crowded, shown, createRng(100 + t), 50);
      // sampleWithPropensities shows its own first draw; a sampler that always returns `ids` first keeps the slate fixed.
      let first = true;
      const fixed = (rng: Rng) => {
        if (first) {
          first = false;
          return ids;
        }
        return drawer(crowded)(rng).map((i) => crowded.distinct[i].itemId);
      };
      const b = sampleWithPropensities(fixed, createRng(200 + t), 50).map((slot) => slot.propensity);
      for (let s = 0; s < shown.length; s++) {
        conditional += (a[s] - truth[s]) ** 2;
        counted += (b[s] - truth[s]) ** 2;
      }
    }
    expect(conditional).toBeLessThan(counted / 2.5);
  });

  it('gives a rare slot its small propensity, far below the 1/(draws+1) floor of hit counting', () => {
    const p = prepared([1.8, 0], [0.3, 0.3], 1);
    const truth = normalCdf(-1.8 / Math.sqrt(0.18));
    expect(truth).toBeLessThan(2e-5);
    expect(Math.abs(gaussianSlotPropensities(p, [1], createRng(3), 4000)[0] / truth - 1)).toBeLessThan(0.15);
    const [few] = gaussianSlotPropensities(p, [1], createRng(4), 20);
    expect(few).toBeLessThan(1 / 21 / 100);
    expect(few).toBeGreaterThan(0);
  });

  it('counts a candidate without spread as hit or missed', () => {
    const p = prepared([2, 1, 0], [0, 0, 0], 2);
    expect(gaussianSlotPropensities(p, [0, 1], createRng(1), 10)).toEqual([1, 1]);
    expect(gaussianSlotPropensities(p, [1, 0], createRng(1), 10)).toEqual([1e-9, 1e-9]);
  });
});
