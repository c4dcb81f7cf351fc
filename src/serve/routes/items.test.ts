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

describe('GET /v1/items and GET /v1/users', () => {
  it('page the catalogue and the user records by cursor until next is null', async () => {
    const t = await createTestApp();
    try {
      await t.call('ingest', { method: 'PUT', url: '/v1/items', payload: { items: ['c', 'a', 'e', 'b', 'd'].map((id) => ({ id })) } });
      const seen: string[] = [];
      let after: string | null = null;
      do {
        const res = await t.call('read', { method: 'GET', url: `/v1/items?limit=2${after ? `&after=${after}` : ''}` });
        const page = res.json() as { items: Array<{ id: string }>; next: string | null };
        seen.push(...page.items.map((i) => i.id));
        after = page.next;
      } while (after !== null);
      expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
      for (const id of ['u2', 'u1']) await t.call('ingest', { method: 'PUT', url: `/v1/users/${id}`, payload: { attributes: { n: id } } });
      const users = (await t.call('admin', { method: 'GET', url: '/v1/users?limit=5' })).json() as {
        users: Array<{ id: string }>;
        next: string | null;
      };
      expect(users).toMatchObject({ users: [{ id: 'u1' }, { id: 'u2' }], next: null });
      expect((await t.call('read', { method: 'GET', url: '/v1/users' })).statusCode).toBe(403);
      expect((await t.call('read', { method: 'GET', url: '/v1/items?limit=0' })).statusCode).toBe(400);
    } finally {
      await t.close();
    }
  });

  it('searches the catalogue with q, paging the matches by cursor', async () => {
    const t = await createTestApp();
    try {
      const items = [
        { id: 'a1', title: 'Green tea', brand: 'Leafy' },
        { id: 'a2', title: 'Black tea', brand: 'Leafy' },
        { id: 'a3', title: 'Coffee', brand: 'Leafy' },
        { id: 'a4', title: 'Teapot', brand: 'Potter' },
      ];
      await t.call('ingest', { method: 'PUT', url: '/v1/items', payload: { items } });
      const search = async (query: string) => (await t.call('read', { method: 'GET', url: `/v1/items?${query}` })).json();
      const first = await search('q=leafy%20TEA&limit=1');
      expect(first).toMatchObject({ items: [{ id: 'a1' }], next: 'a1' });
      expect(await search(`q=leafy%20tea&limit=1&after=${first.next}`)).toMatchObject({ items: [{ id: 'a2' }], next: 'a2' });
      expect((await search('q=tea')).items.map((i: { id: string }) => i.id)).toEqual(['a1', 'a2', 'a4']);
      const empty = await t.call('read', { method: 'GET', url: '/v1/items?q=%20' });
      expect(empty.statusCode).toBe(400);
      expect(empty.json().error.problems[0].path).toBe('query.q');
    } finally {
      await t.close();
    }
  });

  it('refuses to list users whose ids are pseudonymised', async () => {
    const t = await createTestApp({ env: { CURIO_ID_SECRET: 'a-secret-of-16-chars-or-more' } });
    try {
      expect((await t.call('admin', { method: 'GET', url: '/v1/users' })).statusCode).toBe(409);
    } finally {
      await t.close();
    }
  });
});
