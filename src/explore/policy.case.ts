/**
 * The explore/exploit conformance suite. `policies.test.ts` runs it for every registry entry, so a new
 * policy is tested the day it is registered. Learning checks run only for policies whose capabilities
 * say they learn.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import type { PolicyDefinition } from './definition.js';
import { createPolicy, loadPolicy } from './registry.js';
import type { Candidate, ChooseContext, Policy } from './types.js';

const DIM = 4;

/** A fixed candidate set: distinct scores, two clusters, small embeddings. */
export function fixtureCandidates(n = 8): Candidate[] {
  return Array.from({ length: n }, (_, i) => ({
    itemId: `item-${i}`,
    score: 0.1 * ((i * 5) % n),
    cluster: i % 2 === 0 ? 'even' : 'odd',
    embedding: Float32Array.from({ length: DIM }, (_, d) => Math.cos((i + 1) * (d + 1))),
  }));
}

function context(seed: number, overrides: Partial<ChooseContext> = {}): ChooseContext {
  return { userId: 'u1', k: 3, exploreWeight: 1, rng: createRng(seed), ...overrides };
}

function oneHot(i: number, n: number): Float32Array {
  const v = new Float32Array(n);
  v[i] = 1;
  return v;
}

/** Gives a policy some history so its distribution is not the prior's. */
function warmUp(policy: Policy, candidates: Candidate[]): void {
  candidates.forEach((c, i) => {
    for (let t = 0; t < 5; t++)
      policy.update({ itemId: c.itemId, cluster: c.cluster, embedding: c.embedding, reward: (i + t) % 3 === 0 ? 1 : 0, position: 0 });
  });
}

export function describePolicy(def: PolicyDefinition<never>): void {
  const make = (): Policy => createPolicy(def.id);

  describe(`policy ${def.id}`, () => {
    it('returns k distinct candidates with propensities in (0, 1]', () => {
      const candidates = fixtureCandidates();
      const policy = make();
      for (let seed = 0; seed < 50; seed++) {
        const slate = policy.choose([...candidates, candidates[2]], context(seed));
        expect(slate.policy).toBe(def.id);
        expect(slate.slots).toHaveLength(3);
        expect(new Set(slate.slots.map((s) => s.itemId)).size).toBe(3);
        slate.slots.forEach((s, j) => {
          expect(s.position).toBe(j);
          expect(s.propensity).toBeGreaterThan(0);
          expect(s.propensity).toBeLessThanOrEqual(1);
        });
      }
      expect(policy.choose(candidates.slice(0, 2), context(1)).slots).toHaveLength(2);
      expect(policy.choose([], context(1)).slots).toHaveLength(0);
    });

    it('matches its reported propensities and distribution empirically', () => {
      const candidates = fixtureCandidates();
      const policy = make();
      warmUp(policy, candidates);
      const runs = 1000;
      const seen = new Map<string, { hits: number; reported: number }>();
      for (let seed = 0; seed < runs; seed++) {
        for (const s of policy.choose(candidates, context(seed)).slots) {
          const key = `${s.position}:${s.itemId}`;
          const e = seen.get(key) ?? { hits: 0, reported: 0 };
          e.hits++;
          e.reported += s.propensity;
          seen.set(key, e);
        }
      }
      const dist = policy.distribution(candidates, context(12345));
      for (const [key, e] of seen) {
        const freq = e.hits / runs;
        const tolerance = 4 * Math.sqrt((freq * (1 - freq)) / runs) + 0.01;
        expect(Math.abs(freq - e.reported / e.hits), key).toBeLessThan(tolerance);
        const [slot, itemId] = [Number(key.split(':')[0]), key.slice(key.indexOf(':') + 1)];
        expect(Math.abs(freq - (dist[slot].get(itemId) ?? 0)), `distribution ${key}`).toBeLessThan(tolerance + 0.02);
      }
      for (const slot of dist) expect([...slot.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    });

    it('equals greedy at exploreWeight 0', () => {
      const candidates = fixtureCandidates();
      const greedy = createPolicy('greedy').choose(candidates, context(3));
      for (let seed = 0; seed < 10; seed++) {
        const slate = make().choose(candidates, context(seed, { exploreWeight: 0 }));
        expect(slate.slots).toEqual(greedy.slots);
      }
    });

    it('is reproducible from a seed', () => {
      const candidates = fixtureCandidates();
      const a = make();
      const b = make();
      warmUp(a, candidates);
      warmUp(b, candidates);
      for (let seed = 0; seed < 20; seed++) {
        expect(a.choose(candidates, context(seed))).toEqual(b.choose(candidates, context(seed)));
      }
    });

    it('chooses the same after save and load', () => {
      const candidates = fixtureCandidates();
      const policy = make();
      warmUp(policy, candidates);
      const loaded = loadPolicy(JSON.parse(JSON.stringify(policy.save())));
      for (let seed = 0; seed < 20; seed++) {
        expect(loaded.choose(candidates, context(seed))).toEqual(policy.choose(candidates, context(seed)));
      }
      expect(loaded.save()).toEqual(policy.save());
    });

    it.runIf(def.capabilities.learns)('learns the best arm of a Bernoulli bandit', () => {
      const rates = [0.05, 0.1, 0.3, 0.6, 0.15];
      const arms: Candidate[] = rates.map((_, i) => ({ itemId: `arm-${i}`, score: 0, embedding: oneHot(i, rates.length) }));
      const policy = make();
      const world = createRng(99);
      const picks = new Array<number>(rates.length).fill(0);
      for (let t = 0; t < 800; t++) {
        const [slot] = policy.choose(arms, context(t, { k: 1 })).slots;
        const i = Number(slot.itemId.slice(4));
        if (t >= 400) picks[i]++;
        policy.update({ itemId: slot.itemId, embedding: arms[i].embedding, reward: world.next() < rates[i] ? 1 : 0, position: 0 });
      }
      expect(picks.indexOf(Math.max(...picks))).toBe(3);
      expect(picks[3]).toBeGreaterThan(200);
      expect(policy.choose(arms, context(1, { k: 1, exploreWeight: 0 })).slots[0].itemId).toBe('arm-3');
    });
  });
}
