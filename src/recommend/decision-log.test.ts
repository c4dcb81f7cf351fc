import { describe, expect, it } from 'vitest';
import type { Decision, Store } from '../store/index.js';
import { keptCandidates } from './decision-log.js';
import { createShopApp, type ShopApp } from '../../test/support/recommend-shop.js';

interface Rec {
  recommendationId: string;
  policy: string;
  items: Array<{ itemId: string; position: number }>;
}

const slate = async (t: ShopApp, user: string, query = '?n=4&explore=1'): Promise<Rec> => {
  const res = await t.call('read', { method: 'GET', url: `/v1/users/${user}/recommendations${query}` });
  expect(res.statusCode).toBe(200);
  return res.json() as Rec;
};

async function decisions(store: Store): Promise<Decision[]> {
  const out: Decision[] = [];
  for await (const d of store.scanDecisions()) out.push(d);
  return out;
}

// The decision log beside per-slot impression events: the 'events' format (slate-log.test.ts covers 'slate').
describe('decision log', () => {
  it("writes each logged slate's candidate set with its impressions and erases it with the user", async () => {
    const t = await createShopApp({ 'serving.impressionLog': 'events', 'serving.candidateCount': 12 });
    try {
      const rec = await slate(t, 's1');
      expect(rec).not.toHaveProperty('candidates'); // logged, never returned
      await slate(t, 's2');
      const [d1, d2] = await decisions(t.store);
      expect(d1).toMatchObject({ recommendationId: rec.recommendationId, userId: 's1', policy: rec.policy, exploreWeight: 1 });
      expect(d1.candidates.length).toBeGreaterThan(rec.items.length);
      expect(d1.candidates.length).toBeLessThanOrEqual(12);
      const ids = d1.candidates.map((c) => c.itemId);
      for (const item of rec.items) expect(ids).toContain(item.itemId);
      // In the order the policy got them: scores strictly decreasing, each with its category.
      expect(d1.candidates.every((c, i) => i === 0 || c.score < d1.candidates[i - 1].score)).toBe(true);
      expect(d1.candidates.every((c) => c.cluster?.includes(' > '))).toBe(true);
      const impressions = await t.store.userEvents('s1', { types: ['impression'] });
      expect(impressions.map((e) => e.timestamp)).toEqual(rec.items.map(() => d1.timestamp));
      expect(d2.userId).toBe('s2');

      expect((await t.call('admin', { method: 'DELETE', url: '/v1/users/s1' })).statusCode).toBe(200);
      expect((await decisions(t.store)).map((d) => d.userId)).toEqual(['s2']);
    } finally {
      await t.close();
    }
  });

  it('buffers decisions with the impressions and writes both at the same flush', async () => {
    const t = await createShopApp({ 'serving.impressionLog': 'events', 'serving.impressionFlushMs': 10_000 });
    await slate(t, 's3');
    expect(await decisions(t.store)).toEqual([]);
    expect(await t.store.userEvents('s3', { types: ['impression'] })).toEqual([]);
    await t.app.close(); // stops the runtime, which flushes
    expect(await decisions(t.store)).toHaveLength(1);
    expect(await t.store.userEvents('s3', { types: ['impression'] })).toHaveLength(4);
    await t.store.close();
  });

  it('writes no buffered decision of a user who withdrew tracking before the flush, through a writer this server never heard from', async () => {
    const t = await createShopApp({ 'serving.impressionLog': 'events', 'serving.impressionFlushMs': 10_000 });
    await slate(t, 's3');
    await slate(t, 's4');
    // Straight into the store: no change reaches this server's feed (another node's write, before the bus brings it).
    await t.store.upsertUser({ id: 's3', consent: { tracking: false } });
    await t.app.close(); // flushes
    expect((await decisions(t.store)).map((d) => d.userId)).toEqual(['s4']);
    expect(await t.store.userEvents('s3', { types: ['impression'] })).toEqual([]);
    await t.store.close();
  });

  it("drops a user's buffered impressions and decision when the user is erased before the flush", async () => {
    const t = await createShopApp({ 'serving.impressionLog': 'events', 'serving.impressionFlushMs': 10_000 });
    await slate(t, 's6');
    await slate(t, 's7');
    const erased = await t.call('admin', { method: 'DELETE', url: '/v1/users/s6' });
    expect(erased.statusCode).toBe(200);
    await t.app.close(); // flushes what is left
    expect(await t.store.userEvents('s6')).toEqual([]);
    expect((await decisions(t.store)).map((d) => d.userId)).toEqual(['s7']);
    expect(await t.store.userEvents('s7', { types: ['impression'] })).toHaveLength(4);
    await t.store.close();
  });

  it('flushes more impressions than one write chunk, all of them, under time-ordered recommendation ids', async () => {
    const t = await createShopApp({
      'serving.impressionLog': 'events',
      'serving.impressionFlushMs': 10_000,
      'serving.noRepeatImpressions': 0,
    });
    const served: Rec[] = [];
    for (let k = 0; k < 30; k++) served.push(await slate(t, `s${k}`, '?n=5'));
    const shown = served.reduce((n, r) => n + r.items.length, 0);
    expect(shown).toBeGreaterThan(100); // more than IMPRESSION_CHUNK
    await t.app.close();
    let stored = 0;
    for (let k = 0; k < 30; k++) stored += (await t.store.userEvents(`s${k}`, { types: ['impression'] })).length;
    expect(stored).toBe(shown);
    expect(await decisions(t.store)).toHaveLength(30);
    // UUIDv7: ids sort in serving order, so their index entries append instead of landing on random pages.
    const ids = served.map((r) => r.recommendationId);
    expect(ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-7/.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    await t.store.close();
  });

  it('logs nothing for users who refused tracking, nor with decisionCandidates 0', async () => {
    const t = await createShopApp({ 'serving.impressionLog': 'events' });
    const off = await createShopApp({ 'serving.impressionLog': 'events', 'serving.decisionCandidates': 0 });
    try {
      await t.call('ingest', { method: 'PUT', url: '/v1/users/s4', payload: { consent: { tracking: false } } });
      await slate(t, 's4');
      expect(await decisions(t.store)).toEqual([]);
      await slate(off, 's5');
      expect(await decisions(off.store)).toEqual([]);
      expect(await off.store.userEvents('s5', { types: ['impression'] })).toHaveLength(4);
    } finally {
      await t.close();
      await off.close();
    }
  });

  it("logs an identified visitor's session slate under their stored id", async () => {
    const t = await createShopApp({ 'serving.impressionLog': 'events' });
    try {
      const payload = { events: [{ itemId: 'coffee-2' }], n: 3, visitorId: 'visitor-9' };
      await t.call('read', { method: 'POST', url: '/v1/recommendations', payload });
      await t.call('read', { method: 'POST', url: '/v1/recommendations', payload: { ...payload, visitorId: undefined } });
      expect((await decisions(t.store)).map((d) => d.userId)).toEqual(['visitor-9']);
    } finally {
      await t.close();
    }
  });
});

describe('keptCandidates', () => {
  it('keeps the best `max` candidates plus every shown one beyond them, without embeddings', () => {
    const candidates = ['a', 'b', 'c', 'd', 'e'].map((itemId, i) => ({
      itemId,
      score: 5 - i,
      embedding: new Float32Array(2),
      ...(i % 2 ? { cluster: 'x' } : {}),
    }));
    expect(keptCandidates(candidates, ['d', 'a'], 2)).toEqual([
      { itemId: 'a', score: 5 },
      { itemId: 'b', score: 4, cluster: 'x' },
      { itemId: 'd', score: 2, cluster: 'x' },
    ]);
    expect(keptCandidates(candidates, [], 10)).toHaveLength(5);
  });
});
