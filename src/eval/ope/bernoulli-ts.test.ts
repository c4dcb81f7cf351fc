import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/index.js';
import { fitBetaArms, simulateBernoulliTs } from './bernoulli-ts.js';

describe('Bernoulli TS simulation', () => {
  it('puts a dominant arm first when ranked and spreads it when shuffled', () => {
    const arms = { alpha: [1000, 10, 10, 10], beta: [10, 1000, 1000, 1000] };
    const ranked = simulateBernoulliTs(arms, { slateSize: 2, draws: 2000, positionMode: 'ranked', rng: createRng(1) });
    expect(ranked[0][0]).toBeCloseTo(1, 6);
    expect(ranked[1][0]).toBe(0);
    for (const slot of ranked) expect(slot.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    const shuffled = simulateBernoulliTs(arms, { slateSize: 2, draws: 4000, positionMode: 'shuffled', rng: createRng(1) });
    expect(shuffled[0][0]).toBeGreaterThan(0.45);
    expect(shuffled[1][0]).toBeGreaterThan(0.45);
  });

  it('fits arm means that reproduce the target shares', () => {
    const target = [0.4, 0.25, 0.15, 0.1, 0.06, 0.04];
    const arms = fitBetaArms({
      targetShare: target,
      slateSize: 2,
      concentration: 200,
      iterations: 30,
      drawsPerIteration: 2000,
      rng: createRng(3),
    });
    const dist = simulateBernoulliTs(arms, { slateSize: 2, draws: 20_000, positionMode: 'shuffled', rng: createRng(4) });
    target.forEach((t, i) => expect(Math.abs((dist[0][i] + dist[1][i]) / 2 - t), `item ${i}`).toBeLessThan(0.03));
  });
});
