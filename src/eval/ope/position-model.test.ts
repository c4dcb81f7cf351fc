import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/index.js';
import { countSlotItems, fitPositionModel, logGamma, negativeBinomialLogLikelihood, type SlotImpression } from './position-model.js';

/** Rows drawn from a known PBM: slot uniform, item uniform, click ~ Bernoulli(θ_p α_a). */
function pbmRows(theta: number[], alpha: number[], n: number, seed: number): SlotImpression[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const position = rng.int(theta.length);
    const itemId = rng.int(alpha.length);
    return { position, itemId, click: rng.next() < theta[position] * alpha[itemId] ? 1 : 0 };
  });
}

describe('logGamma and the negative binomial', () => {
  it('matches known values of ln Γ', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(logGamma(100.5)).toBeCloseTo(logGamma(99.5) + Math.log(99.5), 9);
  });

  it('is a distribution over counts with the given mean, and Poisson at shape ∞', () => {
    const pmf = (k: number) => Array.from({ length: 200 }, (_, c) => Math.exp(negativeBinomialLogLikelihood(c, 2.5, k)));
    for (const k of [0.3, 1, 7, Infinity]) {
      const p = pmf(k);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      expect(p.reduce((a, v, c) => a + v * c, 0)).toBeCloseTo(2.5, 6); // a heavy tail past 200 at k = 0.3
    }
    expect(negativeBinomialLogLikelihood(3, 2.5, Infinity)).toBeCloseTo(3 * Math.log(2.5) - 2.5 - Math.log(6), 12);
    expect(negativeBinomialLogLikelihood(3, 2.5, 1e7)).toBeCloseTo(negativeBinomialLogLikelihood(3, 2.5, Infinity), 5);
  });
});

describe('position-based model', () => {
  it('counts weighted (slot, item) impressions and clicks', () => {
    const rows = [
      { position: 0, itemId: 1, click: 1 },
      { position: 0, itemId: 1, click: 0 },
      { position: 1, itemId: 0, click: 1 },
    ];
    expect(countSlotItems(rows, { slateSize: 2, itemCount: 2 }, [2, 1, 3])).toEqual({
      impressions: [
        [0, 3],
        [3, 0],
      ],
      clicks: [
        [0, 2],
        [3, 0],
      ],
    });
  });

  it('reproduces exactly multiplicative click counts (hand-computed) and ignores items under an infinite-shape prior', () => {
    // CTR(item, slot) = θ_p α_a with θ = (0.02, 0.01), α = (1, 3): clicks per 100 impressions.
    const counts = {
      impressions: [
        [100, 100],
        [100, 100],
      ],
      clicks: [
        [2, 6],
        [1, 3],
      ],
    };
    const mle = fitPositionModel(counts, { prior: { kind: 'fixed', shape: 1e-9 } });
    expect(mle.ctr(0, 0)).toBeCloseTo(0.02, 6);
    expect(mle.ctr(1, 0)).toBeCloseTo(0.06, 6);
    expect(mle.ctr(0, 1)).toBeCloseTo(0.01, 6);
    expect(mle.ctr(1, 1)).toBeCloseTo(0.03, 6);
    const flat = fitPositionModel(counts, { prior: { kind: 'fixed', shape: Infinity } });
    expect(flat.attraction).toEqual([1, 1]);
    expect(flat.slotRate[0]).toBeCloseTo(8 / 200, 12);
    expect(flat.slotRate[1]).toBeCloseTo(4 / 200, 12);
  });

  it('shrinks attractions toward 1 more under a stronger prior', () => {
    const counts = { impressions: [[100, 100]], clicks: [[1, 9]] };
    const spread = (shape: number) => {
      const m = fitPositionModel(counts, { prior: { kind: 'fixed', shape } });
      return m.attraction[1] / m.attraction[0];
    };
    expect(spread(0.5)).toBeGreaterThan(spread(5));
    expect(spread(5)).toBeGreaterThan(spread(50));
    expect(spread(50)).toBeGreaterThan(1);
  });

  it('recovers θ ratios and α from a seeded synthetic log; empirical Bayes shrinks only when items do not differ', () => {
    const theta = [0.06, 0.03, 0.02];
    const alpha = [0.5, 1, 1.5, 0.25, 1.75];
    const rows = pbmRows(theta, alpha, 150_000, 3);
    const m = fitPositionModel(countSlotItems(rows, { slateSize: 3, itemCount: 5 }), { prior: { kind: 'empirical-bayes' } });
    expect(m.priorShape).toBeLessThan(Infinity);
    expect(m.slotRate[1] / m.slotRate[0]).toBeCloseTo(0.5, 1);
    expect(m.slotRate[2] / m.slotRate[0]).toBeCloseTo(1 / 3, 1);
    alpha.forEach((a, i) => expect(Math.abs(m.ctr(i, 0) - theta[0] * a) / (theta[0] * a), `item ${i}`).toBeLessThan(0.12));
    const same = pbmRows(theta, [1, 1, 1, 1, 1], 30_000, 4);
    const flat = fitPositionModel(countSlotItems(same, { slateSize: 3, itemCount: 5 }), { prior: { kind: 'empirical-bayes' } });
    expect(flat.priorShape).toBeGreaterThanOrEqual(100);
  });
});
