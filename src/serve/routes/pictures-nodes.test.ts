import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalChangeFeed } from '../../store/index.js';
import { createPictureShopApp, lookPng } from '../../../test/support/picture-shop.js';
import type { TestApp } from '../../../test/support/test-app.js';

// Two servers on one store and one change feed (a cluster's bus carries the same changes between processes):
// a picture stored, replaced or deleted through one is what the other's visual neighbours see next.
describe('pictures across nodes', () => {
  let dir: string;
  let a: TestApp;
  let b: TestApp;
  const feed = new LocalChangeFeed();
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'curio-pictures-nodes-'));
    const storeUrl = `sqlite:${join(dir, 'shop.db')}`;
    const options = { storeUrl, cluster: { feed }, overrides: { 'serving.policy': 'epsilon-greedy' } };
    a = await createPictureShopApp(options);
    b = await createPictureShopApp(options);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const put = async (t: TestApp, id: string, look: number, variant: number) =>
    t.call('ingest', {
      method: 'PUT',
      url: `/v1/items/${id}/picture`,
      payload: await lookPng(look, variant),
      headers: { 'content-type': 'image/png' },
    });
  const similar = (t: TestApp, id: string) => t.call('read', { method: 'GET', url: `/v1/items/${id}/similar?by=picture&n=5` });
  const ids = (res: Awaited<ReturnType<typeof similar>>) => res.json<{ items: Array<{ itemId: string }> }>().items.map((i) => i.itemId);

  it('an upload through one node is a visual neighbour on the other', async () => {
    expect((await similar(b, 'tea-1')).statusCode).toBe(404);
    for (let k = 0; k < 4; k++) expect((await put(a, `tea-${k}`, 0, k)).statusCode).toBe(200);
    for (let k = 0; k < 2; k++) expect((await put(a, `coffee-${k}`, 1, k)).statusCode).toBe(200);
    await expect.poll(async () => (await similar(b, 'tea-1')).statusCode).toBe(200);
    const seen = ids(await similar(b, 'tea-1'));
    expect(seen.slice(0, 3).sort()).toEqual(['tea-0', 'tea-2', 'tea-3']);
  });

  it('a shop embedding sent through one node, and a deletion, reach the other', async () => {
    const embedding = Array.from({ length: 8 }, (_, i) => (i === 0 ? 1 : 0));
    for (const id of ['books-0', 'books-1']) {
      const res = await a.call('ingest', {
        method: 'PUT',
        url: `/v1/items/${id}/embedding`,
        payload: JSON.stringify({ embedding }),
        headers: { 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(200);
    }
    await expect.poll(async () => ids(await similar(b, 'books-0'))).toEqual(['books-1']);
    expect((await a.call('ingest', { method: 'DELETE', url: '/v1/items/tea-1/picture' })).json()).toEqual({ deleted: true });
    await expect.poll(async () => (await similar(b, 'tea-1')).statusCode).toBe(404);
    await expect.poll(async () => ids(await similar(b, 'tea-0'))).not.toContain('tea-1');
  });
});
