import { afterEach, describe, expect, it } from 'vitest';
import { createShopApp, type ShopApp } from '../../../test/support/recommend-shop.js';

interface Belief {
  appeal: number;
  uncertainty: number;
  appealSd: number;
}
interface Uncertainty {
  policy: string;
  available: boolean;
  interests: Array<Belief & { category: string; stage: string; candidates: number }>;
  items: Array<Belief & { itemId: string; category: string | null }>;
}

describe('GET /v1/users/:id/interests/uncertainty', () => {
  let t: ShopApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  const get = (user: string) => t!.call('read', { method: 'GET', url: `/v1/users/${user}/interests/uncertainty` });

  it("gives the neural policy's belief per candidate and per interest, with the interest's stage", async () => {
    t = await createShopApp();
    const res = await get('s0'); // s0: Tea views, then bought tea-3
    expect(res.statusCode).toBe(200);
    const body = res.json<Uncertainty>();
    expect(body).toMatchObject({ userId: 's0', personalization: true, policy: 'neural-thompson', available: true });
    expect(body.items.length).toBeGreaterThan(5);
    for (const b of body.items) {
      expect(b.appeal).toBeGreaterThan(0);
      expect(b.appeal).toBeLessThan(1);
      expect(b.uncertainty).toBeGreaterThan(0);
      // No pair shown twice yet: the appeal's sd is the item term's, carried to the probability scale (below 1·φ).
      expect(b.appealSd).toBeGreaterThan(0);
      expect(b.appealSd).toBeLessThan(b.uncertainty * 0.4);
    }
    const tea = body.interests.find((i) => i.category === 'Groceries > Tea');
    expect(tea?.stage).toBe('established');
    // The exploration pool brings categories the shopper has never shown.
    expect(body.interests.some((i) => i.stage === 'unknown')).toBe(true);
    // Per interest: its candidates' count and the root mean square of their sds; most uncertain first.
    for (const i of body.interests) {
      const mine = body.items.filter((b) => b.category === i.category);
      expect(i.candidates).toBe(mine.length);
      expect(i.uncertainty).toBeCloseTo(Math.sqrt(mine.reduce((s, b) => s + b.uncertainty ** 2, 0) / mine.length), 9);
      expect(i.appealSd).toBeCloseTo(Math.sqrt(mine.reduce((s, b) => s + b.appealSd ** 2, 0) / mine.length), 9);
    }
    const order = body.interests.map((i) => i.uncertainty);
    expect(order).toEqual([...order].sort((a, b) => b - a));
  });

  it('narrows for an item once the shopper was shown it and clicked it', async () => {
    // Without the no-repeat rule the shown items stay candidates, so their belief can be read again.
    t = await createShopApp({ 'serving.noRepeatImpressions': 0 });
    const before = (await get('s0')).json<Uncertainty>();
    const slate = (await t.call('read', { method: 'GET', url: '/v1/users/s0/recommendations?n=5' })).json<{
      recommendationId: string;
      items: Array<{ itemId: string }>;
    }>();
    const clicked = slate.items[0].itemId;
    const event = {
      id: 'c1',
      userId: 's0',
      itemId: clicked,
      type: 'click',
      timestamp: Date.now(),
      context: { recommendationId: slate.recommendationId },
    };
    expect((await t.call('ingest', { method: 'POST', url: '/v1/events', payload: { events: [event] } })).json().accepted).toBe(1);
    const after = (await get('s0')).json<Uncertainty>();
    const was = before.items.find((b) => b.itemId === clicked);
    const now = after.items.find((b) => b.itemId === clicked);
    expect(was && now).toBeTruthy();
    expect(now!.uncertainty).toBeLessThan(was!.uncertainty);
  });

  it('says when the policy keeps no belief, respects refusals and answers 404 for unknown users', async () => {
    t = await createShopApp({ 'serving.policy': 'epsilon-greedy' });
    expect((await get('s0')).json()).toEqual({
      userId: 's0',
      personalization: true,
      policy: 'epsilon-greedy',
      available: false,
      interests: [],
      items: [],
    });
    await t.call('ingest', { method: 'PUT', url: '/v1/users/s1', payload: { consent: { personalization: false } } });
    expect((await get('s1')).json()).toEqual({ userId: 's1', personalization: false });
    expect((await get('nobody')).statusCode).toBe(404);
  });
});
