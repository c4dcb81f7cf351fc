import { describe, expect, it } from 'vitest';
import { createPolicy } from '../../explore/index.js';
import { CANDIDATES, GREEDY_VALUE, simulateOpeSlates } from '../../../test/support/ope-logs.js';
import { linearForm, normalInterval } from './intervals.js';
import { policyRounds } from './policy-evaluation.js';

describe("the reward model's share of an estimate's variance", () => {
  it('makes DM and switch-DR intervals cover the truth, which they miss when q̂ is taken as fixed (120 simulated logs)', () => {
    const names = ['dm', 'switch-dr@2', 'dr'];
    const hits = Object.fromEntries(names.map((n) => [n, { withModel: 0, fixed: 0 }]));
    const replicates = 120;
    for (let r = 0; r < replicates; r++) {
      const slates = simulateOpeSlates({ slates: 1000, users: 100, seed: 100 + r });
      const { rounds, slateOf, trace } = policyRounds(slates, {
        policy: createPolicy('greedy'),
        exploreWeight: 0,
        seed: 1,
        candidatesFor: () => CANDIDATES,
      });
      const users = slateOf.map((i) => Number(slates[i].userId.slice(1)));
      const covers = (e: { lower: number; upper: number }) => (e.lower <= GREEDY_VALUE && GREEDY_VALUE <= e.upper ? 1 : 0);
      for (const name of names) {
        const form = linearForm(name, rounds);
        hits[name].withModel += covers(normalInterval(form, users, { trace, rounds }));
        hits[name].fixed += covers(normalInterval(form, users));
      }
    }
    // Greedy is deterministic: every DM term is the same number, so its term variance is 0 and only q̂'s fit moves it.
    for (const name of ['dm', 'switch-dr@2']) {
      expect(hits[name].withModel / replicates, name).toBeGreaterThan(0.88);
      expect(hits[name].withModel / replicates, name).toBeLessThan(0.995);
      expect(hits[name].fixed / replicates, name).toBeLessThan(0.3);
    }
    // DR's correction undoes q̂'s error to first order: the model adds next to nothing to it.
    expect(Math.abs(hits.dr.withModel - hits.dr.fixed)).toBeLessThanOrEqual(3);
    expect(hits.dr.withModel / replicates).toBeGreaterThan(0.88);
  });
});
