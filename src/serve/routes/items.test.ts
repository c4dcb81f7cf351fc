import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

describe('/v1/items', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('upserts a batch, storing valid rows and reporting invalid ones by index and path', async () => {
    const res = await t.call('ingest', {
      method: 'PUT',
      url: '/v1/items',
      payload: {
        items: [
          { id: 'sku-1', title: 'Linen shirt', categoryPath: ['Men', 'Shirts'], price: 49.5 },
          { id: 'sku-2', price: -3, tags: 'summer' },
          { id: 'sku-3', title: 'Straw hat' },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.accepted).toBe(2);
    expect(body.rejected).toHaveLength(1);
    expect(body.rejected[0].index).toBe(1);
    expect(body.rejected[0].errors.map((e: { path: string }) => e.path).sort()).toEqual(['price', 'tags']);
  });

  it('reads an item and answers 404 for an unknown one', async () => {
    const res = await t.call('read', { method: 'GET', url: '/v1/items/sku-1' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: 'sku-1', title: 'Linen shirt', categoryPath: ['Men', 'Shirts'], price: 49.5, available: true });
    const missing = await t.call('read', { method: 'GET', url: '/v1/items/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('NOT_FOUND');
  });

  it('patches some fields, rejects bad patches with paths, and 404s unknown items', async () => {
    const ok = await t.call('ingest', { method: 'PATCH', url: '/v1/items/sku-1', payload: { price: 39, available: false } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ id: 'sku-1', title: 'Linen shirt', price: 39, available: false });
    const bad = await t.call('ingest', { method: 'PATCH', url: '/v1/items/sku-1', payload: { price: 'cheap', colour: 'red' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.problems.map((p: { path: string }) => p.path)).toEqual(expect.arrayContaining(['price', '(root)']));
    const empty = await t.call('ingest', { method: 'PATCH', url: '/v1/items/sku-1', payload: {} });
    expect(empty.statusCode).toBe(400);
    const missing = await t.call('ingest', { method: 'PATCH', url: '/v1/items/nope', payload: { price: 1 } });
    expect(missing.statusCode).toBe(404);
  });

  it('deletes an item once, then 404s', async () => {
    const del = await t.call('admin', { method: 'DELETE', url: '/v1/items/sku-3' });
    expect(del.statusCode).toBe(200);
    expect(del.json()).toEqual({ id: 'sku-3', deleted: true });
    expect(await t.store.getItem('sku-3')).toBeNull();
    expect((await t.call('admin', { method: 'DELETE', url: '/v1/items/sku-3' })).statusCode).toBe(404);
  });

  it('rejects an over-long id in the path with its path', async () => {
    const res = await t.call('read', { method: 'GET', url: `/v1/items/${'x'.repeat(257)}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.problems[0].path).toBe('params.id');
  });
});
