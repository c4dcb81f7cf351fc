import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../core/index.js';
import { encodeJpeg } from '../../pictures/index.js';
import { createPictureShopApp, lookPixels, lookPng, shopPictures } from '../../../test/support/picture-shop.js';
import { itemId } from '../../../test/support/recommend-shop.js';
import type { TestApp } from '../../../test/support/test-app.js';

const putPicture = (t: TestApp, id: string, payload: Buffer, type = 'image/png') =>
  t.call('ingest', { method: 'PUT', url: `/v1/items/${id}/picture`, payload, headers: { 'content-type': type } });
const putEmbedding = (t: TestApp, id: string, payload: unknown) =>
  t.call('ingest', {
    method: 'PUT',
    url: `/v1/items/${id}/embedding`,
    payload: JSON.stringify(payload),
    headers: { 'content-type': 'application/json' },
  });
const byPicture = (t: TestApp, payload: Buffer, query = '') =>
  t.call('read', { method: 'POST', url: `/v1/recommendations/by-picture${query}`, payload, headers: { 'content-type': 'image/png' } });
const similar = (t: TestApp, id: string, query = '?by=picture&n=5') =>
  t.call('read', { method: 'GET', url: `/v1/items/${id}/similar${query}` });

interface Slot {
  itemId: string;
  category: string | null;
  propensity: number;
  reason: string;
  explored: boolean;
}
const categoryOf = (id: string) => id.split('-')[0];

async function uploadShop(t: TestApp, skip: (id: string) => boolean = () => false): Promise<void> {
  for (const p of shopPictures()) {
    if (skip(p.itemId)) continue;
    expect((await putPicture(t, p.itemId, await lookPng(p.look, p.variant))).statusCode).toBe(200);
  }
}

describe('item pictures and shop by photo', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createPictureShopApp({ overrides: { 'serving.policy': 'epsilon-greedy', 'pictures.maxBytes': 4000 } });
    await uploadShop(t);
  });
  afterAll(() => t.close());

  it('stores an uploaded PNG or JPEG greyscale at the encoder size, embedded, and says so', async () => {
    const jpeg = await encodeJpeg(lookPixels(0, 3), 28);
    const res = await putPicture(t, itemId(0, 3), jpeg, 'image/jpeg');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ itemId: 'tea-3', kind: 'image', size: 28, dim: 49, encoder: 'test-pooling-encoder' });
    const stored = await t.store.getItemPicture('tea-3');
    expect(stored).toMatchObject({ kind: 'image', size: 28 });
    expect((await t.call('read', { method: 'GET', url: '/v1/items/tea-3/picture' })).json()).toMatchObject({ kind: 'image', dim: 49 });
  });

  it('refuses bad pictures with a 400 problem on the body, unknown items with 404, large ones with 413', async () => {
    const garbage = await putPicture(t, 'tea-1', Buffer.from('definitely not a picture'));
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json().error.problems).toEqual([{ path: 'body', message: expect.stringMatching(/not a PNG or JPEG/) }]);
    const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } })
      .gif()
      .toBuffer();
    expect((await putPicture(t, 'tea-1', gif, 'application/octet-stream')).json().error.problems[0].message).toMatch(/gif picture/);
    const json = await t.call('ingest', { method: 'PUT', url: '/v1/items/tea-1/picture', payload: { picture: 'x' } });
    expect(json.statusCode).toBe(400);
    expect(json.json().error.problems[0]).toMatchObject({ path: 'body', message: expect.stringMatching(/image\/png or image\/jpeg/) });
    expect((await putPicture(t, 'no-such-item', await lookPng(0, 0))).statusCode).toBe(404);
    // Noise does not compress: a 64×64 noise PNG is larger than the 4000 bytes allowed here.
    const rng = createRng(5);
    const noise = await sharp(Buffer.from(Uint8Array.from({ length: 64 * 64 }, () => rng.int(256))), {
      raw: { width: 64, height: 64, channels: 1 },
    })
      .png()
      .toBuffer();
    const large = await putPicture(t, 'tea-1', noise);
    expect(large.statusCode).toBe(413);
    expect(large.json().error.message).toMatch(/more than pictures.maxBytes \(4000\)/);
    // The stored picture of tea-1 is untouched by the refusals.
    expect((await t.store.getItemPicture('tea-1'))?.kind).toBe('image');
  });

  it('validates sent embeddings: finite numbers, one length per shop, not all zero', async () => {
    expect((await putEmbedding(t, 'toys-1', { embedding: [0.1, 0.2, 0.3] })).json()).toMatchObject({ kind: 'embedding', dim: 3 });
    const wrongLength = await putEmbedding(t, 'toys-2', { embedding: [1, 2] });
    expect(wrongLength.statusCode).toBe(400);
    expect(wrongLength.json().error.problems).toEqual([{ path: 'embedding', message: expect.stringMatching(/has 2 values; .* have 3/) }]);
    // 1e400 parses to Infinity.
    const infinite = await t.call('ingest', {
      method: 'PUT',
      url: '/v1/items/toys-2/embedding',
      payload: '{"embedding": [1, 1e400, 2]}',
      headers: { 'content-type': 'application/json' },
    });
    expect(infinite.statusCode).toBe(400);
    expect(infinite.json().error.problems[0].path).toBe('embedding.1');
    expect((await putEmbedding(t, 'toys-2', { embedding: [0, 0, 0] })).json().error.problems[0].message).toMatch(/all-zero/);
    expect((await putEmbedding(t, 'toys-2', { embedding: ['1', 2, 3] })).statusCode).toBe(400);
    expect((await putEmbedding(t, 'toys-3', { embedding: [0.1, 0.2, 0.31] })).statusCode).toBe(200);
    // Sent embeddings are their own space: toys-1's neighbour is toys-3, not an uploaded picture.
    const near = (await similar(t, 'toys-1')).json() as { items: Slot[] };
    expect(near.items.map((i) => i.itemId)).toEqual(['toys-3']);
    // Back to a picture for the later tests.
    for (const k of [1, 3]) expect((await putPicture(t, itemId(3, k), await lookPng(3, k))).statusCode).toBe(200);
  });

  it('finds similar items by picture: same-category looks, available ones only, 404 without a picture', async () => {
    const res = await similar(t, 'coffee-2');
    expect(res.statusCode).toBe(200);
    const items = (res.json() as { items: Slot[] }).items;
    expect(items).toHaveLength(5);
    expect(items.every((i) => categoryOf(i.itemId) === 'coffee' && i.itemId !== 'coffee-2')).toBe(true);
    expect(items[0].reason).toBe('looks like Coffee 2');
    await t.call('ingest', { method: 'PATCH', url: '/v1/items/coffee-5', payload: { available: false } });
    const after = (await similar(t, 'coffee-2', '?by=picture&n=20')).json() as { items: Slot[] };
    expect(after.items.map((i) => i.itemId)).not.toContain('coffee-5');
    await t.call('ingest', { method: 'PATCH', url: '/v1/items/coffee-5', payload: { available: true } });
    await t.call('ingest', { method: 'DELETE', url: '/v1/items/books-4/picture' });
    expect((await similar(t, 'books-4')).statusCode).toBe(404);
    expect((await putPicture(t, 'books-4', await lookPng(2, 4))).statusCode).toBe(200);
    // Deleting an item deletes its picture.
    expect((await t.call('admin', { method: 'DELETE', url: '/v1/items/books-9' })).statusCode).toBe(200);
    expect(await t.store.getItemPicture('books-9')).toBeNull();
    // Behaviour stays the default.
    const byBehaviour = await similar(t, 'coffee-2', '?n=3');
    expect(byBehaviour.statusCode).toBe(200);
    expect((byBehaviour.json() as { items: Slot[] }).items.some((i) => i.reason.startsWith('looks like'))).toBe(false);
  });

  it('answers a photo anonymously with lookalikes, logging nothing', async () => {
    const res = await byPicture(t, await lookPng(2, 77), '?n=6&explore=0');
    expect(res.statusCode).toBe(200);
    const body = res.json() as { userId: string | null; items: Slot[]; recommendationId: string };
    expect(body.userId).toBeNull();
    expect(body.items).toHaveLength(6);
    expect(body.items.every((i) => categoryOf(i.itemId) === 'books')).toBe(true);
    expect(body.items.every((i) => i.reason === 'looks like your picture' && i.propensity === 1)).toBe(true);
  });

  it('re-ranks a photo by the shopper, with the rules, propensities and a logged slate', async () => {
    // s2 bought books-3 (shopEvents: shopper s stays in category s % 4 and buys k + 3).
    const res = await byPicture(t, await lookPng(2, 78), '?n=5&explore=0.5&userId=s2&exclude=books-7');
    expect(res.statusCode).toBe(200);
    const body = res.json() as { userId: string; recommendationId: string; mode: string; items: Slot[] };
    expect(body).toMatchObject({ userId: 's2', mode: 'personalized' });
    const ids = body.items.map((i) => i.itemId);
    expect(ids.every((id) => categoryOf(id) === 'books')).toBe(true);
    expect(ids).not.toContain('books-7');
    expect(ids).not.toContain('books-3'); // bought
    for (const i of body.items) {
      expect(i.propensity).toBeGreaterThan(0);
      expect(i.propensity).toBeLessThanOrEqual(1);
    }
    await t.app.ready();
    const decisions = await t.store.userDecisions('s2');
    const logged = decisions.find((d) => d.recommendationId === body.recommendationId);
    expect(logged?.shown?.map((s) => s.propensity)).toEqual(body.items.map((i) => i.propensity));
  });

  it('tags items without a category from their picture, joined with the text and behaviour tagger', async () => {
    const mystery = Array.from({ length: 8 }, (_, k) => ({ id: `mystery-${k}`, title: 'Item', categoryPath: [] }));
    expect((await t.call('ingest', { method: 'PUT', url: '/v1/items', payload: { items: mystery } })).json().accepted).toBe(8);
    for (const [k, m] of mystery.entries()) expect((await putPicture(t, m.id, await lookPng(k % 4, 100 + k))).statusCode).toBe(200);
    const res = await t.call('read', { method: 'POST', url: '/v1/items/tag', payload: { itemIds: mystery.map((m) => m.id) } });
    expect(res.statusCode).toBe(200);
    const predicted = (res.json() as { itemIds: Array<{ category: { label: string } | null }> }).itemIds.map((p) => p.category?.label);
    expect(predicted).toEqual(mystery.map((_, k) => ['Groceries > Tea', 'Groceries > Coffee', 'Media > Books', 'Kids > Toys'][k % 4]));
  });

  it('documents picture bodies as binary PNG or JPEG with their 413, and the embedding body as numbers', async () => {
    type Op = { requestBody: { content: Record<string, { schema: Record<string, unknown> }> }; responses: Record<string, unknown> };
    const paths = (t.app.swagger() as unknown as { paths: Record<string, Record<string, Op>> }).paths;
    for (const op of [paths['/v1/items/{id}/picture'].put, paths['/v1/recommendations/by-picture'].post]) {
      expect(Object.keys(op.requestBody.content)).toEqual(['image/png', 'image/jpeg', 'application/octet-stream']);
      expect(op.requestBody.content['image/png'].schema).toEqual({ type: 'string', format: 'binary' });
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '413']));
    }
    const embedding = paths['/v1/items/{id}/embedding'].put.requestBody.content['application/json'].schema;
    expect(embedding).toMatchObject({
      properties: { embedding: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 4096 } },
    });
  });

  it('refuses a bad photo with 400 and an oversized one with 413', async () => {
    expect((await byPicture(t, Buffer.from('nope'))).statusCode).toBe(400);
    expect((await byPicture(t, Buffer.alloc(5000, 1))).statusCode).toBe(413);
  });
});

describe('pictures without an encoder, and across a restart', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'curio-pictures-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps pictures without an encoder (503 for a photo), embeds them when one arrives, and keeps them across restarts', async () => {
    const url = `sqlite:${join(dir, 'shop.db')}`;
    const bare = await createPictureShopApp({ storeUrl: url, encoder: null });
    try {
      await uploadShop(bare, (id) => !id.endsWith('-1') && !id.endsWith('-2'));
      expect(await bare.store.getItemPicture('tea-1')).toMatchObject({ kind: 'image', embedding: null, encoder: null });
      expect((await byPicture(bare, await lookPng(0, 9))).statusCode).toBe(503);
      expect((await similar(bare, 'tea-1')).statusCode).toBe(404);
    } finally {
      await bare.close();
    }
    const withEncoder = await createPictureShopApp({ storeUrl: url });
    try {
      expect(await withEncoder.store.getItemPicture('tea-1')).toMatchObject({ encoder: 'test-pooling-encoder' });
      const items = (await similar(withEncoder, 'tea-1')).json().items as Slot[];
      expect(items[0].itemId).toBe('tea-2');
      expect(items.map((i) => i.itemId).sort()).toEqual(['books-1', 'books-2', 'tea-2', 'toys-1', 'toys-2']);
    } finally {
      await withEncoder.close();
    }
  });
});
