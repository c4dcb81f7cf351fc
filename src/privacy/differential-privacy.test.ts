import { describe, expect, it } from 'vitest';
import { CurioError } from '../core/errors.js';
import { createRng } from '../core/random.js';
import {
  budgetSpent,
  countPrivacy,
  cryptoNoiseSource,
  epsilon,
  laplaceNoise,
  laplaceScale,
  noisyCount,
  noisyTopK,
  sensitivity,
} from './differential-privacy.js';

/** Mean |x| and mean x² of n draws. */
function moments(draw: () => number, n: number): { meanAbs: number; meanSq: number; mean: number } {
  let abs = 0;
  let sq = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    abs += Math.abs(x);
    sq += x * x;
    sum += x;
  }
  return { meanAbs: abs / n, meanSq: sq / n, mean: sum / n };
}

describe('the Laplace mechanism', () => {
  it('draws noise of scale b = sensitivity / ε (E|X| = b, E[X²] = 2b²)', () => {
    const privacy = countPrivacy(0.5, 2);
    const b = laplaceScale(privacy);
    expect(b).toBe(4);
    const rng = createRng(2026);
    // |X| is exponential with mean b and sd b: over 40 000 draws the mean's sd is 0.5% of b, so 3% is
    // six sds wide here, and a scale of ε/Δ, Δ/(2ε) or b·√2 lands far outside it.
    const m = moments(() => laplaceNoise(b, rng), 40_000);
    expect(m.meanAbs / b).toBeGreaterThan(0.97);
    expect(m.meanAbs / b).toBeLessThan(1.03);
    expect(m.meanSq / (2 * b * b)).toBeGreaterThan(0.93);
    expect(m.meanSq / (2 * b * b)).toBeLessThan(1.07);
    expect(Math.abs(m.mean)).toBeLessThan(0.05 * b);
  });

  it('has the Laplace shape: P(|X| > b·t) = e^-t', () => {
    const rng = createRng(11);
    const b = 3;
    const n = 40_000;
    const draws = Array.from({ length: n }, () => Math.abs(laplaceNoise(b, rng)));
    for (const t of [0.5, 1, 2, 3]) {
      const share = draws.filter((x) => x > b * t).length / n;
      expect(Math.abs(share - Math.exp(-t))).toBeLessThan(0.01);
    }
  });

  it('publishes whole, non-negative counts whose error has the scale of the setting', () => {
    const privacy = countPrivacy(0.1, 1); // b = 10
    const rng = createRng(5);
    const published = Array.from({ length: 20_000 }, () => noisyCount(1000, privacy, rng));
    for (const c of published.slice(0, 100)) expect(Number.isInteger(c)).toBe(true);
    const meanAbsError = published.reduce((s, c) => s + Math.abs(c - 1000), 0) / published.length;
    expect(meanAbsError).toBeGreaterThan(9.5);
    expect(meanAbsError).toBeLessThan(10.5);
    const small = Array.from({ length: 2000 }, () => noisyCount(0, privacy, rng));
    expect(Math.min(...small)).toBe(0);
    expect(small.some((c) => c > 0)).toBe(true);
  });

  it('is reproducible from a seeded source and unpredictable from the default one', () => {
    const a = Array.from(
      { length: 5 },
      (
        (rng) => () =>
          laplaceNoise(1, rng)
      )(createRng(9)),
    );
    const b = Array.from(
      { length: 5 },
      (
        (rng) => () =>
          laplaceNoise(1, rng)
      )(createRng(9)),
    );
    expect(a).toEqual(b);
    const u = Array.from({ length: 10_000 }, () => cryptoNoiseSource.next());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(Math.abs(u.reduce((s, x) => s + x, 0) / u.length - 0.5)).toBeLessThan(0.02);
    expect(new Set(u).size).toBe(u.length);
  });

  it('gives exact counts with ε = ∞ or off', () => {
    for (const setting of [countPrivacy(Number.POSITIVE_INFINITY), countPrivacy('off', 5)]) {
      expect(setting.mode).toBe('exact');
      expect(laplaceScale(setting)).toBe(0);
      expect(noisyCount(17, setting)).toBe(17);
    }
  });

  it('refuses an ε that is not finite and > 0, and a sensitivity below 1', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => epsilon(bad)).toThrow(CurioError);
    }
    for (const bad of [0, -0.5, Number.NaN]) expect(() => countPrivacy(bad)).toThrow(/ε must be/);
    for (const bad of [0, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => sensitivity(bad)).toThrow(CurioError);
      expect(() => countPrivacy(1, bad)).toThrow(/sensitivity/);
    }
    expect(epsilon(0.1)).toBe(0.1);
  });
});

describe('noisyTopK', () => {
  const catalogue = [
    { item: 'a', count: 500 },
    { item: 'b', count: 300 },
    { item: 'c', count: 100 },
    { item: 'd', count: 0 },
    { item: 'e', count: 0 },
  ];

  it('ranks exactly when exact, and by noised counts otherwise', () => {
    expect(noisyTopK(catalogue, 3, countPrivacy('off'))).toEqual(catalogue.slice(0, 3));
    const rng = createRng(3);
    // b = 0.1: the order cannot change, the counts move by a little.
    const sharp = noisyTopK(catalogue, 3, countPrivacy(10), rng);
    expect(sharp.map((c) => c.item)).toEqual(['a', 'b', 'c']);
    // b = 1000: the zero-count items reach the top in some of 200 draws, so membership is noised too.
    const heads = new Set<string>();
    for (let i = 0; i < 200; i++) heads.add(noisyTopK(catalogue, 1, countPrivacy(0.001), rng)[0].item);
    expect(heads.has('d') || heads.has('e')).toBe(true);
  });

  it('publishes whole counts clipped at 0 and at most k items', () => {
    const rng = createRng(4);
    for (let i = 0; i < 50; i++) {
      const out = noisyTopK(catalogue, 5, countPrivacy(0.01), rng);
      expect(out).toHaveLength(5);
      for (const c of out) {
        expect(c.count).toBeGreaterThanOrEqual(0);
        expect(Number.isInteger(c.count)).toBe(true);
      }
    }
    expect(noisyTopK(catalogue, 0, countPrivacy(1), rng)).toEqual([]);
    expect(noisyTopK(catalogue, 10, countPrivacy(1), rng)).toHaveLength(5);
  });
});

describe('budgetSpent', () => {
  it('adds ε over releases and says so', () => {
    const spent = budgetSpent(countPrivacy(0.5, 4), 3);
    expect(spent.epsilon).toBe(1.5);
    expect(spent.delta).toBe(0);
    expect(spent.scale).toBe(8);
    expect(spent.statement).toContain('ε = 1.5 over 3 releases');
    expect(budgetSpent(countPrivacy('off')).epsilon).toBe(Number.POSITIVE_INFINITY);
    expect(budgetSpent(countPrivacy('off')).statement).toContain('no differential privacy');
    expect(() => budgetSpent(countPrivacy(1), 0)).toThrow(/releases/);
  });
});
