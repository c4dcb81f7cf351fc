import { describe, expect, it } from 'vitest';
import { createRng, type Event } from '../core/index.js';
import { createSequenceBuilder } from '../data/index.js';
import { createPolicy } from '../explore/index.js';
import { buildCooccurrence, neighbourWeight } from './covisit.js';
import { FeedbackLoop } from './feedback.js';
import { topIndices } from './live-lists.js';

const event = (id: string, type: Event['type'], itemId: string, recommendationId?: string): Event => ({
  id,
  userId: 'u',
  itemId,
  type,
  value: null,
  timestamp: 1,
  sessionId: null,
  context: recommendationId ? { recommendationId, position: 0 } : {},
});

describe('topIndices', () => {
  it('matches a full sort (ties: lower index) on generated inputs, skipping what it is told to', () => {
    const rng = createRng(5);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + rng.int(300);
      const values = Float64Array.from({ length: n }, () => (rng.next() < 0.1 ? Number.NEGATIVE_INFINITY : rng.int(40)));
      const k = 1 + rng.int(20);
      const skip = (i: number) => i % 7 === 3;
      const reference = [...values.keys()]
        .filter((i) => values[i] > Number.NEGATIVE_INFINITY && !skip(i))
        .sort((a, b) => values[b] - values[a] || a - b)
        .slice(0, k);
      expect(topIndices(values, n, k, skip)).toEqual(reference);
    }
  });
});

describe('buildCooccurrence', () => {
  it('links items that follow each other and normalises by popularity', () => {
    const b = createSequenceBuilder();
    for (let u = 0; u < 20; u++) {
      ['x', 'y', 'z'].forEach((item, t) => b.add(`u${u}`, item, 'view', t));
      b.add(`u${u}`, 'pop', 'view', 10); // popular, far from x in every sequence
      if (u < 5) b.add(`u${u}`, 'w', 'purchase', 11);
    }
    const ds = b.build();
    const lists = buildCooccurrence(ds, { keepType: () => true, windowSize: 1, distanceDecay: 0.5, neighbours: 5 });
    const at = (id: string) => ds.items.indexOf(id);
    expect(neighbourWeight(lists, at('x'), at('y'))).toBeCloseTo(1);
    expect(neighbourWeight(lists, at('x'), at('z'))).toBe(0); // outside the window
    expect(neighbourWeight(lists, at('x'), at('x'))).toBe(0);
    const purchases = buildCooccurrence(ds, { keepType: (t) => t === 5, windowSize: 3, distanceDecay: 0.5, neighbours: 5 });
    expect(purchases.indices).toHaveLength(0); // one purchase per user: nothing bought together
  });
});

describe('FeedbackLoop', () => {
  it('counts each slot once whatever the order: a click before its impression is one success', () => {
    const policy = createPolicy('thompson');
    const loop = new FeedbackLoop({ policy: () => policy, clusterOf: () => 'tea' });
    loop.observe([event('1', 'click', 'i1', 'r1'), event('2', 'impression', 'i1', 'r1'), event('3', 'impression', 'i2', 'r1')]);
    loop.observe([event('4', 'purchase', 'i1', 'r1'), event('5', 'view', 'i2', 'r1'), event('6', 'click', 'i3')]);
    const state = policy.save().state as { items: Record<string, [number, number]>; clusters: Record<string, [number, number]> };
    expect(state.items).toEqual({ i1: [1, 0], i2: [0, 1] });
    expect(state.clusters.tea).toEqual([1, 1]);
    expect(loop.counts).toEqual({ impressions: 1, rewards: 1, ignored: 2 });
  });

  it('counts slots but calls no update for a policy that does not learn', () => {
    const updates: string[] = [];
    const policy = { ...createPolicy('epsilon-greedy'), update: (f: { itemId: string }) => void updates.push(f.itemId) };
    const loop = new FeedbackLoop({ policy: () => policy, clusterOf: () => 'tea' });
    loop.observe([event('1', 'impression', 'i1', 'r1'), event('2', 'click', 'i1', 'r1')]);
    expect(loop.counts).toEqual({ impressions: 1, rewards: 1, ignored: 0 });
    expect(updates).toEqual([]);
    const learning = { ...createPolicy('thompson'), update: (f: { itemId: string }) => void updates.push(f.itemId) };
    new FeedbackLoop({ policy: () => learning, clusterOf: () => 'tea' }).observe([event('3', 'impression', 'i2', 'r2')]);
    expect(updates).toEqual(['i2']);
  });

  it('forgets the oldest slots beyond maxSlots: a re-delivered old impression then counts again', () => {
    const policy = createPolicy('thompson');
    const loop = new FeedbackLoop({ policy: () => policy, clusterOf: () => 'tea', maxSlots: 2 });
    loop.observe([event('1', 'impression', 'i1', 'r1'), event('2', 'impression', 'i2', 'r1'), event('3', 'impression', 'i1', 'r1')]);
    expect(loop.counts).toEqual({ impressions: 2, rewards: 0, ignored: 1 });
    // The same item in another slate is another slot; it pushes out (r1, i1).
    loop.observe([event('4', 'impression', 'i1', 'r2'), event('5', 'impression', 'i1', 'r1')]);
    expect(loop.counts).toEqual({ impressions: 4, rewards: 0, ignored: 1 });
    loop.observe([event('6', 'impression', 'i1', 'r2')]); // still held
    expect(loop.counts).toEqual({ impressions: 4, rewards: 0, ignored: 2 });
  });
});
