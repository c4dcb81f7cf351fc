import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopApp, itemId, T0, type ShopApp } from '../../../test/support/recommend-shop.js';

interface Slot {
  itemId: string;
  position: number;
  reason: string;
  explored: boolean;
  propensity: number;
  category: string | null;
}

const slate = async (t: ShopApp, user: string, query = '') => {
  const res = await t.call('read', { method: 'GET', url: `/v1/users/${user}/recommendations${query}` });
  expect(res.statusCode).toBe(200);
  return res.json() as { recommendationId: string; mode: string; personalized: boolean; policy: string; items: Slot[] };
};
const ids = (items: Slot[]) => items.map((i) => i.itemId);
let n = 0;
const event = (userId: string, item: string, type: string, context?: Record<string, unknown>) => ({
  id: `t${n++}`,
  userId,
  itemId: item,
  type,
  timestamp: T0 + 1_000_000 + n,
  ...(context ? { context } : {}),
});
const post = (t: ShopApp, events: unknown[]) => t.call('ingest', { method: 'POST', url: '/v1/events', payload: { events } });

describe('GET /v1/users/:id/recommendations', () => {
  let t: ShopApp;
  beforeAll(async () => {
    // The pipeline's behaviour under a policy that does not learn: slates here depend on the model and the
    // request alone, not on what earlier tests in this file showed (the default, neural-thompson, learns).
    t = await createShopApp({ 'serving.policy': 'epsilon-greedy' });
  });
  afterAll(() => t.close());

  it('personalises from the history, with reasons, and says so', async () => {
    const body = await slate(t, 's0', '?n=5&explore=0'); // s0: Tea views, then bought tea-3
    expect(body).toMatchObject({ mode: 'personalized', personalized: true, policy: 'epsilon-greedy' });
    expect(body.items).toHaveLength(5);
    expect(body.items[0].category).toBe('Groceries > Tea');
    expect(body.items[0].reason).toMatch(/^because you (viewed|bought|added) Tea \d/);
    expect(body.items.some((i) => i.reason.startsWith('exploring a new interest: '))).toBe(true);
  });

  it('serves non-personalised slates when consent.personalization=false, and cold start to unknown users', async () => {
    expect(
      (await t.call('ingest', { method: 'PUT', url: '/v1/users/s1', payload: { consent: { personalization: false } } })).statusCode,
    ).toBe(200);
    const off = await slate(t, 's1', '?n=4');
    expect(off).toMatchObject({ mode: 'non-personalized', personalized: false });
    expect(off.items.every((i) => /^(popular|new) in /.test(i.reason))).toBe(true);
    const unknown = await slate(t, 'never-seen', '?n=4');
    expect(unknown).toMatchObject({ mode: 'cold-start', personalized: false });
    expect(unknown.items).toHaveLength(4);
  });

  it('never shows bought, disliked, out-of-stock or excluded items', async () => {
    // s4 walks Tea 1 → 2 → 3 (cart) → 4 (bought); tea-5 would come next.
    const before = ids((await slate(t, 's4', '?n=10&explore=0')).items);
    expect(before).not.toContain('tea-4');
    expect(before).toContain('tea-5');
    expect((await post(t, [event('s4', 'tea-5', 'dislike')])).json().accepted).toBe(1);
    const patched = await t.call('ingest', { method: 'PATCH', url: '/v1/items/tea-2', payload: { available: false } });
    expect(patched.statusCode).toBe(200);
    const after = ids((await slate(t, 's4', '?n=10&explore=0&exclude=tea-1')).items);
    for (const gone of ['tea-4', 'tea-5', 'tea-2', 'tea-1']) expect(after).not.toContain(gone);
    await t.call('ingest', { method: 'PATCH', url: '/v1/items/tea-2', payload: { available: true } });
  });

  it('does not repeat items from the last impressions, and filters by category', async () => {
    const first = ids((await slate(t, 's8', '?n=3&explore=0')).items);
    const second = ids((await slate(t, 's8', '?n=3&explore=0')).items);
    expect(second.filter((id) => first.includes(id))).toEqual([]);
    const books = await slate(t, 's8', '?n=4&category=Books');
    expect(books.items.length).toBeGreaterThan(0);
    expect(books.items.every((i) => i.category === 'Media > Books')).toBe(true);
  });

  it('explore=0 is the greedy slate (propensity 1); explore=1 explores with propensities in (0, 1]', async () => {
    const greedy = await slate(t, 'fresh-1', '?n=6&explore=0');
    expect(greedy.items.every((i) => i.propensity === 1 && !i.explored)).toBe(true);
    let explored = 0;
    for (let k = 0; k < 6; k++) {
      const body = await slate(t, `fresh-explore-${k}`, '?n=6&explore=1');
      for (const i of body.items) {
        expect(i.propensity).toBeGreaterThan(0);
        expect(i.propensity).toBeLessThanOrEqual(1);
        if (i.explored) explored++;
      }
    }
    expect(explored).toBeGreaterThan(0);
  });

  it('logs one record per slate with its items in order, policy and propensities, and no impression events', async () => {
    const body = await slate(t, 's12', '?n=4&explore=1');
    const logged: Array<{ userId: string; policy: string; shown?: Array<{ itemId: string; propensity: number }> }> = [];
    for await (const d of t.store.scanDecisions()) if (d.recommendationId === body.recommendationId) logged.push(d);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ userId: 's12', policy: 'epsilon-greedy' });
    expect(logged[0].shown).toEqual(body.items.map((i) => ({ itemId: i.itemId, propensity: i.propensity })));
    // The user's event list holds what the shop sent, not the server's own slates (docs/api.md).
    const res = await t.call('read', { method: 'GET', url: '/v1/users/s12/events?types=impression' });
    expect(res.json().events).toEqual([]);
  });

  it('logs nothing for users who refused tracking', async () => {
    await t.call('ingest', { method: 'PUT', url: '/v1/users/private', payload: { consent: { tracking: false } } });
    await slate(t, 'private', '?n=3');
    const res = await t.call('read', { method: 'GET', url: '/v1/users/private/events' });
    expect(res.json().events).toEqual([]);
  });

  it('reflects a new event in the very next slate', async () => {
    const before = await slate(t, 's16', '?n=10&explore=0'); // a Tea shopper
    expect(before.items.filter((i) => i.category === 'Kids > Toys' && i.reason.startsWith('because'))).toEqual([]);
    await post(t, [event('s16', 'toys-6', 'view'), event('s16', 'toys-7', 'cart')]);
    const after = await slate(t, 's16', '?n=10&explore=0');
    expect(
      after.items.some((i) => i.category === 'Kids > Toys' && /^because you (viewed Toys 6|added Toys 7 to your cart)$/.test(i.reason)),
    ).toBe(true);
  });

  it('answers 400 with the paths of bad query parameters, and checks scopes', async () => {
    const bad = await t.call('read', { method: 'GET', url: '/v1/users/s0/recommendations?n=0&explore=2&color=red' });
    expect(bad.statusCode).toBe(400);
    const paths = bad.json().error.problems.map((p: { path: string }) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['query.n', 'query.explore', 'query']));
    expect((await t.call(null, { method: 'GET', url: '/v1/users/s0/recommendations' })).statusCode).toBe(401);
    expect((await t.call('ingest', { method: 'GET', url: '/v1/users/s0/recommendations' })).statusCode).toBe(403);
    expect((await t.call('read', { method: 'GET', url: '/v1/recommendations/status' })).statusCode).toBe(403);
  });
});

describe('feedback loop', () => {
  let t: ShopApp;
  beforeAll(async () => {
    t = await createShopApp({ 'serving.policy': 'thompson', 'serving.policyParams': { propensityDraws: 50 } });
  });
  afterAll(() => t.close());

  const policyState = async () => {
    const res = await t.call('admin', { method: 'GET', url: '/v1/recommendations/status' });
    return res.json() as {
      feedback: { impressions: number; rewards: number; ignored: number };
      policy: { state: { items: Record<string, [number, number]> } };
    };
  };

  it('updates the policy at once from impressions, clicks and purchases carrying the recommendationId', async () => {
    const body = await slate(t, 's20', '?n=4&explore=1');
    const shown = body.items[1];
    const before = await policyState();
    expect(before.feedback.impressions).toBe(4);
    expect(before.policy.state.items[shown.itemId]).toEqual([0, 1]); // one impression, no reward yet
    const context = { recommendationId: body.recommendationId, position: shown.position };
    expect((await post(t, [event('s20', shown.itemId, 'click', context)])).json().accepted).toBe(1);
    const after = await policyState();
    expect(after.policy.state.items[shown.itemId]).toEqual([1, 0]); // the failure became a success
    // A purchase on the same slot, a client-side impression and a retried click change nothing more.
    await post(t, [
      event('s20', shown.itemId, 'purchase', context),
      event('s20', shown.itemId, 'impression', { ...context, propensity: 0.5 }),
    ]);
    const final = await policyState();
    expect(final.policy.state.items[shown.itemId]).toEqual([1, 0]);
    expect(final.feedback).toMatchObject({ impressions: 4, rewards: 1, ignored: 2 });
  });
});

describe('anonymous sessions and item lists', () => {
  let t: ShopApp;
  beforeAll(async () => {
    t = await createShopApp();
  });
  afterAll(() => t.close());

  it('POST /v1/recommendations serves a session from the events in the body', async () => {
    const res = await t.call('read', {
      method: 'POST',
      url: '/v1/recommendations',
      payload: { events: [{ itemId: 'coffee-2' }, { itemId: 'coffee-3', type: 'cart' }], n: 4, explore: 0, visitorId: 'visitor-9' },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ mode: 'session', personalized: true, userId: 'visitor-9' });
    expect(body.items[0].category).toBe('Groceries > Coffee');
    expect((await t.store.userSlates('visitor-9')).map((s) => s.itemIds.length)).toEqual([4]);
    const bad = await t.call('read', { method: 'POST', url: '/v1/recommendations', payload: { events: [{ type: 'view' }], n: 'many' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.problems.map((p: { path: string }) => p.path)).toEqual(expect.arrayContaining(['events.0.itemId', 'n']));
  });

  it('similar and bought-together follow co-visitation; unknown items are 404', async () => {
    const similar = await t.call('read', { method: 'GET', url: '/v1/items/tea-5/similar?n=3' });
    expect(similar.statusCode).toBe(200);
    expect(similar.json().items.map((i: Slot) => i.itemId)).toEqual(expect.arrayContaining(['tea-4', 'tea-6']));
    expect(similar.json().items[0]).toMatchObject({ propensity: 1, explored: false, reason: 'often viewed with Tea 5' });
    const together = await t.call('read', { method: 'GET', url: '/v1/items/toys-3/bought-together?n=2' });
    expect(together.statusCode).toBe(200);
    expect(together.json().items[0].reason).toBe('often bought with Toys 3');
    expect((await t.call('read', { method: 'GET', url: '/v1/items/nope/similar' })).statusCode).toBe(404);
  });

  it('trending follows new events at once and filters by category', async () => {
    // Five buyers: an item trends only once privacy.minGroupSize (default 5) distinct users acted on it.
    await post(
      t,
      Array.from({ length: 6 }, (_, k) => event(`buyer-${k % 5}`, itemId(2, 9), 'purchase')),
    );
    const res = await t.call('read', { method: 'GET', url: '/v1/trending?n=3' });
    expect(res.statusCode).toBe(200);
    expect(res.json().items[0]).toMatchObject({ itemId: 'books-9', reason: 'trending in Books' });
    const toys = await t.call('read', { method: 'GET', url: '/v1/trending?n=3&category=Toys' });
    expect(toys.json().items.every((i: Slot) => i.category === 'Kids > Toys')).toBe(true);
  });
});
