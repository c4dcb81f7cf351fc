import { describe, expect, it } from 'vitest';
import { overlapWarnings, weightDiagnostics } from './diagnostics.js';
import type { OpeRound } from './types.js';

const round = (evalProbability: number, behaviorPropensity: number, reward = 0): OpeRound => ({
  reward,
  behaviorPropensity,
  evalProbability,
  predictedLogged: 0.1,
  predictedUnderEval: 0.1,
});

/** `n` rounds whose weights cycle through `weights` (π_b = 0.5), every fifth rewarded. */
const rounds = (n: number, weights: number[]): OpeRound[] =>
  Array.from({ length: n }, (_, i) => round(weights[i % weights.length] * 0.5, 0.5, i % 5 === 0 ? 1 : 0));
const warn = (rs: OpeRound[]) =>
  overlapWarnings({ rounds: rs, diagnostics: weightDiagnostics(rs), clusters: rs.map((_, i) => i % 100), clusterUnit: 'users' });

describe('weight diagnostics and overlap warnings', () => {
  it('computes ESS, the largest weight share and support (hand-computed)', () => {
    const d = weightDiagnostics([round(0.5, 0.5), round(1, 0.5), round(0, 0.5), round(0.25, 0.25)]);
    // weights 1, 2, 0, 1: Σ 4, Σ² 6.
    expect(d.meanWeight).toBe(1);
    expect(d.effectiveSampleSize).toBeCloseTo(16 / 6, 12);
    expect(d.effectiveSampleShare).toBeCloseTo(16 / 6 / 4, 12);
    expect(d.largestWeightShare).toBe(0.5);
    expect(d.support).toBe(0.75);
    expect(weightDiagnostics([])).toMatchObject({ effectiveSampleSize: 0, largestWeightShare: 0 });
  });

  it('warns about nothing when the policy stays close to the logger', () => {
    expect(warn(rounds(2000, [0.8, 1.2, 1, 1]))).toEqual([]);
  });

  it("says why: few effective impressions, one dominant impression, mass off the logger's support, too few rewards or users", () => {
    const heavy = rounds(2000, [...new Array<number>(19).fill(0), 20]);
    expect(warn(heavy).join('\n')).toMatch(/ESS is 5\.0% of impressions \(100 of 2000\)/);
    const one = [...rounds(400, [1]), round(0.5, 0.0025, 1)];
    expect(warn(one).join('\n')).toMatch(/one impression carries 33% of the weight \(weight 200\.0\)/);
    // The policy shows an action half the time that the logger never logged: E_b[w] = 0.5.
    const off = rounds(2000, [1, 0]);
    expect(warn(off).join('\n')).toMatch(/policy puts about 50% of its mass on actions the logger never showed/);
    expect(warn(rounds(2000, [1.5])).join('\n')).toMatch(/mean weight 1\.50 is above 1/);
    expect(warn(rounds(100, [1])).join('\n')).toMatch(/only 20 rewarded impressions/);
    const fewUsers = rounds(2000, [1]);
    expect(
      overlapWarnings({
        rounds: fewUsers,
        diagnostics: weightDiagnostics(fewUsers),
        clusters: fewUsers.map((_, i) => i % 12),
        clusterUnit: 'users',
      }).join('\n'),
    ).toMatch(/only 12 users/);
    expect(warn([])).toEqual(['no logged impressions to evaluate on']);
  });
});
