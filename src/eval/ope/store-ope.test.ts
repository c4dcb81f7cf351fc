import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRng, type Event } from '../../core/index.js';
import { createPolicy, type Candidate } from '../../explore/index.js';
import { openStore, type Store } from '../../store/index.js';
import { evaluatePolicyOnLogs, loggedRateCandidates } from './policy-evaluation.js';
import { readStoreLogs } from './store-logs.js';

/** Click probability = item appeal × position examination (a position-based click model). */
const APPEAL: Record<string, number> = { a: 0.05, b: 0.1, c: 0.4, d: 0.2, e: 0.3, f: 0.15 };
const EXAMINE = [1, 0.6];
const CANDIDATES: Candidate[] = Object.keys(APPEAL).map((itemId, i) => ({ itemId, score: 6 - i, cluster: i % 2 ? 'x' : 'y' }));

/** Logs `slates` recommendations of an ε-greedy logger (exact propensities) with clicks into the store. */
async function logTraffic(store: Store, slates: number): Promise<void> {
  const logger = createPolicy('epsilon-greedy', { epsilonMax: 0.6 });
  const world = createRng(5);
  const events: Event[] = [];
  for (let s = 0; s < slates; s++) {
    const t = 1_700_000_000_000 + s * 1000;
    const slate = logger.choose(CANDIDATES, { userId: `u${s % 50}`, k: 2, exploreWeight: 1, rng: createRng(s) });
    for (const slot of slate.slots) {
      const context = { recommendationId: `r${s}`, position: slot.position, policy: slate.policy, propensity: slot.propensity };
      const base = { userId: `u${s % 50}`, itemId: slot.itemId, value: null, sessionId: null };
      events.push({ ...base, id: `imp-${s}-${slot.position}`, type: 'impression', timestamp: t, context });
      if (world.next() < APPEAL[slot.itemId] * EXAMINE[slot.position]) {
        events.push({ ...base, id: `clk-${s}-${slot.position}`, type: 'click', timestamp: t + 10, context: { recommendationId: `r${s}` } });
      }
    }
  }
  events.push({
    id: 'stray',
    userId: 'u1',
    itemId: 'a',
    type: 'click',
    value: null,
    timestamp: 1_800_000_000_000,
    sessionId: null,
    context: {},
  });
  events.push({
    id: 'bad-imp',
    userId: 'u1',
    itemId: 'a',
    type: 'impression',
    value: null,
    timestamp: 1_800_000_000_000,
    sessionId: null,
    context: { recommendationId: 'rx' },
  });
  await store.appendEvents(events);
}

describe('OPE on a store', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
  });
  afterEach(async () => {
    await store.close();
  });

  it('leaves pinned impressions out and reads a shifted item at the slot its propensity is for', async () => {
    const base = { userId: 'u1', value: null, sessionId: null, timestamp: 1_700_000_000_000 };
    const context = (position: number, extra: object) => ({
      recommendationId: 'rp',
      policy: 'epsilon-greedy',
      position,
      propensity: 0.5,
      ...extra,
    });
    await store.appendEvents([
      { ...base, id: 'i0', itemId: 'a', type: 'impression', context: context(0, {}) },
      { ...base, id: 'i1', itemId: 'pin', type: 'impression', context: { ...context(1, { pinned: true }), propensity: 1 } },
      { ...base, id: 'i2', itemId: 'b', type: 'impression', context: context(2, { slot: 1 }) },
      { ...base, id: 'c1', itemId: 'pin', type: 'click', timestamp: base.timestamp + 5, context: { recommendationId: 'rp' } },
      { ...base, id: 'c2', itemId: 'b', type: 'click', timestamp: base.timestamp + 6, context: { recommendationId: 'rp' } },
    ]);
    const logs = await readStoreLogs(store);
    expect(logs.pinnedImpressions).toBe(1);
    expect(logs.unmatchedRewards).toBe(0);
    expect(logs.slates[0].impressions).toEqual([
      { itemId: 'a', position: 0, propensity: 0.5, reward: 0 },
      { itemId: 'b', position: 1, propensity: 0.5, reward: 1 },
    ]);
  });

  it('reads slates with rewards joined by recommendation id', async () => {
    await logTraffic(store, 200);
    const logs = await readStoreLogs(store);
    expect(logs.slates).toHaveLength(200);
    expect(logs.skippedImpressions).toBe(1);
    expect(logs.unmatchedRewards).toBe(1);
    const all = logs.slates.flatMap((s) => s.impressions);
    expect(all).toHaveLength(400);
    expect(all.every((i) => i.propensity > 0 && i.propensity <= 1)).toBe(true);
    expect(all.some((i) => i.reward === 1)).toBe(true);
    expect(logs.slates[0].impressions.map((i) => i.position)).toEqual([0, 1]);
  });

  it('estimates the greedy policy value from ε-greedy logs', async () => {
    await logTraffic(store, 4000);
    const { slates } = await readStoreLogs(store);
    // Greedy shows a (slot 0) and b (slot 1): true reward per impression is the mean of the two slots.
    const truth = (APPEAL.a * EXAMINE[0] + APPEAL.b * EXAMINE[1]) / 2;
    const result = evaluatePolicyOnLogs(slates, {
      policy: createPolicy('greedy'),
      exploreWeight: 0,
      seed: 1,
      candidatesFor: () => CANDIDATES,
      clusterOf: (id) => CANDIDATES.find((c) => c.itemId === id)?.cluster,
    });
    expect(result.impressions).toBe(8000);
    expect(result.loggedRewardRate).toBeGreaterThan(truth + 0.02);
    for (const name of ['ips', 'snips', 'dr', 'switch-dr', 'dros']) {
      expect(Math.abs(result.estimates[name] - truth), name).toBeLessThan(0.015);
    }
    expect(result.diagnostics.support).toBeGreaterThan(0.3);
    expect(result.diagnostics.support).toBeLessThan(1);
  });

  it('replays a learning policy over a causal candidate source', async () => {
    await logTraffic(store, 300);
    const { slates } = await readStoreLogs(store);
    const result = evaluatePolicyOnLogs(slates, {
      policy: createPolicy('thompson', { propensityDraws: 50 }),
      exploreWeight: 1,
      seed: 1,
      candidatesFor: loggedRateCandidates(),
      learn: true,
    });
    expect(result.slates).toBe(300);
    for (const value of Object.values(result.estimates)) expect(value).toBeGreaterThanOrEqual(0);
    expect(result.diagnostics.meanWeight).toBeGreaterThan(0);
  });
});
