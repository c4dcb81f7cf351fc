import type { Rng } from '../core/index.js';
import { normalCdf } from './normal.js';
import type { PreparedAppeal } from './neural-params.js';
import { topIndices } from './slate-utils.js';
import type { SlateDistribution } from './types.js';

/**
 * The smallest propensity logged. A conditional probability can underflow to 0 for a slot far in a tail;
 * a logged 0 would make the decision impossible under its own policy, so it is raised to this (its
 * inverse-propensity weight is then bounded by 10^9 instead of being infinite).
 */
export const MIN_PROPENSITY = 1e-9;

/** Φ(b) − Φ(a) for a ≤ b, taken in the upper tail when both are positive so that neither side rounds to 1. */
function normalMass(a: number, b: number): number {
  return a > 0 ? normalCdf(-a) - normalCdf(-b) : normalCdf(b) - normalCdf(a);
}

/**
 * Each shown slot's propensity under Gaussian Thompson sampling (draw_i = mean_i + weight·sd_i·N(0, 1), the
 * top k of the draws shown), by conditional Monte Carlo: for each re-sample of every candidate, the shown
 * item's own draw is integrated out — it lands at slot s exactly when it falls between the s-th and the
 * (s+1)-th best draws of the others, a normal mass in closed form. The average of that mass over re-samples
 * is an unbiased estimate with a smaller variance than counting how often a re-sample puts the item at its
 * slot (Rao-Blackwell), and it has no floor at 1/(draws+1): a rare slot gets a small propensity, not a
 * capped one, so inverse-propensity weights are not cut short. The re-samples use `rng` only, so the
 * estimate does not depend on the shown slate beyond which items it shows.
 *
 * `shown` holds the candidates' indices in slot order. A candidate with no spread has a fixed draw: its
 * slot is then counted as hit or missed, as a re-sample ranks it.
 */
export function gaussianSlotPropensities(p: PreparedAppeal, shown: readonly number[], rng: Rng, draws: number): number[] {
  const sums = new Float64Array(shown.length);
  resample(p, shown, shown.length, true, rng, draws, (item, slot, mass) => (sums[slot] += mass));
  return Array.from(sums, (sum) => Math.max(MIN_PROPENSITY, Math.min(1, sum / draws)));
}

/**
 * Every candidate's probability of every slot, by the same conditional Monte Carlo. One re-sample's masses
 * of a slot need not add up to 1 (each candidate is integrated against the others' draws), so each slot is
 * normalised over candidates: a ratio estimate, consistent as the re-samples grow.
 */
export function gaussianSlotDistribution(p: PreparedAppeal, rng: Rng, draws: number): SlateDistribution {
  const every = Array.from({ length: p.mean.length }, (_, i) => i);
  const mass = Array.from({ length: p.slots }, () => new Float64Array(p.mean.length));
  resample(p, every, p.slots, false, rng, draws, (item, slot, m) => (mass[slot][item] += m));
  return mass.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    const slot = new Map<string, number>();
    row.forEach((m, i) => {
      if (m > 0) slot.set(p.distinct[i].itemId, m / total);
    });
    return slot;
  });
}

/**
 * Calls `add(item, slot, mass)` for each re-sample, each of `items` and each slot below `slots` (when
 * `paired`, items[s] and slot s only): the probability, given the other candidates' draws, that the item's
 * own draw puts it at that slot.
 */
function resample(
  p: PreparedAppeal,
  items: readonly number[],
  slots: number,
  paired: boolean,
  rng: Rng,
  draws: number,
  add: (item: number, slot: number, mass: number) => void,
): void {
  const n = p.mean.length;
  const spread = Float64Array.from(p.sd, (s) => p.weight * s);
  const values = new Float64Array(n);
  const others: number[] = [];
  for (let d = 0; d < draws; d++) {
    for (let i = 0; i < n; i++) values[i] = p.mean[i] + spread[i] * rng.normal();
    // The slots+1 best draws hold, for any one item, the `slots` best draws of the others.
    const top = topIndices(values, p.distinct, slots + 1);
    for (let at = 0; at < items.length; at++) {
      const i = items[at];
      const first = paired ? at : 0;
      const last = paired ? at : slots - 1;
      if (!(spread[i] > 0)) {
        for (let s = first; s <= last; s++) if (top[s] === i) add(i, s, 1);
        continue;
      }
      others.length = 0;
      for (const j of top) if (j !== i) others.push(j);
      for (let s = first; s <= last; s++) {
        const upper = s === 0 ? Infinity : values[others[s - 1]];
        const lower = s < others.length ? values[others[s]] : -Infinity;
        add(i, s, normalMass((lower - p.mean[i]) / spread[i], (upper - p.mean[i]) / spread[i]));
      }
    }
  }
}
