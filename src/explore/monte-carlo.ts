import type { Rng } from '../core/index.js';
import type { SlateDistribution, SlateSlot } from './types.js';

/** Draws one ranked slate (item ids, slot order) from a stochastic policy's current distribution. */
export type SlateSampler = (rng: Rng) => string[];

/**
 * Shows one sampled slate and estimates each slot's propensity by re-sampling the policy `draws` times.
 * The shown slate counts as one of the draws+1 samples, so the estimate is (hits + 1) / (draws + 1):
 * never below 1 / (draws + 1) (the floor), biased up by at most (1 - p) / (draws + 1), sd ≈ √(p(1-p)/draws).
 */
export function sampleWithPropensities(sampler: SlateSampler, rng: Rng, draws: number): SlateSlot[] {
  const shown = sampler(rng);
  const hits = new Array<number>(shown.length).fill(1);
  const replay = rng.fork();
  for (let d = 0; d < draws; d++) {
    const slate = sampler(replay);
    for (let s = 0; s < shown.length; s++) if (slate[s] === shown[s]) hits[s]++;
  }
  return shown.map((itemId, position) => ({ itemId, position, propensity: hits[position] / (draws + 1) }));
}

/** Monte-Carlo (slot, item) frequencies over `draws` samples of the policy. */
export function sampleDistribution(sampler: SlateSampler, rng: Rng, draws: number): SlateDistribution {
  const dist: SlateDistribution = [];
  for (let d = 0; d < draws; d++) {
    const slate = sampler(rng);
    slate.forEach((itemId, s) => {
      if (!dist[s]) dist[s] = new Map();
      dist[s].set(itemId, (dist[s].get(itemId) ?? 0) + 1 / draws);
    });
  }
  return dist;
}
