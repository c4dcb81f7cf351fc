import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { exploredIn } from './exploration.js';

const candidates = [
  { itemId: 'a', score: 3 },
  { itemId: 'b', score: 2 },
  { itemId: 'c', score: 1 },
];

describe('exploredIn', () => {
  it('counts shown items outside the top candidates by score, pinned ones left out', () => {
    const base = { recommendationId: 'r', userId: 'u', timestamp: 1, policy: 'epsilon-greedy', exploreWeight: 0.5, candidates };
    expect(
      exploredIn({
        ...base,
        shown: [
          { itemId: 'b', propensity: 0.9 },
          { itemId: 'a', propensity: 0.9 },
        ],
      }),
    ).toEqual({ shown: 2, explored: 0 });
    expect(
      exploredIn({
        ...base,
        shown: [
          { itemId: 'a', propensity: 0.9 },
          { itemId: 'c', propensity: 0.1 },
        ],
      }),
    ).toEqual({ shown: 2, explored: 1 });
    expect(
      exploredIn({
        ...base,
        shown: [
          { itemId: 'z', propensity: 1, slot: null },
          { itemId: 'a', propensity: 0.9 },
        ],
      }),
    ).toEqual({ shown: 1, explored: 0 });
  });
});

describe('GET /v1/admin/exploration', () => {
  let t: TestApp;
  afterEach(() => t.close());

  it('reports the share of explored items in the slates logged in the window; admin only', async () => {
    t = await createTestApp();
    const now = Date.now();
    const slate = (id: string, ago: number, shown: string[], exploreWeight: number) => ({
      recommendationId: id,
      userId: 'u1',
      timestamp: now - ago,
      policy: 'epsilon-greedy',
      exploreWeight,
      candidates,
      shown: shown.map((itemId) => ({ itemId, propensity: 0.5 })),
    });
    await t.store.appendDecisions([
      slate('r1', 1000, ['a', 'b'], 0.2),
      slate('r2', 2000, ['a', 'c'], 0.4),
      slate('old', 3 * 86_400_000, ['c', 'b'], 1),
    ]);
    const res = await t.call('admin', { method: 'GET', url: '/v1/admin/exploration?hours=24' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ slates: 2, impressions: 4, explored: 1, share: 0.25, byPolicy: { 'epsilon-greedy': 2 } });
    expect(res.json().meanExploreWeight).toBeCloseTo(0.3);
    expect((await t.call('read', { method: 'GET', url: '/v1/admin/exploration' })).statusCode).toBe(403);
  });
});
