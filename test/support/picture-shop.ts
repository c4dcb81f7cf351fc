// Test fixture for the picture tests: the recommendation test shop, each category with a look of its own.
import type { EncoderInUse } from '../../src/recommend/index.js';
import { createRng } from '../../src/core/index.js';
import { encodePng } from '../../src/pictures/index.js';
import { createTestApp, type TestApp, type TestAppOptions } from './test-app.js';
import { CATEGORIES, ITEMS_PER_CATEGORY, itemId, shopEvents, shopItems } from './recommend-shop.js';

export const PICTURE_SIZE = 28;

/**
 * A picture of look `look` (one per category: the bright part is the top, bottom, left or right half),
 * varied per `variant` by noise, so pictures of one look are near each other and far from the others'.
 */
export function lookPixels(look: number, variant: number, size = PICTURE_SIZE): Uint8Array {
  const rng = createRng(1000 * look + variant + 1);
  return Uint8Array.from({ length: size * size }, (_, p) => {
    const [y, x] = [Math.floor(p / size), p % size];
    const half = [y < size / 2, y >= size / 2, x < size / 2, x >= size / 2][look % 4];
    return Math.max(0, Math.min(255, Math.round((half ? 200 : 30) + 60 * (rng.next() - 0.5))));
  });
}

export const lookPng = (look: number, variant: number): Promise<Buffer> => encodePng(lookPixels(look, variant), PICTURE_SIZE);

/**
 * A TEST STAND-IN for the trained image encoder (src/pictures/encoder.ts): 4×4 average pooling, unit
 * length. It sees coarse layout only — enough to tell the looks above apart, and deterministic, so the
 * API's plumbing is tested without training a network. Never used for a reported figure.
 */
export function poolingEncoder(size = PICTURE_SIZE, cell = 4): EncoderInUse {
  const side = size / cell;
  const dim = side * side;
  return {
    version: 'test-pooling-encoder',
    encoder: {
      size,
      dim,
      embed(pixels: Float32Array, count: number): Float32Array {
        const out = new Float32Array(count * dim);
        for (let n = 0; n < count; n++) {
          const o = n * size * size;
          for (let p = 0; p < size * size; p++) {
            const cellIndex = Math.floor(Math.floor(p / size) / cell) * side + Math.floor((p % size) / cell);
            out[n * dim + cellIndex] += pixels[o + p] - 0.45; // centred, so looks differ in direction, not only in length
          }
          let norm = 0;
          for (let d = 0; d < dim; d++) norm += out[n * dim + d] ** 2;
          for (let d = 0; d < dim; d++) out[n * dim + d] /= Math.sqrt(norm) || 1;
        }
        return out;
      },
    },
  };
}

/** The recommendation test shop (4 categories × 10 items, 40 shoppers each in one category) with the stand-in encoder. */
export function createPictureShopApp(
  options: {
    overrides?: Record<string, unknown>;
    storeUrl?: string;
    encoder?: EncoderInUse | null;
    cluster?: TestAppOptions['cluster'];
  } = {},
): Promise<TestApp> {
  return createTestApp({
    storeUrl: options.storeUrl,
    cluster: options.cluster,
    env: { CURIO_SERVING_SEED: '7' },
    overrides: { 'serving.refreshIntervalSeconds': 0, 'serving.impressionFlushMs': 0, ...options.overrides },
    imageEncoder: options.encoder === null ? undefined : (options.encoder ?? poolingEncoder()),
    prepare: async (store) => {
      if ((await store.counts()).items > 0) return;
      await store.upsertItems(shopItems());
      await store.appendEvents(shopEvents());
    },
  });
}

/** Every item of the shop with its category's look: (item id, category index, variant). */
export const shopPictures = (): Array<{ itemId: string; look: number; variant: number }> =>
  CATEGORIES.flatMap((_, c) => Array.from({ length: ITEMS_PER_CATEGORY }, (_, k) => ({ itemId: itemId(c, k), look: c, variant: k })));
