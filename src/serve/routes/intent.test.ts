import { afterEach, describe, expect, it } from 'vitest';
import { createInsightApp, T0, type InsightApp } from '../../../test/support/insight-shop.js';

const DAY = 86_400_000;
const MIN = 60_000;

describe('GET /v1/users/:id/intent', () => {
  let t: InsightApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  const intent = (user: string, at?: number) =>
    t!.call('read', { method: 'GET', url: `/v1/users/${user}/intent${at === undefined ? '' : `?at=${at}`}` });
  const session = (user: string, start: number, types: string[], item = 'b1') =>
    t!.post(types.map((type, k) => ({ id: `${user}-${start}-${k}`, userId: user, itemId: item, type, timestamp: start + k * MIN })));

  it("scores the current session: a cart in a buyer's session beats a browser's views, and a new event counts at once", async () => {
    t = await createInsightApp();
    const start = T0 + 30 * DAY;
    await session('s0', start, ['view', 'view']);
    await session('s1', start, ['view', 'view'], 'f1');
    const at = start + 2 * MIN;
    const before = (await intent('s0', at)).json();
    expect(before).toMatchObject({
      userId: 's0',
      personalization: true,
      at,
      sessionActive: true,
      sessionEvents: 2,
      withinNextEvents: { events: 5 },
    });
    expect(before.model.trainedOn.examples).toBeGreaterThan(100);
    const browser = (await intent('s1', at)).json();
    expect(browser.inSession).toBeLessThan(before.inSession);
    await t.post([{ id: 's0-cart', userId: 's0', itemId: 'b1', type: 'cart', timestamp: at }]);
    const after = (await intent('s0', at + MIN)).json();
    expect(after.sessionEvents).toBe(3);
    expect(after.features.cart_open).toBe(1);
    expect(after.inSession).toBeGreaterThan(before.inSession);
    expect(after.inSession).toBeGreaterThan(0.5);
    expect(after.withinNextEvents.probability).toBeGreaterThan(before.withinNextEvents.probability);
    expect(after.model.builtAt).toBe(before.model.builtAt);
  });

  it('scores a session starting now when the last action is old; a record without events gets the cold-start estimate', async () => {
    t = await createInsightApp();
    const now = (await intent('s0')).json();
    expect(now).toMatchObject({ sessionActive: false, sessionEvents: 0 });
    expect(now.at).toBeGreaterThan(T0 + 365 * DAY);
    await t.call('ingest', { method: 'PUT', url: '/v1/users/fresh', payload: {} });
    const fresh = (await intent('fresh')).json();
    expect(fresh).toMatchObject({ userId: 'fresh', sessionActive: false, sessionEvents: 0 });
    expect(fresh.inSession).toBeGreaterThan(0);
    expect(fresh.inSession).toBeLessThan(1);
  });

  it('404s unknown users and does not score users who refused personalisation', async () => {
    t = await createInsightApp();
    expect((await intent('nobody')).statusCode).toBe(404);
    await t.call('ingest', { method: 'PUT', url: '/v1/users/s3', payload: { consent: { personalization: false } } });
    expect((await intent('s3')).json()).toEqual({ userId: 's3', personalization: false });
    const bad = await t.call('read', { method: 'GET', url: '/v1/users/s0/intent?at=yesterday' });
    expect(bad.json().error.problems[0].path).toBe('query.at');
  });

  it('retrains on refresh (admin only) and answers 409 while the store has no behaviour', async () => {
    t = await createInsightApp({ fill: false });
    await t.call('ingest', { method: 'PUT', url: '/v1/users/fresh', payload: {} });
    expect((await intent('fresh')).statusCode).toBe(409);
    await t.call('ingest', { method: 'PUT', url: '/v1/items', payload: { items: [{ id: 'a', categoryPath: ['A'], price: 5 }] } });
    await session('u1', T0, ['view', 'cart', 'purchase'], 'a');
    await session('u2', T0, ['view', 'view'], 'a');
    expect((await t.call('read', { method: 'POST', url: '/v1/intent/refresh' })).statusCode).toBe(403);
    const res = await t.call('admin', { method: 'POST', url: '/v1/intent/refresh' });
    expect(res.statusCode).toBe(200);
    expect(res.json().model.trainedOn.examples).toBe(4);
    expect((await intent('fresh')).statusCode).toBe(200);
  });
});
