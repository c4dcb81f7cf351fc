import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../core/index.js';
import { summarizeBinary, type ArmSummary } from './arm-summary.js';
import { welchDifference } from './difference.js';
import {
  createSequentialTest,
  defaultMixingVariance,
  INITIAL_SEQUENTIAL_STATE,
  mixtureLogLikelihoodRatio,
  mixturePValue,
  mixtureRadius,
  nextSequentialLook,
  type SequentialState,
} from './msprt.js';

/** Cumulative per-arm summaries after each day of a stream of new users converting at the given rates. */
function conversionStream(rng: Rng, days: number, usersPerArmPerDay: number, rates: [number, number]): Array<[ArmSummary, ArmSummary]> {
  const converted = [0, 0];
  const looks: Array<[ArmSummary, ArmSummary]> = [];
  for (let day = 1; day <= days; day++) {
    for (let u = 0; u < usersPerArmPerDay; u++) {
      if (rng.next() < rates[0]) converted[0]++;
      if (rng.next() < rates[1]) converted[1]++;
    }
    const n = day * usersPerArmPerDay;
    looks.push([summarizeBinary(n, converted[0]), summarizeBinary(n, converted[1])]);
  }
  return looks;
}

describe('mixture likelihood ratio', () => {
  it('matches the closed form', () => {
    // V = τ² = 1, d = 2: Λ = √½ · e^(4/4).
    expect(mixtureLogLikelihoodRatio({ difference: 2, variance: 1 }, 1)).toBeCloseTo(0.5 * Math.log(0.5) + 1, 14);
    expect(mixturePValue({ difference: 2, variance: 1 }, 1)).toBeCloseTo(Math.SQRT2 / Math.E, 14);
    expect(mixturePValue({ difference: 0, variance: 1 }, 1)).toBe(1);
    expect(mixtureLogLikelihoodRatio({ difference: 3, variance: 0.5 }, 2, 3)).toBeCloseTo(0.5 * Math.log(0.5 / 2.5), 14);
  });

  it('puts the interval ends where Λ reaches 1/α', () => {
    for (const [variance, tau2] of [
      [1, 1],
      [1e-6, 4e-6],
      [0.3, 0.01],
    ]) {
      const radius = mixtureRadius(variance, tau2, 0.05);
      const atEdge = mixtureLogLikelihoodRatio({ difference: 0.7 + radius, variance }, tau2, 0.7);
      expect(atEdge).toBeCloseTo(Math.log(20), 10);
    }
  });

  it('is always wider than the fixed-horizon interval', () => {
    for (const variance of [1e-4, 1e-2, 1]) expect(mixtureRadius(variance, 1e-2, 0.05)).toBeGreaterThan(1.96 * Math.sqrt(variance));
  });

  it('takes τ = the planned minimum difference by default', () => {
    expect(defaultMixingVariance(0.0025)).toBeCloseTo(6.25e-6, 20);
  });
});

describe('sequential test', () => {
  const options = { mixingVariance: 1, alpha: 0.05 };

  it('keeps the running minimum p-value and the running intersection', () => {
    const test = createSequentialTest(options);
    const first = test.look({ difference: 2, variance: 1 });
    const second = test.look({ difference: 0.1, variance: 0.5 });
    expect(second.pValue).toBe(first.pValue);
    expect(second.likelihoodRatio).toBeLessThan(first.likelihoodRatio);
    expect(second.interval?.lower).toBe(Math.max(first.interval!.lower, 0.1 - mixtureRadius(0.5, 1, 0.05)));
    expect(second.interval?.upper).toBe(Math.min(first.interval!.upper, 0.1 + mixtureRadius(0.5, 1, 0.05)));
    expect(second.looks).toBe(2);
  });

  it('stays rejected once it has rejected', () => {
    const test = createSequentialTest(options);
    expect(test.look({ difference: 5, variance: 0.1 }).reject).toBe(true);
    expect(test.look({ difference: 0, variance: 0.05 }).reject).toBe(true);
  });

  it('skips a look without spread and resumes from stored state', () => {
    const start = nextSequentialLook(INITIAL_SEQUENTIAL_STATE, { difference: 0, variance: 0 }, options);
    expect(start).toMatchObject({ looks: 0, pValue: 1, interval: null, reject: false });

    const continuous = createSequentialTest(options);
    continuous.look({ difference: 1, variance: 0.8 });
    const stored = JSON.parse(JSON.stringify(continuous.state())) as SequentialState;
    const resumed = createSequentialTest(options, stored);
    expect(resumed.look({ difference: 1.5, variance: 0.4 })).toEqual(continuous.look({ difference: 1.5, variance: 0.4 }));
  });

  it('keeps the latest interval when the looks contradict each other', () => {
    const test = createSequentialTest({ mixingVariance: 1 });
    test.look({ difference: 0, variance: 0.01 });
    const jumped = test.look({ difference: 10, variance: 0.01 });
    const radius = mixtureRadius(0.01, 1, 0.05);
    expect(jumped.interval).toEqual({ lower: 10 - radius, upper: 10 + radius });
  });

  it('holds its false-positive rate under daily peeking at A/A streams, where a peeked t-test does not', () => {
    const rng = createRng(2024);
    const rate = 0.05;
    const mixingVariance = defaultMixingVariance(0.2 * rate);
    const streams = 500;
    let sequential = 0;
    let peeked = 0;
    let finalOnly = 0;
    for (let s = 0; s < streams; s++) {
      const test = createSequentialTest({ mixingVariance });
      let sequentialRejected = false;
      let peekedRejected = false;
      let last = 1;
      for (const [control, treatment] of conversionStream(rng, 14, 300, [rate, rate])) {
        const estimate = welchDifference(control, treatment);
        if (test.look(estimate).reject) sequentialRejected = true;
        if (estimate.pValue < 0.05) peekedRejected = true;
        last = estimate.pValue;
      }
      if (sequentialRejected) sequential++;
      if (peekedRejected) peeked++;
      if (last < 0.05) finalOnly++;
    }
    expect(sequential / streams).toBeLessThanOrEqual(0.05);
    expect(finalOnly / streams).toBeGreaterThan(0.025);
    expect(finalOnly / streams).toBeLessThan(0.075);
    expect(peeked / streams).toBeGreaterThan(0.1);
  });

  it('covers the true difference at every look in at least 95% of A/B streams', () => {
    const rng = createRng(7);
    const rates: [number, number] = [0.05, 0.06];
    const streams = 400;
    let coveredThroughout = 0;
    for (let s = 0; s < streams; s++) {
      const test = createSequentialTest({ mixingVariance: defaultMixingVariance(0.01) });
      let covered = true;
      for (const [control, treatment] of conversionStream(rng, 14, 300, rates)) {
        const { interval } = test.look(welchDifference(control, treatment));
        if (interval && !(interval.lower <= 0.01 && 0.01 <= interval.upper)) covered = false;
      }
      if (covered) coveredThroughout++;
    }
    expect(coveredThroughout / streams).toBeGreaterThanOrEqual(0.95);
  });
});
