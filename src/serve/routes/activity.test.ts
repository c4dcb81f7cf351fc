import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

const MINUTE = 60_000;

describe('GET /v1/stats/activity', () => {
  let t: TestApp;
  afterEach(() => t.close());

  it('counts the events of each of the last minutes by type, and the store totals', async () => {
    t = await createTestApp({ env: { CURIO_MIN_GROUP_SIZE: '0' } });
    const now = Date.now();
    const ev = (id: string, type: string, ago: number) => ({ id, userId: 'u1', itemId: 'i1', type, timestamp: now - ago });
    await t.call('ingest', {
      method: 'POST',
      url: '/v1/events',
      payload: {
        events: [
          ev('a', 'view', 0),
          ev('b', 'view', 0),
          ev('c', 'click', 0),
          ev('d', 'purchase', 3 * MINUTE),
          ev('old', 'view', 90 * MINUTE),
        ],
      },
    });
    await t.call('ingest', { method: 'PUT', url: '/v1/items', payload: { items: [{ id: 'i1' }, { id: 'i2' }] } });
    const res = await t.call('read', { method: 'GET', url: '/v1/stats/activity?minutes=10' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.perMinute).toHaveLength(10);
    expect(body.to - body.from).toBe(10 * MINUTE);
    const minuteOf = (ts: number) => body.perMinute.find((m: { minute: number }) => m.minute <= ts && ts < m.minute + MINUTE);
    expect(minuteOf(now).counts).toEqual({ view: 2, click: 1 });
    expect(minuteOf(now - 3 * MINUTE).counts).toEqual({ purchase: 1 });
    const counted = body.perMinute.reduce(
      (s: number, m: { counts: Record<string, number> }) => s + Object.values(m.counts).reduce((a, b) => a + b, 0),
      0,
    );
    expect(counted).toBe(4);
    expect(body.totals).toMatchObject({ items: 2, events: 5 });
    expect(body.truncated).toBe(false);
  });

  it('leaves out a minute and type made by fewer than privacy.minGroupSize users, and counts what it left out', async () => {
    t = await createTestApp({ env: { CURIO_MIN_GROUP_SIZE: '3' } });
    const now = Date.now();
    const ev = (id: string, userId: string, type: string) => ({ id, userId, itemId: 'i1', type, timestamp: now });
    // Three shoppers viewed (shown); two carted, one of them twice (hidden: two people, whatever the count).
    const events = [
      ev('a', 'u1', 'view'),
      ev('b', 'u2', 'view'),
      ev('c', 'u3', 'view'),
      ev('d', 'u1', 'cart'),
      ev('e', 'u1', 'cart'),
      ev('f', 'u2', 'cart'),
    ];
    await t.call('ingest', { method: 'POST', url: '/v1/events', payload: { events } });
    const body = (await t.call('read', { method: 'GET', url: '/v1/stats/activity?minutes=5' })).json();
    const current = body.perMinute.at(-1);
    expect(current.counts).toEqual({ view: 3 });
    expect(body.suppressed).toBe(1);
  });

  it('names a bad window in a problem and needs the read scope', async () => {
    t = await createTestApp();
    const bad = await t.call('read', { method: 'GET', url: '/v1/stats/activity?minutes=0' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.problems[0].path).toBe('query.minutes');
    expect((await t.call('ingest', { method: 'GET', url: '/v1/stats/activity' })).statusCode).toBe(403);
  });
});
