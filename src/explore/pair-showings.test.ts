import { describe, expect, it } from 'vitest';
import { createRng } from '../core/random.js';
import { PairMisfit, probitSlope } from './pair-misfit.js';
import { PairShowings } from './pair-showings.js';

interface Shown {
  pair: number;
  predicted: number;
  taken: boolean;
}

/** Showings of 300 pairs, three or four each, interleaved at random. */
function stream(seed: number): Shown[] {
  const rng = createRng(seed);
  const out: Shown[] = [];
  for (let p = 0; p < 300; p++) {
    // Stand-ins for pair hashes: distinct integers, spread out.
    const pair = (p + 1) * 2_654_435_761;
    for (let k = 0; k < 3 + (p % 2); k++) out.push({ pair, predicted: 0.02 + 0.3 * rng.next(), taken: rng.next() < 0.3 });
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('PairShowings', () => {
  it('counts each repeat exactly as the offline estimate over consecutive showings does', () => {
    const shown = stream(1);
    const live = new PairShowings(new PairMisfit());
    for (const s of shown) {
      live.shown(s.pair, s.predicted, probitSlope(s.predicted));
      if (s.taken) live.taken(s.pair);
    }
    const offline = new PairMisfit();
    const last = new Map<number, Shown>();
    for (const s of shown) {
      const before = last.get(s.pair);
      if (before)
        offline.add({ predicted: before.predicted, outcome: before.taken ? 1 : 0 }, { predicted: s.predicted, outcome: s.taken ? 1 : 0 });
      last.set(s.pair, s);
    }
    expect(offline.pairs).toBe(300 * 2 + 150);
    const a = live.misfit.toJson();
    const b = offline.toJson();
    expect(a.pairs).toBe(b.pairs);
    // Float32 predictions: equal to single precision.
    expect(a.products).toBeCloseTo(b.products, 4);
    expect(a.slopes).toBeCloseTo(b.slopes, 4);
  });

  it('counts a showing taken once however many clicks arrive, and forgets a pair whose slot another takes', () => {
    const misfit = new PairMisfit();
    const showings = new PairShowings(misfit, 1);
    const a = 123_456_789_012;
    const b = 987_654_321_098;
    showings.shown(a, 0.5, probitSlope(0.5));
    showings.taken(a);
    showings.shown(a, 0.5, probitSlope(0.5));
    showings.taken(a);
    showings.taken(a);
    expect(misfit.toJson().products).toBeCloseTo(1 - 0.25, 9);
    // One slot: b takes it, and a's next showing starts afresh (no repeat counted).
    showings.shown(b, 0.5, probitSlope(0.5));
    showings.shown(a, 0.5, probitSlope(0.5));
    expect(misfit.pairs).toBe(1);
  });
});
