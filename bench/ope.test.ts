import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { opeBench } from './ope.js';

// Synthetic Open Bandit campaigns (test/fixtures/README.md). In 'women' BTS favours the least attractive items
// and earned 28 clicks to Random's 31, below what the slot shares alone predict; the Random PBM's ratio of the
// two falls as its attractions are sharpened, where the tilt searched only for a rising one, so the bench threw
// "value / behaviour CTR 0.903 is out of reach of this model" there.
const ROOT = fileURLToPath(new URL('../test/fixtures/open-bandit-small', import.meta.url));
const SMALL = {
  resamples: 2,
  seed: 1,
  floorReplicates: 2,
  thompson: { concentration: 1000, iterations: 3, drawsPerIteration: 500, simulationDraws: 3000 },
};

describe('bench:ope on any Open Bandit campaign folder', () => {
  it('runs on a campaign where BTS did worse than Random, with the matched floor world found', async () => {
    const r = await opeBench({ ...SMALL, random: `${ROOT}/random/women`, bts: `${ROOT}/bts/women` });
    expect(r.groundTruthClicks).toBe(28);
    expect(r.behaviorClicks).toBe(31);
    const matched = r.noiseFloor.worlds['random-pbm-matched'];
    expect('unavailable' in matched).toBe(false);
    if (!('unavailable' in matched)) {
      expect(Math.abs(matched.exponent!)).toBeLessThan(64);
      expect(matched.policyValue).toBeCloseTo(r.groundTruthCtr, 9);
      expect(matched.behaviorCtr).toBeCloseTo(31 / 540, 9);
    }
    expect(r.intervals.chosen).not.toBeNull();
    expect(r.intervals.chosen!.lower).toBeLessThan(r.intervals.chosen!.upper);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('still runs on the men fixture, and reports whether the interval holds the ground truth', async () => {
    const r = await opeBench({ ...SMALL, random: `${ROOT}/random/men`, bts: `${ROOT}/bts/men` });
    expect(r.dataset).toMatch(/men \(540 Random \+ 540 BTS impressions\)/);
    const c = r.intervals.chosen!;
    expect(c.containsTruth).toBe(c.lower <= r.groundTruthCtr && r.groundTruthCtr <= c.upper);
    expect(Object.keys(r.intervals.slopeCandidates)).toContain(c.estimator);
  });
});
