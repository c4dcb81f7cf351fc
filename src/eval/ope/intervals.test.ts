import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../core/index.js';
import { ESTIMATORS } from './estimators.js';
import { bootstrapInterval, estimateWithInterval, formValue, linearForm, normalInterval, switchAt, type ClusterIds } from './intervals.js';
import type { OpeRound } from './types.js';

// A world with users: user g's click rate is u_g · CTR[a], u_g ∈ {0.2, 1.8} (mean 1), so one user's rounds are
// correlated. The logger picks each of 4 actions with 1/4; the evaluation policy puts 0.7 on action 0.
const CTR = [0.1, 0.2, 0.3, 0.15];
const EVAL = [0.7, 0.1, 0.1, 0.1];
const TRUTH = EVAL.reduce((s, p, a) => s + p * CTR[a], 0);

/** `users` users with `perUser` rounds each; a reward model that is constant and wrong (0.15), so DR must lean on its weights. */
function clusteredLog(rng: Rng, users: number, perUser: number): { rounds: OpeRound[]; clusters: number[] } {
  const rounds: OpeRound[] = [];
  const clusters: number[] = [];
  for (let g = 0; g < users; g++) {
    const u = rng.next() < 0.5 ? 0.2 : 1.8;
    for (let k = 0; k < perUser; k++) {
      const a = rng.int(4);
      rounds.push({
        reward: rng.next() < u * CTR[a] ? 1 : 0,
        behaviorPropensity: 0.25,
        evalProbability: EVAL[a],
        predictedLogged: 0.15,
        predictedUnderEval: 0.15,
      });
      clusters.push(g);
    }
  }
  return { rounds, clusters };
}

function coverage(
  replicates: number,
  seed: number,
  names: string[],
  interval: (rounds: OpeRound[], clusters: number[], name: string) => ClusterIds,
) {
  const rng = createRng(seed);
  const hits = Object.fromEntries(names.map((n) => [n, 0]));
  for (let r = 0; r < replicates; r++) {
    const { rounds, clusters } = clusteredLog(rng, 60, 30);
    for (const name of names) {
      const e = normalInterval(linearForm(name, rounds), interval(rounds, clusters, name));
      if (e.lower <= TRUTH && TRUTH <= e.upper) hits[name]++;
    }
  }
  return Object.fromEntries(names.map((n) => [n, hits[n] / replicates]));
}

describe('confidence intervals of the estimators', () => {
  it('writes every estimator as a linear form with the same value as the estimator', () => {
    const rng = createRng(3);
    const rounds: OpeRound[] = Array.from({ length: 300 }, () => ({
      reward: rng.next() < 0.2 ? 1 : 0,
      behaviorPropensity: 0.05 + 0.9 * rng.next(),
      evalProbability: rng.next() < 0.3 ? 0 : rng.next(),
      predictedLogged: 0.1 + 0.2 * rng.next(),
      predictedUnderEval: 0.1 + 0.2 * rng.next(),
    }));
    for (const [name, estimator] of Object.entries(ESTIMATORS)) {
      expect(formValue(linearForm(name, rounds)), name).toBeCloseTo(estimator.estimate(rounds), 12);
    }
    const counts = rounds.map((_, i) => i % 3);
    expect(formValue(linearForm('snips', rounds), counts)).toBeCloseTo(ESTIMATORS.snips.estimate(rounds, counts), 12);
    // A large τ is DR; τ below every weight is DM.
    expect(formValue(linearForm(switchAt(1e9), rounds))).toBeCloseTo(ESTIMATORS.dr.estimate(rounds), 12);
    expect(formValue(linearForm(switchAt(1e-9), rounds))).toBeCloseTo(ESTIMATORS.dm.estimate(rounds), 12);
    expect(() => linearForm('nonsense', rounds)).toThrow(/no estimator/);
  });

  it('is the sample variance of the terms / n when every round is its own cluster (hand-computed)', () => {
    const terms = [0, 2, 0, 4];
    const rounds = terms.map((t) => ({
      reward: t ? 1 : 0,
      behaviorPropensity: 0.5,
      evalProbability: t / 2,
      predictedLogged: 0,
      predictedUnderEval: 0,
    }));
    const e = normalInterval(linearForm('ips', rounds));
    // mean 1.5, sample variance (2.25 + 0.25 + 2.25 + 6.25) / 3 = 11 / 3.
    expect(e.estimate).toBe(1.5);
    expect(e.stdError).toBeCloseTo(Math.sqrt(11 / 3 / 4), 12);
    expect(e.upper - e.estimate).toBeCloseTo(1.959964 * e.stdError, 5);
    // Two clusters {0, 2} and {0, 4}: ψ sums −1.5+0.5 = −1 and −1.5+2.5 = 1; Var = 2/1 · 2 / 16.
    expect(normalInterval(linearForm('ips', rounds), [0, 0, 1, 1]).stdError).toBeCloseTo(Math.sqrt(0.25), 12);
  });

  it('covers the true value about 95% of the time with users as the unit, and under-covers per impression (400 simulated logs)', () => {
    const names = ['ips', 'snips', 'dr', 'sndr'];
    const clustered = coverage(400, 11, names, (_r, clusters) => clusters);
    const perImpression = coverage(400, 11, names, () => null);
    for (const name of names) {
      expect(clustered[name], name).toBeGreaterThan(0.91);
      expect(clustered[name], name).toBeLessThan(0.985);
      // Users' rounds share their taste (design effect ≈ 2.6 here): treating them as independent shrinks the interval.
      expect(perImpression[name], name).toBeLessThan(0.87);
    }
  });

  it('gives a cluster bootstrap interval that covers the truth too (150 simulated logs, 200 resamples each)', () => {
    const rng = createRng(21);
    let hits = 0;
    let widthRatio = 0;
    const replicates = 150;
    for (let r = 0; r < replicates; r++) {
      const { rounds, clusters } = clusteredLog(rng, 60, 30);
      const boot = estimateWithInterval('snips', rounds, { method: 'bootstrap', clusters, resamples: 200, rng });
      const normal = estimateWithInterval('snips', rounds, { method: 'normal', clusters });
      if (boot.lower <= TRUTH && TRUTH <= boot.upper) hits++;
      widthRatio += (boot.upper - boot.lower) / (normal.upper - normal.lower) / replicates;
      expect(boot.estimate).toBeCloseTo(normal.estimate, 12);
    }
    expect(hits / replicates).toBeGreaterThan(0.88);
    expect(hits / replicates).toBeLessThan(0.995);
    expect(widthRatio).toBeGreaterThan(0.85);
    expect(widthRatio).toBeLessThan(1.15);
  });

  it('resamples whole clusters: the bootstrap sees the clustering that a per-round bootstrap misses', () => {
    const { rounds, clusters } = clusteredLog(createRng(5), 60, 30);
    const estimate = (m?: readonly number[]) => ESTIMATORS.ips.estimate(rounds, m);
    const byCluster = bootstrapInterval(rounds.length, clusters, estimate, { resamples: 300, rng: createRng(1) });
    const byRound = bootstrapInterval(rounds.length, null, estimate, { resamples: 300, rng: createRng(1) });
    expect(byCluster.stdError / byRound.stdError).toBeGreaterThan(1.3);
  });
});
