import { afterEach, describe, expect, it } from 'vitest';
import { createPseudonymiser } from '../../privacy/index.js';
import { createInsightApp, T0, type InsightApp } from '../../../test/support/insight-shop.js';

const DAY = 86_400_000;

describe('GET /v1/users/:id/interests', () => {
  let t: InsightApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  const get = (user: string, query = '') => t!.call('read', { method: 'GET', url: `/v1/users/${user}/interests${query}` });

  it('weights behaviour into category, tag and brand affinities, with clusters and drift', async () => {
    t = await createInsightApp();
    const res = await get('s0');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ userId: 's0', personalization: true, events: 30 });
    expect(body.categories.slice(0, 2).map((a: { key: string }) => a.key)).toEqual(['Beauty', 'Beauty > Skin']);
    // Each path prefix is a facet key of its own, so the two Beauty keys split the category share.
    expect(body.categories[0].share).toBe(0.5);
    expect(body.tags.map((a: { key: string }) => a.key)).toEqual(expect.arrayContaining(['vegan', 'skincare']));
    expect(body.brands[0]).toMatchObject({ key: 'Glow', share: 1 });
    expect(body.clusters.clusters[0].label).toMatch(/^Beauty > Skin/);
    expect(body.drift.score).toBeGreaterThanOrEqual(0);
    // Scores decay to the time asked for (default: now); shares do not.
    expect(body.asOf).toBeGreaterThan(T0 + 365 * DAY);
    const soon = (await get('s0', `?at=${T0 + 15 * DAY}`)).json();
    const later = (await get('s0', `?at=${T0 + 45 * DAY}`)).json();
    expect(later.categories[0].score).toBeCloseTo(soon.categories[0].score / 2, 3);
    expect(later.categories[0].share).toBe(soon.categories[0].share);
  });

  it('reflects an event posted just before: a new interest appears and drift rises', async () => {
    t = await createInsightApp();
    const at = T0 + 20 * DAY;
    const before = (await get('s1', `?at=${at}`)).json();
    expect(before.categories.map((a: { key: string }) => a.key)).not.toContain('Outdoor');
    await t.post([0, 1, 2].map((k) => ({ id: `new-${k}`, userId: 's1', itemId: `o${k}`, type: 'purchase', timestamp: at - 1000 + k })));
    const after = (await get('s1', `?at=${at}`)).json();
    expect(after.events).toBe(before.events + 3);
    expect(after.categories[0].key).toBe('Outdoor');
    expect(after.drift.score).toBeGreaterThan(before.drift.score);
    expect(after.drift.newInterests.map((i: { dimension: string; key: string }) => `${i.dimension}:${i.key}`)).toEqual(
      expect.arrayContaining(['category:Outdoor', 'tag:hiking', 'brand:Peak']),
    );
  });

  it('applies config.events.weights', async () => {
    t = await createInsightApp({ fill: false });
    await t.call('ingest', {
      method: 'PUT',
      url: '/v1/items',
      payload: {
        items: [
          { id: 'a', categoryPath: ['A'] },
          { id: 'b', categoryPath: ['B'] },
        ],
      },
    });
    await t.post([
      { id: 'w1', userId: 'u', itemId: 'a', type: 'purchase', timestamp: T0 },
      { id: 'w2', userId: 'u', itemId: 'b', type: 'view', timestamp: T0 },
      { id: 'w3', userId: 'u', itemId: 'b', type: 'dislike', timestamp: T0 },
    ]);
    const body = (await get('u', `?at=${T0}`)).json();
    const score = (k: string) => body.categories.find((a: { key: string }) => a.key === k).score;
    expect(score('A')).toBeCloseTo(5);
    expect(score('B')).toBeCloseTo(0.5 - 3);
  });

  it('404s unknown users, profiles a record without events as empty, and never profiles a user who refused', async () => {
    t = await createInsightApp();
    expect((await get('nobody')).statusCode).toBe(404);
    await t.call('ingest', { method: 'PUT', url: '/v1/users/fresh', payload: {} });
    expect((await get('fresh')).json()).toMatchObject({ userId: 'fresh', personalization: true, events: 0, categories: [], asOf: null });
    await t.call('ingest', { method: 'PUT', url: '/v1/users/s2', payload: { consent: { personalization: false } } });
    const refused = await get('s2');
    expect(refused.statusCode).toBe(200);
    expect(refused.json()).toEqual({ userId: 's2', personalization: false });
  });

  it('speaks the shop id with CURIO_ID_SECRET, checks scope and query', async () => {
    const secret = 'a-test-secret-of-enough-length';
    t = await createInsightApp({ env: { CURIO_ID_SECRET: secret } });
    const res = await get('s0');
    expect(res.json().userId).toBe('s0');
    expect(res.body).not.toContain(createPseudonymiser(secret)('s0'));
    const body = res.json();
    expect(body.categories[0].key).toBe('Beauty');
    expect((await t.call(null, { method: 'GET', url: '/v1/users/s0/interests' })).statusCode).toBe(401);
    expect((await t.call('ingest', { method: 'GET', url: '/v1/users/s0/interests' })).statusCode).toBe(403);
    const bad = await get('s0', '?top=0&colour=red');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.problems.map((p: { path: string }) => p.path)).toEqual(expect.arrayContaining(['query.top']));
  });
});
