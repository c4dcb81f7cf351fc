import { describe, expect, it } from 'vitest';
import { createRng } from '../core/random.js';
import { normalCdf } from './normal.js';
import { PairMisfit, type Showing } from './pair-misfit.js';

/**
 * Pairs whose true click probability is Φ(z + ρ) with a pair effect ρ ~ N(0, r²), each shown twice, predicted
 * by the mean over ρ, Φ(z / √(1 + r²)) (a posterior that is right in the mean and knows nothing of ρ).
 */
function showings(r: number, pairs: number, seed: number): Array<[Showing, Showing]> {
  const rng = createRng(seed);
  const out: Array<[Showing, Showing]> = [];
  for (let k = 0; k < pairs; k++) {
    const z = -1.2 + 0.4 * rng.normal();
    const rho = r * rng.normal();
    const truth = normalCdf(z + rho);
    const predicted = normalCdf(z / Math.sqrt(1 + r * r));
    const show = (): Showing => ({ predicted, outcome: rng.next() < truth ? 1 : 0 });
    out.push([show(), show()]);
  }
  return out;
}

describe('PairMisfit', () => {
  it('recovers a planted pair effect from repeated showings', () => {
    const misfit = new PairMisfit();
    for (const [a, b] of showings(0.6, 60_000, 1)) misfit.add(a, b);
    expect(Math.sqrt(misfit.variance())).toBeGreaterThan(0.45);
    expect(Math.sqrt(misfit.variance())).toBeLessThan(0.75);
  });

  it('finds no effect where there is none, and none when the two showings are of different pairs', () => {
    const none = new PairMisfit();
    for (const [a, b] of showings(0, 60_000, 2)) none.add(a, b);
    expect(none.variance()).toBeLessThan(0.02);
    // The same planted effect, but each first showing paired with another pair's second: nothing persists.
    const planted = showings(0.6, 60_000, 3);
    const shuffled = new PairMisfit();
    planted.forEach(([a], k) => shuffled.add(a, planted[(k + 1) % planted.length][1]));
    expect(shuffled.variance()).toBeLessThan(0.02);
  });

  it('reports nothing before enough repeats, and round-trips through JSON', () => {
    const misfit = new PairMisfit();
    for (const [a, b] of showings(0.6, 50, 4)) misfit.add(a, b);
    expect(misfit.variance()).toBe(0);
    expect(misfit.sdAt(0.1)).toBe(0);
    for (const [a, b] of showings(0.6, 5_000, 5)) misfit.add(a, b);
    const copy = new PairMisfit(misfit.toJson());
    expect(copy.variance()).toBe(misfit.variance());
    expect(copy.pairs).toBe(5_050);
    expect(copy.sdAt(0.1)).toBeGreaterThan(0);
  });
});
