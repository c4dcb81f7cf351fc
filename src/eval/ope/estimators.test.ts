import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/index.js';
import { ESTIMATORS, estimateAll } from './estimators.js';
import type { OpeRound } from './types.js';

const RATES = [0.1, 0.3, 0.5, 0.2, 0.05];
const BEHAVIOR = [0.2, 0.2, 0.2, 0.2, 0.2];
const EVALUATION = [0.05, 0.15, 0.6, 0.15, 0.05];
const TRUTH = EVALUATION.reduce((s, p, a) => s + p * RATES[a], 0);

function draw(dist: number[], u: number): number {
  let a = 0;
  for (let acc = dist[0]; u >= acc && a < dist.length - 1;) acc += dist[++a];
  return a;
}

/** Logged rounds from a behaviour policy (uniform by default) with a reward model `q` (exact or biased). */
function logRounds(n: number, q: (a: number) => number, seed = 7, behavior = BEHAVIOR): OpeRound[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const a = draw(behavior, rng.next());
    return {
      reward: rng.next() < RATES[a] ? 1 : 0,
      behaviorPropensity: behavior[a],
      evalProbability: EVALUATION[a],
      predictedLogged: q(a),
      predictedUnderEval: EVALUATION.reduce((s, p, b) => s + p * q(b), 0),
    };
  });
}

describe('off-policy estimators', () => {
  it('declare their needs and are keyed by name', () => {
    for (const [name, e] of Object.entries(ESTIMATORS)) {
      expect(e.name).toBe(name);
      expect(e.needs.length).toBeGreaterThan(0);
    }
    expect(ESTIMATORS.ips.needs).toEqual(['propensity']);
    expect(ESTIMATORS.dm.needs).toEqual(['rewardModel']);
  });

  it('recover the evaluation policy value with an exact reward model', () => {
    const est = estimateAll(logRounds(20_000, (a) => RATES[a]));
    expect(est.dm).toBeCloseTo(TRUTH, 10);
    for (const name of ['ips', 'snips', 'dr', 'sndr', 'switch-dr', 'dros']) expect(Math.abs(est[name] - TRUTH), name).toBeLessThan(0.015);
  });

  it('doubly robust stays unbiased when the reward model is wrong, DM does not', () => {
    const est = estimateAll(logRounds(20_000, () => 0.1));
    expect(Math.abs(est.dm - TRUTH)).toBeGreaterThan(0.2);
    expect(Math.abs(est.dr - TRUTH)).toBeLessThan(0.015);
    expect(Math.abs(est.sndr - TRUTH)).toBeLessThan(0.015);
    expect(Math.abs(est.ips - TRUTH)).toBeLessThan(0.015);
  });

  it('IPS equals the observed mean when the policies coincide', () => {
    const rounds = logRounds(1000, () => 0.2).map((r) => ({ ...r, evalProbability: r.behaviorPropensity }));
    const mean = rounds.reduce((s, r) => s + r.reward, 0) / rounds.length;
    const est = estimateAll(rounds, ['ips', 'snips']);
    expect(est.ips).toBeCloseTo(mean, 12);
    expect(est.snips).toBeCloseTo(mean, 12);
  });

  it('switch-DR and DRos beat IPS in MSE when the logger rarely plays the target action', () => {
    const skewed = [0.3, 0.3, 0.02, 0.19, 0.19];
    const se: Record<string, number> = { ips: 0, dr: 0, 'switch-dr': 0, dros: 0 };
    for (let seed = 0; seed < 30; seed++) {
      const est = estimateAll(
        logRounds(400, (a) => RATES[a] * 0.8, seed, skewed),
        Object.keys(se),
      );
      for (const name of Object.keys(se)) se[name] += (est[name] - TRUTH) ** 2;
    }
    expect(se['switch-dr']).toBeLessThan(se.ips);
    expect(se.dros).toBeLessThan(se.ips);
  });

  it('SNDR divides the correction weights by their mean (hand-computed)', () => {
    // weights 2 and 0.5 (mean 1.25); DM part 0.3; corrections (1 − 0.4) and (0 − 0.2).
    const rounds: OpeRound[] = [
      { reward: 1, behaviorPropensity: 0.25, evalProbability: 0.5, predictedLogged: 0.4, predictedUnderEval: 0.3 },
      { reward: 0, behaviorPropensity: 0.5, evalProbability: 0.25, predictedLogged: 0.2, predictedUnderEval: 0.3 },
    ];
    const est = estimateAll(rounds, ['dr', 'sndr']);
    expect(est.dr).toBeCloseTo(0.3 + (2 * 0.6 + 0.5 * -0.2) / 2, 12);
    expect(est.sndr).toBeCloseTo(0.3 + ((2 / 1.25) * 0.6 + (0.5 / 1.25) * -0.2) / 2, 12);
  });

  it('counting a round m times equals repeating it m times, for every estimator', () => {
    const rounds = logRounds(300, (a) => RATES[a] * 0.9, 11, [0.3, 0.3, 0.02, 0.19, 0.19]);
    const rng = createRng(5);
    const multiplicity = rounds.map(() => rng.int(4));
    const repeated = rounds.flatMap((r, i) => Array.from({ length: multiplicity[i] }, () => r));
    const weighted = estimateAll(rounds, undefined, multiplicity);
    const plain = estimateAll(repeated);
    for (const name of Object.keys(ESTIMATORS)) expect(weighted[name], name).toBeCloseTo(plain[name], 10);
  });
});
