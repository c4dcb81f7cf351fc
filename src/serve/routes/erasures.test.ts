import { afterEach, describe, expect, it } from 'vitest';
import { createPseudonymiser, erasureSubject, ERASURE_TARGETS, type ErasureReceipt } from '../../privacy/index.js';
import { createShopApp, type ShopApp } from '../../../test/support/recommend-shop.js';

const SECRET = 'erasure-test-secret-0123456789';

describe('erasure receipts', () => {
  let t: ShopApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('answers an erasure id whose receipt reports every target, without the raw id or its pseudonym', async () => {
    t = await createShopApp({ 'privacy.idSecret': SECRET });
    const raw = 'zq-receipt shopper';
    const path = `/v1/users/${encodeURIComponent(raw)}`;
    await t.call('ingest', { method: 'PUT', url: path, payload: { attributes: { tier: 'gold' } } });
    const events = [0, 1, 2].map((k) => ({ id: `r${k}`, userId: raw, itemId: `tea-${k}`, type: 'view', timestamp: 1_700_000_000_000 + k }));
    await t.call('ingest', { method: 'POST', url: '/v1/events', payload: { events } });
    expect((await t.call('read', { method: 'GET', url: `${path}/recommendations?n=3` })).statusCode).toBe(200);

    const res = await t.call('admin', { method: 'DELETE', url: path });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ erasureId: string; erased: Record<string, unknown> }>();
    expect(body).toMatchObject({ id: raw, erased: { user: true, events: 3, impressions: 0 } });
    expect(body.erasureId).toMatch(/^er-/);

    const url = `/v1/admin/erasures/${body.erasureId}`;
    expect((await t.call('read', { method: 'GET', url })).statusCode).toBe(403);
    // The model this process fits from the store is refitted without them: pending until that lands.
    let receipt: ErasureReceipt;
    for (let k = 0; ; k++) {
      receipt = (await t.call('admin', { method: 'GET', url })).json<ErasureReceipt>();
      if (receipt.state === 'done' || k > 100) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const stored = createPseudonymiser(SECRET)(raw);
    expect(receipt).toMatchObject({ id: body.erasureId, subject: erasureSubject(stored), state: 'done', overdue: false });
    expect(Object.keys(receipt.targets)).toEqual([...ERASURE_TARGETS]);
    expect(receipt.targets).toMatchObject({
      events: { state: 'done', removed: 3 },
      user: { state: 'done', removed: 1 },
      decisions: { state: 'done', removed: 1 },
      storage: { state: 'done' },
      eventBus: { state: 'done', removed: 0 },
      redis: { state: 'done', removed: 0 },
      servingModel: { state: 'done' },
      models: { state: 'done' },
    });
    const text = JSON.stringify(receipt);
    for (const needle of [raw, encodeURIComponent(raw), stored]) expect(text).not.toContain(needle);

    expect((await t.call('admin', { method: 'GET', url: '/v1/admin/erasures/er-00000000-0000-7000-8000-000000000000' })).statusCode).toBe(
      404,
    );
    expect((await t.call('admin', { method: 'GET', url: '/v1/admin/erasures/..%2Fpolicy' })).statusCode).toBe(404);
    expect((await t.call('admin', { method: 'DELETE', url: path })).statusCode).toBe(404);
  });
});
