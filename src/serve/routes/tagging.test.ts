import { afterEach, describe, expect, it } from 'vitest';
import { createInsightApp, type InsightApp } from '../../../test/support/insight-shop.js';

interface Prediction {
  itemId: string | null;
  category: { label: string; path: string[]; confidence: number } | null;
  tags: Array<{ label: string; confidence: number }>;
}

describe('POST /v1/items/tag', () => {
  let t: InsightApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  const tag = (payload: object, as: 'read' | 'ingest' = 'read') => t!.call(as, { method: 'POST', url: '/v1/items/tag', payload });

  it('predicts category and tags with confidences for items in the body and stored items', async () => {
    t = await createInsightApp();
    const res = await tag({
      items: [{ title: 'vegan face cream deluxe' }, { id: 'draft-7', title: 'camping tent for two', brand: 'Peak' }],
      itemIds: ['fx', 'b2'],
    });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { items: Prediction[]; itemIds: Prediction[]; model: Record<string, number> };
    const [cream, tent] = body.items;
    expect(cream).toMatchObject({ itemId: null, category: { label: 'Beauty > Skin', path: ['Beauty', 'Skin'] } });
    expect(cream.category!.confidence).toBeGreaterThan(0.5);
    expect(cream.tags.map((g) => g.label)).toEqual(expect.arrayContaining(['vegan', 'skincare']));
    expect(tent).toMatchObject({ itemId: 'draft-7', category: { label: 'Outdoor > Camping' }, tags: [{ label: 'hiking' }] });
    // fx is an unlabelled stored item: its title and the items viewed around it say Fashion.
    expect(body.itemIds.map((p) => [p.itemId, p.category?.label])).toEqual([
      ['fx', 'Fashion > Shoes'],
      ['b2', 'Beauty > Skin'],
    ]);
    expect(body.model).toMatchObject({ labelledItems: 18, categories: 3, tags: 4 });
    expect(body.model.events).toBeGreaterThan(200);
  });

  it('does not predict for a stored item a tag a person rejected for it (attributes.rejectedTags)', async () => {
    t = await createInsightApp();
    const before = ((await tag({ itemIds: ['b2'] })).json().itemIds as Prediction[])[0].tags.map((g) => g.label);
    expect(before.length).toBeGreaterThan(0);
    const [dropped, ...kept] = before;
    const patched = await t.call('ingest', { method: 'PATCH', url: '/v1/items/b2', payload: { attributes: { rejectedTags: [dropped] } } });
    expect(patched.statusCode).toBe(200);
    const after = ((await tag({ itemIds: ['b2'] })).json().itemIds as Prediction[])[0].tags.map((g) => g.label);
    expect(after).toEqual(kept);
  });

  it('uses co-occurrence for a body item that names a stored id', async () => {
    t = await createInsightApp();
    const [ox] = (await tag({ items: [{ id: 'ox' }] })).json().items as Prediction[];
    expect(ox.category?.label).toBe('Outdoor > Camping');
  });

  it('reports unknown item ids and bad rows with their paths', async () => {
    t = await createInsightApp();
    const unknown = await tag({ itemIds: ['b0', 'nope', 'ghost'] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.problems).toEqual([
      { path: 'itemIds.1', message: 'no item with id "nope"' },
      { path: 'itemIds.2', message: 'no item with id "ghost"' },
    ]);
    const bad = await tag({ items: [{ title: 'ok' }, {}, { title: 3 }], colour: 'red' });
    expect(bad.json().error.problems.map((p: { path: string }) => p.path)).toEqual(
      expect.arrayContaining(['items.1', 'items.2.title', '(root)']),
    );
    expect((await tag({})).statusCode).toBe(400);
    expect((await tag({ itemIds: ['b0'] }, 'ingest')).statusCode).toBe(403);
  });

  it('caches the tagger until an admin refreshes it, and answers 409 without labelled items', async () => {
    t = await createInsightApp({ fill: false });
    await t.call('ingest', { method: 'PUT', url: '/v1/items', payload: { items: [{ id: 'plain', title: 'thing' }] } });
    const none = await tag({ itemIds: ['plain'] });
    expect(none.statusCode).toBe(409);
    const items = ['red apple', 'green apple', 'sweet apple', 'old book', 'new book', 'thick book'].map((title, k) => ({
      id: `i${k}`,
      title,
      categoryPath: [k < 3 ? 'Fruit' : 'Books'],
    }));
    await t.call('ingest', { method: 'PUT', url: '/v1/items', payload: { items } });
    const first = await tag({ items: [{ title: 'crisp apple' }] });
    expect(first.json().items[0].category.label).toBe('Fruit');
    expect(first.json().model.labelledItems).toBe(6);
    await t.call('ingest', {
      method: 'PUT',
      url: '/v1/items',
      payload: { items: [{ id: 'i9', title: 'paper book', categoryPath: ['Books'] }] },
    });
    expect((await tag({ itemIds: ['i9'] })).json().model.labelledItems).toBe(6);
    expect((await t.call('read', { method: 'POST', url: '/v1/items/tag/refresh' })).statusCode).toBe(403);
    const refreshed = await t.call('admin', { method: 'POST', url: '/v1/items/tag/refresh' });
    expect(refreshed.json().model).toMatchObject({ labelledItems: 7, categories: 2 });
    expect((await tag({ itemIds: ['i9'] })).json().model.labelledItems).toBe(7);
  });
});
