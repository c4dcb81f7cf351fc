import { afterEach, describe, expect, it } from 'vitest';
import { createInsightApp, T0, type InsightApp } from '../../../test/support/insight-shop.js';

interface Summary {
  segment: number;
  size: number;
  description: string;
  topCategories: Array<{ category: string; share: number }>;
  averageOrderValue: number;
  conversionRate: number;
  medianSessionEvents: number;
}

describe('/v1/segments', () => {
  let t: InsightApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  const read = (url: string) => t!.call('read', { method: 'GET', url });

  it('lists the planted segments with size, top categories, order value, conversion and session length', async () => {
    t = await createInsightApp();
    const res = await read('/v1/segments');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ users: 36, excludedUsers: 0, k: 3, model: { stale: false, rebuilding: false } });
    const byTop = new Map<string, Summary>(body.segments.map((s: Summary) => [s.topCategories[0].category, s]));
    expect(byTop.get('Beauty')).toMatchObject({ size: 12, averageOrderValue: 40, conversionRate: 1, medianSessionEvents: 6 });
    expect(byTop.get('Fashion')).toMatchObject({ size: 12, averageOrderValue: 0, conversionRate: 0, medianSessionEvents: 4 });
    expect(byTop.get('Outdoor')).toMatchObject({ size: 12, averageOrderValue: 300, conversionRate: 1 });
    expect(byTop.get('Beauty')!.description).toMatch(
      /^12 users \(33 %\): mostly Beauty \(100 %\); average order 40, buys in 100 % of sessions; typical session 6 events/,
    );
    expect(byTop.get('Fashion')!.description).toContain('has not bought');
  });

  it('places a user in their segment, and a new shopper without a recompute', async () => {
    t = await createInsightApp();
    const list = (await read('/v1/segments')).json();
    const beauty = list.segments.find((s: Summary) => s.topCategories[0].category === 'Beauty');
    const s0 = (await read('/v1/users/s0/segment')).json();
    expect(s0).toMatchObject({
      userId: 's0',
      personalization: true,
      segment: { segment: beauty.segment, description: beauty.description },
    });
    expect(s0.features).toMatchObject({ sessions: 5, orders: 5, monetary: 200, interests: [{ category: 'Beauty', share: 1 }] });
    await t.post(
      [0, 1, 2, 3].map((k) => ({
        id: `nb-${k}`,
        userId: 'newbie',
        itemId: `b${k}`,
        type: k === 3 ? 'purchase' : 'view',
        timestamp: T0 + k * 60_000,
      })),
    );
    const newbie = (await read('/v1/users/newbie/segment')).json();
    expect(newbie.segment.segment).toBe(beauty.segment);
    expect((await read('/v1/segments')).json().users).toBe(36);
  });

  it('404s unknown users, gives a record without events no segment, and leaves out users who refused personalisation', async () => {
    t = await createInsightApp();
    await t.call('ingest', { method: 'PUT', url: '/v1/users/s4', payload: { consent: { personalization: false } } });
    await t.call('ingest', { method: 'PUT', url: '/v1/users/fresh', payload: {} });
    expect((await read('/v1/users/nobody/segment')).statusCode).toBe(404);
    expect((await read('/v1/users/fresh/segment')).json()).toMatchObject({
      userId: 'fresh',
      personalization: true,
      segment: null,
      features: null,
    });
    expect((await read('/v1/users/s4/segment')).json()).toEqual({ userId: 's4', personalization: false });
    const body = (await read('/v1/segments')).json();
    expect(body).toMatchObject({ users: 35, excludedUsers: 1 });
    const csv = (await read('/v1/segments?format=csv')).body;
    expect(csv).not.toMatch(/^s4,/m);
  });

  it('exports CSV, one row per segmented user', async () => {
    t = await createInsightApp();
    const res = await read('/v1/segments?format=csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = res.body.trim().split('\n');
    expect(lines[0]).toBe('user_id,segment,recency_days,sessions,events,monetary,orders,top_category');
    expect(lines).toHaveLength(37);
    expect(lines.find((l) => l.startsWith('s0,'))).toMatch(/,5,30,200,5,Beauty$/);
    expect((await read('/v1/segments?format=xml')).json().error.problems[0].path).toBe('query.format');
  });

  it('caches the segmentation until an admin refreshes it', async () => {
    t = await createInsightApp();
    const first = (await read('/v1/segments')).json();
    await t.post(Array.from({ length: 8 }, (_, u) => ({ id: `late-${u}`, userId: `late${u}`, itemId: 'f1', type: 'view', timestamp: T0 })));
    const cached = (await read('/v1/segments')).json();
    expect(cached.users).toBe(36);
    expect(cached.model.builtAt).toBe(first.model.builtAt);
    expect((await t.call('read', { method: 'POST', url: '/v1/segments/refresh' })).statusCode).toBe(403);
    const refreshed = await t.call('admin', { method: 'POST', url: '/v1/segments/refresh' });
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.json()).toMatchObject({ users: 44, excludedUsers: 0 });
    expect((await read('/v1/segments')).json().users).toBe(44);
  });

  it('drops an erased user from the cached segmentation at once, and rebuilds it without them', async () => {
    t = await createInsightApp();
    const first = (await read('/v1/segments')).json();
    expect((await read('/v1/segments?format=csv')).body).toMatch(/^s4,/m);
    expect((await t.call('admin', { method: 'DELETE', url: '/v1/users/s4' })).statusCode).toBe(200);
    // The cached segmentation no longer holds them, before any rebuild; what the segments were computed with
    // did, so it is stale and the read starts a rebuild in the background.
    const after = (await read('/v1/segments')).json();
    expect(after).toMatchObject({ users: 35, model: { builtAt: first.model.builtAt, stale: true, rebuilding: true } });
    expect((await read('/v1/segments?format=csv')).body).not.toMatch(/^s4,/m);
    await t.call('admin', { method: 'POST', url: '/v1/segments/refresh' });
    const rebuilt = (await read('/v1/segments')).json();
    expect(rebuilt).toMatchObject({ users: 35, model: { stale: false } });
    expect(rebuilt.model.builtAt >= first.model.builtAt).toBe(true);
  });

  it('answers 409 while the store holds fewer than 2 users', async () => {
    t = await createInsightApp({ fill: false });
    const res = await read('/v1/segments');
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/at least 2 users/) });
  });
});
