// Similar-by-picture and shop by photo with a real image encoder, trained here on the committed
// Fashion-MNIST slice: the neighbours of a picture are mostly of its category.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainImageEncoder } from '../../pictures/encoder.js';
import { FASHION_MNIST_LABELS, loadFashionMnist } from '../../pictures/fashion-mnist.js';
import { encodePng } from '../../pictures/index.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/fashion-mnist/', import.meta.url));
const train = loadFashionMnist(FIXTURE, 'train');
const test = loadFashionMnist(FIXTURE, 't10k');
const AREA = train.size * train.size;
/** The encoder tests' small net: it learns the 600 pictures in a few seconds. */
const SMALL = { widths: [8, 16], dim: 32, epochs: 6, batchSize: 32, learningRate: 5e-3, validationFraction: 0.15, patience: 6 };
const png = (set: typeof train, k: number) =>
  encodePng(
    Uint8Array.from(set.pixels.subarray(k * AREA, (k + 1) * AREA), (v) => Math.round(v * 255)),
    set.size,
  );
const categoryOf = (label: number) => `Fashion > ${FASHION_MNIST_LABELS[label]}`;

describe('pictures with an encoder trained on the Fashion-MNIST slice', () => {
  let t: TestApp;
  beforeAll(async () => {
    const { encoder } = trainImageEncoder(train, SMALL, { seed: 3 });
    // The catalogue: the 200 test pictures, each an item in the category of its class.
    const items = Array.from({ length: test.count }, (_, k) => ({
      id: `p${k}`,
      title: `Picture ${k}`,
      categoryPath: ['Fashion', FASHION_MNIST_LABELS[test.labels[k]]],
    }));
    t = await createTestApp({
      imageEncoder: { encoder, version: 'fixture-slice' },
      overrides: { 'serving.refreshIntervalSeconds': 0, 'serving.impressionFlushMs': 0 },
      prepare: async (store) => {
        await store.upsertItems(
          items.map((i) => ({ ...i, description: '', tags: [], brand: null, price: 1, attributes: {}, available: true, createdAt: 0 })),
        );
      },
    });
    for (let k = 0; k < test.count; k++) {
      const res = await t.call('ingest', {
        method: 'PUT',
        url: `/v1/items/p${k}/picture`,
        payload: await png(test, k),
        headers: { 'content-type': 'image/png' },
      });
      expect(res.statusCode).toBe(200);
    }
  }, 120_000);
  afterAll(() => t.close());

  it('finds items of the same category as similar by picture, five times as often as chance', async () => {
    let same = 0;
    let shown = 0;
    for (let k = 0; k < 40; k++) {
      const res = await t.call('read', { method: 'GET', url: `/v1/items/p${k}/similar?by=picture&n=5` });
      const items = (res.json() as { items: Array<{ category: string }> }).items;
      shown += items.length;
      same += items.filter((i) => i.category === categoryOf(test.labels[k])).length;
    }
    expect(shown).toBe(200);
    expect(same / shown).toBeGreaterThan(0.5);
  });

  it('answers training pictures sent as photos with products of their category', async () => {
    let same = 0;
    for (let k = 0; k < 40; k++) {
      const res = await t.call('read', {
        method: 'POST',
        url: '/v1/recommendations/by-picture?n=5&explore=0',
        payload: await png(train, k),
        headers: { 'content-type': 'image/png' },
      });
      expect(res.statusCode).toBe(200);
      same += (res.json() as { items: Array<{ category: string }> }).items.filter((i) => i.category === categoryOf(train.labels[k])).length;
    }
    expect(same / 200).toBeGreaterThan(0.5);
  });
});
