// Served slates logged as one record each (serving.impressionLog 'slate'): what reads them back.
import { describe, expect, it } from 'vitest';
import type { Decision, Store } from '../store/index.js';
import { createShopApp, type ShopApp } from '../../test/support/recommend-shop.js';

const slateIds = async (t: ShopApp, user: string, query = '?n=5&explore=0'): Promise<{ recommendationId: string; ids: string[] }> => {
  const res = await t.call('read', { method: 'GET', url: `/v1/users/${user}/recommendations${query}` });
  expect(res.statusCode).toBe(200);
  const body = res.json() as { recommendationId: string; items: Array<{ itemId: string }> };
  return { recommendationId: body.recommendationId, ids: body.items.map((i) => i.itemId) };
};

async function decisions(store: Store): Promise<Decision[]> {
  const out: Decision[] = [];
  for await (const d of store.scanDecisions()) out.push(d);
  return out;
}

describe('slate records', () => {
  it('keep the no-repeat rule for a user read again from the store, with no impression events written', async () => {
    const t = await createShopApp({ 'serving.userCacheSeconds': 0 });
    try {
      const first = await slateIds(t, 's1');
      const second = await slateIds(t, 's1');
      expect(second.ids.filter((id) => first.ids.includes(id))).toEqual([]);
      expect(await t.store.userEvents('s1', { types: ['impression'] })).toEqual([]);
      expect((await t.store.userSlates('s1')).map((s) => s.recommendationId)).toEqual([first.recommendationId, second.recommendationId]);
    } finally {
      await t.close();
    }
  });

  it('are erased with the user, and a buffered one is never written after the erasure', async () => {
    const t = await createShopApp({ 'serving.impressionFlushMs': 10_000 });
    await slateIds(t, 's2');
    await slateIds(t, 's3');
    expect((await t.call('admin', { method: 'DELETE', url: '/v1/users/s2' })).statusCode).toBe(200);
    await t.app.close(); // flushes
    expect(await t.store.userSlates('s2')).toEqual([]);
    expect(await t.store.userSlates('s3')).toHaveLength(1);
    await t.call('admin', { method: 'DELETE', url: '/v1/users/s3' }).catch(() => undefined);
    await t.store.eraseUser('s3');
    expect(await t.store.userSlates('s3')).toEqual([]);
    await t.store.close();
  });

  it('are not written for users who refused tracking, even when they refused after the slate was served', async () => {
    const t = await createShopApp({ 'serving.impressionFlushMs': 10_000 });
    await t.call('ingest', { method: 'PUT', url: '/v1/users/private', payload: { consent: { tracking: false } } });
    await slateIds(t, 'private');
    await slateIds(t, 's4');
    await t.call('ingest', { method: 'PUT', url: '/v1/users/s4', payload: { consent: { tracking: false } } });
    await t.app.close();
    expect(await decisions(t.store)).toEqual([]);
    await t.store.close();
  });

  it('are written with decisionCandidates 0, with only the shown items as candidates', async () => {
    const t = await createShopApp({ 'serving.decisionCandidates': 0 });
    try {
      const served = await slateIds(t, 's5');
      const [d] = await decisions(t.store);
      expect(d.recommendationId).toBe(served.recommendationId);
      expect(d.candidates.map((c) => c.itemId).sort()).toEqual([...served.ids].sort());
      expect(d.shown?.map((s) => s.itemId)).toEqual(served.ids);
    } finally {
      await t.close();
    }
  });
});
