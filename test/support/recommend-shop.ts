// Test fixture for the recommendation tests: a small shop in a real SQLite store and an app over it.
import type { Event, Item } from '../../src/core/index.js';
import { createTestApp, type TestApp } from './test-app.js';

export const CATEGORIES = [
  ['Groceries', 'Tea'],
  ['Groceries', 'Coffee'],
  ['Media', 'Books'],
  ['Kids', 'Toys'],
] as const;
export const ITEMS_PER_CATEGORY = 10;
export const T0 = 1_700_000_000_000;

/** `tea-3`, `coffee-0`, ...: 10 items in each of 4 categories. */
export const itemId = (category: number, k: number): string => `${CATEGORIES[category][1].toLowerCase()}-${k}`;

export function shopItems(): Item[] {
  return CATEGORIES.flatMap((path, c) =>
    Array.from({ length: ITEMS_PER_CATEGORY }, (_, k) => ({
      id: itemId(c, k),
      title: `${path[1]} ${k}`,
      description: '',
      categoryPath: [...path],
      tags: [],
      brand: null,
      price: 10,
      attributes: {},
      available: true,
      createdAt: T0 - 90 * 86_400_000,
    })),
  );
}

/** 40 shoppers `s0`..`s39`; shopper s stays in category s % 4 and walks k → k+1 → k+2 → k+3, buying the last one. */
export function shopEvents(): Event[] {
  const out: Event[] = [];
  for (let s = 0; s < 40; s++) {
    const c = s % 4;
    for (let step = 0; step < 4; step++) {
      const k = (Math.floor(s / 4) + step) % ITEMS_PER_CATEGORY;
      const type = step === 3 ? 'purchase' : step === 2 ? 'cart' : 'view';
      out.push({
        id: `h${s}-${step}`,
        userId: `s${s}`,
        itemId: itemId(c, k),
        type,
        value: null,
        timestamp: T0 + s * 1000 + step,
        sessionId: null,
        context: {},
      });
    }
  }
  return out;
}

export type ShopApp = TestApp;

/**
 * An app over a store holding the shop (a fresh in-memory one unless `storeUrl` is given; filling a store
 * that already holds the shop adds nothing); the model is fitted when the app is ready.
 */
export function createShopApp(overrides: Record<string, unknown> = {}, storeUrl?: string): Promise<ShopApp> {
  return createTestApp({
    storeUrl,
    env: { CURIO_SERVING_SEED: '7' },
    // A handful of shoppers, too few for k-anonymity's groups: the tests of privacy set privacy.minGroupSize.
    overrides: { 'serving.refreshIntervalSeconds': 0, 'serving.impressionFlushMs': 0, 'privacy.minGroupSize': 1, ...overrides },
    prepare: async (store) => {
      await store.upsertItems(shopItems());
      await store.appendEvents(shopEvents());
    },
  });
}
