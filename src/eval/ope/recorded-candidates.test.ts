import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRng, type Event } from '../../core/index.js';
import { categoryEmbedding, createPolicy, type Candidate } from '../../explore/index.js';
import { openStore, type Decision, type Store } from '../../store/index.js';
import { evaluatePolicyOnLogs, loggedRateCandidates, recordedCandidates } from './policy-evaluation.js';
import { readStoreLogs } from './store-logs.js';

/** Click probability per item; `z` is a candidate the greedy logger never shows. */
const APPEAL: Record<string, number> = { a: 0.4, b: 0.1, c: 0.2, z: 0.3 };
const CANDIDATES: Candidate[] = ['a', 'b', 'c', 'z'].map((itemId, i) => ({
  itemId,
  score: 4 - i,
  cluster: itemId === 'z' ? 'toys' : 'tea',
}));

/** `slates` greedy recommendations (a in slot 0, b in slot 1) with clicks; decisions for all but the first `withoutDecisions`. */
async function logGreedyTraffic(store: Store, slates: number, withoutDecisions: number): Promise<void> {
  const world = createRng(11);
  const events: Event[] = [];
  const decisions: Decision[] = [];
  for (let s = 0; s < slates; s++) {
    const userId = `u${s % 20}`;
    const timestamp = 1_700_000_000_000 + s * 1000;
    const recommendationId = `r${s}`;
    ['a', 'b'].forEach((itemId, position) => {
      const base = { userId, itemId, value: null, sessionId: null };
      events.push({
        ...base,
        id: `imp-${s}-${position}`,
        type: 'impression',
        timestamp,
        context: { recommendationId, position, policy: 'greedy', propensity: 1 },
      });
      if (world.next() < APPEAL[itemId])
        events.push({ ...base, id: `clk-${s}-${position}`, type: 'click', timestamp: timestamp + 5, context: { recommendationId } });
    });
    if (s >= withoutDecisions)
      decisions.push({ recommendationId, userId, timestamp, policy: 'greedy', exploreWeight: 0, candidates: CANDIDATES });
  }
  // A decision of another user under a reused recommendation id is not joined.
  decisions.push({
    recommendationId: 'r0',
    userId: 'someone-else',
    timestamp: 1_700_000_000_000,
    policy: 'greedy',
    exploreWeight: 0,
    candidates: [],
  });
  await store.appendEvents(events);
  await store.appendDecisions(decisions);
}

/** Thompson that has seen z succeed many times: it puts z first whenever z is a candidate. */
function zLover() {
  const policy = createPolicy('thompson');
  for (let i = 0; i < 500; i++) policy.update({ itemId: 'z', cluster: 'toys', reward: 1 });
  return policy;
}

describe('OPE on logged candidate sets', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
  });
  afterEach(async () => store.close());

  it('joins each slate to its decision by recommendation id and user, and counts them', async () => {
    await logGreedyTraffic(store, 40, 10);
    const logs = await readStoreLogs(store);
    expect(logs.slates).toHaveLength(40);
    expect(logs.slatesWithCandidates).toBe(30);
    expect(logs.slates[0].candidates).toBeUndefined();
    expect(logs.slates[10].candidates).toEqual(CANDIDATES);
    const some = await readStoreLogs(store, { from: 1_700_000_000_000 + 35_000 });
    expect([some.slates.length, some.slatesWithCandidates]).toEqual([5, 5]);
  });

  it('evaluates the candidate policy on the candidates the logger had, not only on what it showed', async () => {
    await logGreedyTraffic(store, 400, 0);
    const { slates } = await readStoreLogs(store);
    const options = { exploreWeight: 0, seed: 1, clusterOf: (id: string) => CANDIDATES.find((c) => c.itemId === id)?.cluster };
    const recorded = evaluatePolicyOnLogs(slates, {
      ...options,
      policy: zLover(),
      candidatesFor: recordedCandidates(loggedRateCandidates()),
    });
    const slateOnly = evaluatePolicyOnLogs(slates, { ...options, policy: zLover(), candidatesFor: loggedRateCandidates() });
    // On its real candidate sets the policy shows z first and b never: no logged slot agrees with it.
    expect(recorded.diagnostics.support).toBe(0);
    expect(recorded.estimates.ips).toBe(0);
    // Rebuilt from the shown items only, z does not exist and the policy looks like the logger.
    // (Only the first slates, before any reward rate is known, can rank b above a.)
    expect(slateOnly.diagnostics.support).toBeGreaterThan(0.98);
    expect(slateOnly.estimates.ips).toBeGreaterThan(0.2);
  });

  it('falls back for slates without a decision', async () => {
    await logGreedyTraffic(store, 100, 50);
    const { slates } = await readStoreLogs(store);
    const result = evaluatePolicyOnLogs(slates, {
      policy: zLover(),
      exploreWeight: 0,
      seed: 1,
      candidatesFor: recordedCandidates(loggedRateCandidates()),
    });
    // The 50 old slates agree with the policy (as good as): the 50 with decisions never do.
    expect(result.diagnostics.support).toBeGreaterThan(0.45);
    expect(result.diagnostics.support).toBeLessThanOrEqual(0.5);
  });

  it('gives an embedding-based policy the category features it is served with', async () => {
    await logGreedyTraffic(store, 100, 0);
    const { slates } = await readStoreLogs(store);
    const clusterOf = (id: string) => CANDIDATES.find((c) => c.itemId === id)?.cluster;
    // LinUCB on its features only (scoreWeight 0), taught the way the runtime teaches it: toys pay, tea does not.
    const taught = () => {
      const policy = createPolicy('linucb', { scoreWeight: 0 });
      for (let i = 0; i < 200; i++) {
        policy.update({ itemId: 'z', cluster: 'toys', embedding: categoryEmbedding('toys'), reward: 1 });
        policy.update({ itemId: 'a', cluster: 'tea', embedding: categoryEmbedding('tea'), reward: 0 });
      }
      return policy;
    };
    const options = { exploreWeight: 0, seed: 1, clusterOf, candidatesFor: recordedCandidates(loggedRateCandidates()) };
    const blind = evaluatePolicyOnLogs(slates, { ...options, policy: taught() });
    const seeing = evaluatePolicyOnLogs(slates, { ...options, policy: taught(), embeddingOf: (id) => categoryEmbedding(clusterOf(id)) });
    // The decision log keeps no embeddings: without them every candidate looks alike and the logger's order stands.
    expect(blind.diagnostics.support).toBe(1);
    // With the runtime's category features the policy puts z first, where the logger never did.
    expect(seeing.diagnostics.support).toBe(0);
  });
});
