import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { AppealPosterior, savedBeliefs, type AppealPosteriorJson, type AppealPosteriorParams } from './appeal-posterior.js';
import { normalCdf } from './normal.js';

const PARAMS: AppealPosteriorParams = { baseRate: 0.1, scoreSlope: 0.5, priorSd: 1, noise: 1, maxItems: 1000 };
const A = Float32Array.of(1, 0, 0);
const B = Float32Array.of(0, 1, 0);

/** A saved state's item beliefs as the number arrays a state saved before they were packed held. */
const itemArrays = (json: AppealPosteriorJson): Record<string, number[]> =>
  Object.fromEntries(savedBeliefs(json).map(([id, b]) => [id, [...b.mean, ...b.variance]]));

describe('AppealPosterior', () => {
  it('starts at the prior: item sd = its prior sd, mean rate near the base rate', () => {
    const p = new AppealPosterior(PARAMS);
    const e = p.estimate('i', 0, p.features(A), 0.7);
    expect(Math.sqrt(e.itemVariance)).toBeCloseTo(0.7, 6);
    expect(p.probability(p.estimate('i', 0, p.features(A)))).toBeCloseTo(0.1, 2);
  });

  it('becomes sure about an item along the states it was shown to, and stays unsure elsewhere', () => {
    const p = new AppealPosterior(PARAMS);
    const rng = createRng(1);
    for (let t = 0; t < 400; t++) p.observe({ itemId: 'i', state: A, reward: rng.next() < 0.3 ? 1 : 0 });
    const seen = p.estimate('i', 0, p.features(A));
    const unseen = p.estimate('i', 0, p.features(B));
    expect(Math.sqrt(seen.itemVariance)).toBeLessThan(0.5);
    expect(unseen.itemVariance).toBeGreaterThan(2 * seen.itemVariance);
    expect(p.probability(seen)).toBeGreaterThan(0.22);
    expect(p.probability(seen)).toBeLessThan(0.38);
  });

  it('learns that one item appeals to one kind of shopper and not to another', () => {
    const p = new AppealPosterior(PARAMS);
    const rng = createRng(2);
    for (let t = 0; t < 1500; t++) {
      const toA = t % 2 === 0;
      p.observe({ itemId: 'i', state: toA ? A : B, reward: rng.next() < (toA ? 0.4 : 0.03) ? 1 : 0 });
    }
    expect(p.probability(p.estimate('i', 0, p.features(A)))).toBeGreaterThan(0.3);
    expect(p.probability(p.estimate('i', 0, p.features(B)))).toBeLessThan(0.08);
  });

  it('is calibrated on data from its own model: predicted rates match observed ones by decile', () => {
    const p = new AppealPosterior({ ...PARAMS, baseRate: 0.2 });
    const rng = createRng(3);
    const truth = new Map<string, number>();
    for (let i = 0; i < 50; i++) truth.set(`i${i}`, 0.8 * rng.normal() - 0.9);
    const rows: Array<{ predicted: number; reward: number }> = [];
    for (let t = 0; t < 20_000; t++) {
      const itemId = `i${rng.int(50)}`;
      const predicted = p.probability(p.estimate(itemId, 0, p.features(undefined)));
      const reward = rng.next() < normalCdf((truth.get(itemId) as number) / Math.SQRT2) ? 1 : 0;
      if (t >= 5000) rows.push({ predicted, reward });
      p.observe({ itemId, reward });
    }
    rows.sort((a, b) => a.predicted - b.predicted);
    const size = rows.length / 10;
    for (let d = 0; d < 10; d++) {
      const bin = rows.slice(d * size, (d + 1) * size);
      const predicted = bin.reduce((s, r) => s + r.predicted, 0) / bin.length;
      const observed = bin.reduce((s, r) => s + r.reward, 0) / bin.length;
      expect(Math.abs(predicted - observed), `decile ${d}`).toBeLessThan(0.04);
    }
  });

  it('learns the position effect apart from the score: first-slot appeal, no credit to a score that does not matter', () => {
    // Every item takes 30% in the first slot and 30%/(p + 1) in slot p; slates are ordered by a noisy score that
    // has nothing to do with appeal, so the best-scored items sit first and collect the most outcomes.
    const run = (positions: number) => {
      const rng = createRng(5);
      const p = new AppealPosterior({ ...PARAMS, positions });
      for (let round = 0; round < 3000; round++) {
        const slate = Array.from({ length: 10 }, () => ({ item: `i${rng.int(200)}`, score: rng.normal(), key: 0 }));
        for (const s of slate) s.key = s.score + rng.normal();
        slate.sort((a, b) => b.key - a.key);
        slate.forEach((s, position) =>
          p.observe({ itemId: s.item, score: s.score, position, reward: rng.next() < 0.3 / (position + 1) ? 1 : 0 }),
        );
      }
      const x = p.features(undefined);
      return { high: p.probability(p.estimate('i1', 1.5, x)), low: p.probability(p.estimate('i1', -1.5, x)) };
    };
    const aware = run(10);
    expect(aware.high).toBeGreaterThan(0.24);
    expect(aware.high).toBeLessThan(0.36);
    expect(Math.abs(aware.high - aware.low)).toBeLessThan(0.03);
    const unaware = run(0);
    expect(unaware.high - unaware.low).toBeGreaterThan(0.1);
  });

  it('restores a state saved before the position offsets and the full covariance, with both at their prior', () => {
    const p = new AppealPosterior(PARAMS);
    p.observe({ itemId: 'a', state: A, score: 1, reward: 1 });
    const old = p.toJson();
    const copy = new AppealPosterior({ ...PARAMS, positions: 3 }, { global: old.global, dimension: old.dimension, items: itemArrays(old) });
    expect(copy.toJson().global).toEqual([...old.global, 0, 0.25, 0, 0.25]);
    expect(copy.toJson().covariance?.[1]).toBe(0);
    expect(copy.estimate('a', 1, copy.features(A)).mean).toBeCloseTo(p.estimate('a', 1, p.features(A)).mean, 12);
  });

  it('saves and restores exactly, and drops the least recently updated items beyond maxItems', () => {
    const p = new AppealPosterior({ ...PARAMS, maxItems: 2 });
    p.observe({ itemId: 'a', state: A, reward: 1 });
    p.observe({ itemId: 'b', state: A, reward: 0 });
    p.observe({ itemId: 'c', state: B, score: 1.5, reward: 1 });
    expect(p.size).toBe(2);
    const copy = new AppealPosterior(PARAMS, JSON.parse(JSON.stringify(p.toJson())));
    expect(copy.toJson()).toEqual(p.toJson());
    expect(Object.keys(itemArrays(p.toJson()))).toEqual(['b', 'c']);
    // The packed form holds what the number arrays of a state saved before it held.
    const { global, covariance, misfit, dimension } = p.toJson();
    const arrays = new AppealPosterior(PARAMS, { global, covariance, misfit, dimension, items: itemArrays(p.toJson()) });
    expect(arrays.toJson()).toEqual(p.toJson());
    expect(copy.estimate('c', 1.5, copy.features(B))).toEqual(p.estimate('c', 1.5, p.features(B)));
  });

  it('refuses a packed state whose ids, lengths and numbers disagree, naming the counts', () => {
    const p = new AppealPosterior(PARAMS);
    p.observe({ itemId: 'a', state: A, reward: 1 });
    const saved = JSON.parse(JSON.stringify(p.toJson())) as AppealPosteriorJson;
    if (!('packed' in saved) || typeof saved.packed.values !== 'string') throw new Error('expected the packed form, read back');
    const cut = {
      ...saved,
      packed: { ...saved.packed, values: Buffer.from(saved.packed.values, 'base64').subarray(8).toString('base64') },
    };
    expect(() => new AppealPosterior(PARAMS, cut)).toThrow(/1 ids, 1 lengths and 7 numbers do not agree/);
  });

  it('ignores a user vector of another length than the first one seen', () => {
    const p = new AppealPosterior(PARAMS);
    p.observe({ itemId: 'a', state: A, reward: 1 });
    expect(p.features(Float32Array.of(1, 2)).length).toBe(1);
    expect(p.features(A).length).toBe(4);
  });
});
