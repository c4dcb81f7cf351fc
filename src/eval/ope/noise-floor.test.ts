import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/index.js';
import { noiseFloor, policyValue, simulateSlotLog, tiltedWorld } from './noise-floor.js';
import { SLOT_IPS_VARIANT } from './round-variants.js';

const CTR = [
  [0.02, 0.05, 0.08, 0.03],
  [0.01, 0.03, 0.04, 0.02],
];
const UNIFORM = [
  [0.25, 0.25, 0.25, 0.25],
  [0.25, 0.25, 0.25, 0.25],
];
const EVAL = [
  [0.1, 0.2, 0.6, 0.1],
  [0.4, 0.1, 0.1, 0.4],
];

describe('noise floor simulation', () => {
  it('computes a policy value as Σ share Σ π·CTR (hand-computed)', () => {
    expect(
      policyValue(
        [
          [0.1, 0.2],
          [0.3, 0.4],
        ],
        [
          [1, 0],
          [0.5, 0.5],
        ],
        [0.25, 0.75],
      ),
    ).toBeCloseTo(0.25 * 0.1 + 0.75 * 0.35, 12);
  });

  it('simulates logs whose slot, item and click frequencies follow the world', () => {
    const logs = simulateSlotLog({ ctr: CTR, dist: EVAL, slotShares: [0.3, 0.7], rows: 40_000, rng: createRng(1) });
    const slot0 = logs.records.filter((r) => r.position === 0);
    expect(slot0.length / 40_000).toBeCloseTo(0.3, 2);
    expect(slot0.filter((r) => r.itemId === 2).length / slot0.length).toBeCloseTo(0.6, 1);
    expect(logs.records.reduce((s, r) => s + r.click, 0) / 40_000).toBeCloseTo(policyValue(CTR, EVAL, [0.3, 0.7]), 2);
    expect(logs.records.find((r) => r.position === 1 && r.itemId === 0)?.propensity).toBe(0.4);
  });

  it('tilts a position model to wanted click rates, and leaves it alone when they are its own', () => {
    const model = { slotRate: [0.02, 0.01], attraction: [0.5, 1, 2, 0.8] };
    const base = { ...model, evalDist: EVAL, behaviorDist: UNIFORM, evalSlotShares: [0.5, 0.5], behaviorSlotShares: [0.5, 0.5] };
    const own = model.slotRate.map((t) => model.attraction.map((a) => t * a));
    const same = tiltedWorld({
      ...base,
      behaviorCtr: policyValue(own, UNIFORM, [0.5, 0.5]),
      policyValue: policyValue(own, EVAL, [0.5, 0.5]),
    });
    expect(same.exponent).toBeCloseTo(1, 6);
    // Own ratio ≈ 1.20; the most this policy can gain (all weight on item 2) is ≈ 1.73.
    const tilted = tiltedWorld({ ...base, behaviorCtr: 0.01, policyValue: 0.015 });
    expect(tilted.exponent).toBeGreaterThan(1);
    expect(policyValue(tilted.ctr, UNIFORM, [0.5, 0.5])).toBeCloseTo(0.01, 9);
    expect(policyValue(tilted.ctr, EVAL, [0.5, 0.5])).toBeCloseTo(0.015, 9);
    expect(() => tiltedWorld({ ...base, behaviorCtr: 0.01, policyValue: 0.02 })).toThrow(/out of reach/);
  });

  it('turns the item order round for a policy that did worse than the slot shares predict (this threw before)', () => {
    // Flat attractions give a ratio of 1 here (equal slot shares); EVAL favours item 2, the most attractive.
    const model = { slotRate: [0.02, 0.01], attraction: [0.5, 1, 2, 0.8] };
    const base = { ...model, evalDist: EVAL, behaviorDist: UNIFORM, evalSlotShares: [0.5, 0.5], behaviorSlotShares: [0.5, 0.5] };
    const worse = tiltedWorld({ ...base, behaviorCtr: 0.01, policyValue: 0.008 });
    expect(worse.exponent).toBeLessThan(0);
    expect(policyValue(worse.ctr, UNIFORM, [0.5, 0.5])).toBeCloseTo(0.01, 9);
    expect(policyValue(worse.ctr, EVAL, [0.5, 0.5])).toBeCloseTo(0.008, 9);
    // An item with no clicks (attraction 0) does not make the world infinite.
    const unclicked = tiltedWorld({ ...base, attraction: [0, 1, 2, 0.8], behaviorCtr: 0.01, policyValue: 0.009 });
    expect(unclicked.ctr.flat().every((x) => x >= 0 && x <= 1)).toBe(true);
    expect(() => tiltedWorld({ ...base, behaviorCtr: 0.01, policyValue: 0.0001 })).toThrow(
      /out of reach of this model \(γ = −64, 0, 64 give/,
    );
  });

  it('scores the oracles and an unbiased estimator over replicates (seeded)', () => {
    const floor = noiseFloor({
      ctr: CTR,
      evalDist: EVAL,
      behaviorDist: UNIFORM,
      behaviorSlotShares: [0.5, 0.5],
      evalSlotShares: [0.5, 0.5],
      behaviorRows: 3000,
      evalRows: 3000,
      replicates: 30,
      resamples: 5,
      seed: 7,
      variants: [SLOT_IPS_VARIANT],
      threshold: 0.15,
    });
    expect(floor.replicates).toBe(30);
    expect(floor.policyValue).toBeCloseTo(policyValue(CTR, EVAL, [0.5, 0.5]), 12);
    expect(floor.expectedTruthClicks).toBeCloseTo(3000 * floor.policyValue, 9);
    expect(Math.abs(floor.estimators.ips.meanRelativeBias)).toBeLessThan(0.05);
    expect(Math.abs(floor.oracleLevel.meanRelativeBias)).toBeLessThan(0.05);
    // Knowing more helps: exact value < level-only oracle < IPS.
    expect(floor.oracleExact.mean).toBeLessThan(floor.oracleLevel.mean);
    expect(floor.oracleLevel.mean).toBeLessThan(floor.estimators.ips.mean);
    // The exact oracle only sees the on-policy log's binomial noise: E|Z|·sd = √(2/π)·√((1 − V)/(n V)).
    const expected = Math.sqrt(2 / Math.PI) * Math.sqrt((1 - floor.policyValue) / (3000 * floor.policyValue));
    expect(floor.oracleExact.mean).toBeGreaterThan(0.6 * expected);
    expect(floor.oracleExact.mean).toBeLessThan(1.4 * expected);
  });
});
