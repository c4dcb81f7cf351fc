// Hostile input at the edge: deeply nested attributes and ids no URL can name are refused row by row,
// and the rest of a batch is stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

/** `{"a":{"a":...1...}}` nested `depth` deep, as JSON text (JSON.stringify of it would overflow the stack). */
const nested = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const json = { 'content-type': 'application/json' };

describe('hostile input', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('refuses attributes nested thousands deep in a batch row, storing the rest of the batch', async () => {
    const body = `{"items":[{"id":"ok","title":"fine"},{"id":"deep","attributes":${nested(6000)}}]}`;
    const res = await t.call('ingest', { method: 'PUT', url: '/v1/items', headers: json, payload: body });
    expect(res.statusCode).toBe(200);
    const result = res.json() as { accepted: number; rejected: Array<{ index: number; errors: Array<{ path: string; message: string }> }> };
    expect(result.accepted).toBe(1);
    expect(result.rejected).toEqual([{ index: 1, errors: [{ path: 'attributes', message: expect.stringMatching(/nested deeper/) }] }]);
    expect(await t.store.getItem('ok')).not.toBeNull();
    expect(await t.store.getItem('deep')).toBeNull();
  });

  it('answers 400 with the attributes path for a deep item patch or user record', async () => {
    await t.call('ingest', { method: 'PUT', url: '/v1/items', payload: { items: [{ id: 'p' }] } });
    for (const [method, url] of [
      ['PATCH', '/v1/items/p'],
      ['PUT', '/v1/users/u1'],
    ] as const) {
      const res = await t.call('ingest', { method, url, headers: json, payload: `{"attributes":${nested(6000)}}` });
      expect(res.statusCode).toBe(400);
      expect((res.json() as { error: { problems: Array<{ path: string }> } }).error.problems.map((p) => p.path)).toEqual(['attributes']);
    }
    const shallow = await t.call('ingest', { method: 'PUT', url: '/v1/users/u1', payload: { attributes: { a: { b: { c: 1 } } } } });
    expect(shallow.statusCode).toBe(200);
  });

  it('refuses ids with a lone surrogate or a control character, so every stored user can be erased', async () => {
    const event = (n: number, userId: string) => ({ id: `e${n}`, userId, itemId: 'i1', type: 'view', timestamp: 1_700_000_000_000 });
    const res = await t.call('ingest', {
      method: 'POST',
      url: '/v1/events',
      payload: { events: [event(1, 'ok'), event(2, 'bad\uD800'), event(3, 'nul\u0000'), event(4, 'emoji😀')] },
    });
    const result = res.json() as { accepted: number; rejected: Array<{ index: number; errors: Array<{ path: string }> }> };
    expect(result.accepted).toBe(2);
    expect(result.rejected.map((r) => [r.index, r.errors[0].path])).toEqual([
      [1, 'userId'],
      [2, 'userId'],
    ]);
    const erased = await t.call('admin', { method: 'DELETE', url: `/v1/users/${encodeURIComponent('emoji😀')}` });
    expect(erased.statusCode).toBe(200);
  });
});
