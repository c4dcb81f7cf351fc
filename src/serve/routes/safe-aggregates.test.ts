// Safe aggregates through the API: what Curio shows about groups (trending and popular lists, segments)
// leaves out groups of fewer than privacy.minGroupSize users and says how many, and with privacy.epsilon the
// published counts carry Laplace noise drawn once per release.
import { afterEach, describe, expect, it } from 'vitest';
import { createInsightApp, type InsightApp } from '../../../test/support/insight-shop.js';
import { createShopApp, itemId, T0, type ShopApp } from '../../../test/support/recommend-shop.js';

interface Listed {
  itemId: string;
  score: number;
  reason: string;
}

describe('/v1/trending under k-anonymity and differential privacy', () => {
  let t: ShopApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  const trending = async (query = '?n=10') => (await t!.call('read', { method: 'GET', url: `/v1/trending${query}` })).json();
  let n = 0;
  const buy = (userId: string, item: string) => ({ id: `k${n++}`, userId, itemId: item, type: 'purchase', timestamp: T0 + 5_000_000 + n });
  const post = (events: unknown[]) => t!.call('ingest', { method: 'POST', url: '/v1/events', payload: { events } });

  it('lists no item of fewer than k users, counts those left out, and lists an item the moment its k-th user acts', async () => {
    // The shop: every item was acted on by 4 shoppers at most.
    t = await createShopApp({ 'privacy.minGroupSize': 5 });
    const before = await trending();
    expect(before.items).toEqual([]);
    expect(before.published).toMatchObject({ minGroupSize: 5, noise: null, suppressed: { trending: 40, popular: 40 } });
    expect(before.published.releasedAt).toEqual(expect.any(String));
    const status = (await t.call('admin', { method: 'GET', url: '/v1/recommendations/status' })).json();
    expect(status.published).toEqual(before.published);

    const books9 = itemId(2, 9);
    await post([0, 1, 2, 3].map((k) => buy(`fan-${k}`, books9)));
    expect((await trending()).items.map((i: Listed) => i.itemId)).not.toContain(books9);
    await post([buy('fan-4', books9)]);
    expect((await trending()).items[0]).toMatchObject({ itemId: books9, reason: 'trending in Books' });
  });

  it('k of 0 lists every item, as before', async () => {
    t = await createShopApp({ 'privacy.minGroupSize': 0 });
    const list = await trending();
    expect(list.items).toHaveLength(10);
    expect(list.published).toEqual({ minGroupSize: 0, releasedAt: null, suppressed: { trending: 0, popular: 0 }, noise: null });
  });

  it('under ε ranks by noised audiences released once: every read shows the same list, with the noise stated', async () => {
    t = await createShopApp({ 'privacy.minGroupSize': 0, 'privacy.epsilon': 1, 'privacy.maxItemsPerUser': 4 });
    const first = await trending('?n=20');
    expect(first.published.noise).toEqual({ epsilon: 0.5, sensitivity: 4, scale: 8 });
    expect(first.items.length).toBeGreaterThan(0);
    expect(first.items[0].score).toBe(1);
    const again = await trending('?n=20');
    expect(again.items.map((i: Listed) => [i.itemId, i.score])).toEqual(first.items.map((i: Listed) => [i.itemId, i.score]));
    // Live events do not move a noised ranking: only the next release may.
    await post([0, 1, 2, 3, 4, 5].map((k) => buy(`late-${k}`, itemId(3, 0))));
    expect((await trending('?n=20')).items.map((i: Listed) => i.itemId)).toEqual(first.items.map((i: Listed) => i.itemId));
  });
});

describe('/v1/segments under k-anonymity and differential privacy', () => {
  let t: InsightApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  const read = (url: string) => t!.call('read', { method: 'GET', url });

  it('suppresses segments of fewer than k users in the listing, the CSV and a user’s own segment, and counts them', async () => {
    // Three planted segments of 12 shoppers each.
    t = await createInsightApp({ env: { CURIO_MIN_GROUP_SIZE: '12' } });
    expect((await read('/v1/segments')).json()).toMatchObject({ users: 36, suppressedSegments: 0, sizeNoise: null });
    await t.close();

    t = await createInsightApp({ env: { CURIO_MIN_GROUP_SIZE: '13' } });
    const list = (await read('/v1/segments')).json();
    expect(list).toMatchObject({ users: 0, suppressedSegments: 3, segments: [] });
    const csv = await read('/v1/segments?format=csv');
    expect(csv.headers['x-curio-suppressed-segments']).toBe('3');
    expect(csv.body.trim().split('\n')).toHaveLength(1); // the header row alone
    expect((await read('/v1/users/s0/segment')).json()).toMatchObject({ personalization: true, segment: null, suppressed: true });
  });

  it('noises sizes and shares under ε once per segmentation, and states the noise', async () => {
    t = await createInsightApp({ env: { CURIO_MIN_GROUP_SIZE: '0', CURIO_PRIVACY_EPSILON: '0.05' } });
    const list = (await read('/v1/segments')).json();
    expect(list.sizeNoise).toEqual({ epsilon: 0.05, sensitivity: 1, scale: 20 });
    const sizes = list.segments.map((s: { size: number }) => s.size);
    // Scale 20: all three noised sizes rounding back to exactly 12 has odds near 1.5e-5.
    expect(sizes.some((size: number) => size !== 12)).toBe(true);
    expect(list.users).toBe(sizes.reduce((a: number, b: number) => a + b, 0));
    expect(list.segments[0].description).toMatch(new RegExp(`^${sizes[0]} users? `));
    // Read again: the same release, not a fresh draw that could be averaged away.
    expect((await read('/v1/segments')).json().segments.map((s: { size: number }) => s.size)).toEqual(sizes);
  });
});

describe('/v1/users/:id/intent under k-anonymity', () => {
  let t: InsightApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('shows the base rates of the intent model only when it was fitted on at least k users', async () => {
    t = await createInsightApp({ env: { CURIO_MIN_GROUP_SIZE: '36' } });
    const shown = (await t.call('read', { method: 'GET', url: '/v1/users/s0/intent' })).json().model.trainedOn;
    expect(shown).toMatchObject({ users: 36, suppressed: false, inSessionRate: expect.any(Number) });
    await t.close();
    t = await createInsightApp({ env: { CURIO_MIN_GROUP_SIZE: '37' } });
    const hidden = (await t.call('read', { method: 'GET', url: '/v1/users/s0/intent' })).json().model.trainedOn;
    expect(hidden).toEqual({ examples: shown.examples, users: 36, inSessionRate: null, nextEventsRate: null, suppressed: true });
  });
});
