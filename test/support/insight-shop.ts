// Test fixture for the insight routes: a small hand-made shop posted through the API into a real SQLite store.
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createRng, loadConfig } from '../../src/core/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { createApp } from '../../src/serve/app.js';
import { KEYS } from './test-app.js';
import type { InsightSettingsInput } from '../../src/recommend/insight/settings.js';

export const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;
const DAY = 86_400_000;

interface Line {
  prefix: string;
  path: string[];
  words: string;
  tags: string[];
  brand: string;
  price: number;
}

const LINES: Line[] = [
  { prefix: 'b', path: ['Beauty', 'Skin'], words: 'vegan face cream with aloe', tags: ['vegan', 'skincare'], brand: 'Glow', price: 40 },
  { prefix: 'f', path: ['Fashion', 'Shoes'], words: 'leather running shoe', tags: ['running'], brand: 'Stride', price: 80 },
  { prefix: 'o', path: ['Outdoor', 'Camping'], words: 'waterproof camping tent', tags: ['hiking'], brand: 'Peak', price: 300 },
];

/** 6 labelled items per line (b0.., f0.., o0..) and one unlabelled item per line (bx, fx, ox). */
export function shopItems() {
  return LINES.flatMap((l) => [
    ...Array.from({ length: 6 }, (_, k) => ({
      id: `${l.prefix}${k}`,
      title: `${l.words} ${k}`,
      categoryPath: l.path,
      tags: l.tags,
      brand: l.brand,
      price: l.price,
    })),
    { id: `${l.prefix}x`, title: `new ${l.words}`, brand: l.brand, price: l.price },
  ]);
}

let n = 0;
const event = (userId: string, itemId: string, type: string, timestamp: number) => ({ id: `ev${n++}`, userId, itemId, type, timestamp });

/**
 * 36 shoppers `s0`..`s35` in three planted groups (s % 3): Beauty regulars who buy in every session, Fashion
 * browsers who never buy, Outdoor one-off big spenders. Sessions are 4 views (+ cart and purchase when buying).
 */
export function shopEvents() {
  const rng = createRng(3);
  const out: ReturnType<typeof event>[] = [];
  for (let s = 0; s < 36; s++) {
    const g = s % 3;
    const line = LINES[g];
    const sessions = g === 0 ? 5 : g === 1 ? 3 : 1;
    for (let k = 0; k < sessions; k++) {
      const start = T0 + k * 3 * DAY + rng.int(6) * 3_600_000 + s * MIN;
      const picks = [rng.int(6), rng.int(6), rng.int(6), 'x'].map((i) => `${line.prefix}${i}`);
      picks.forEach((item, j) => out.push(event(`s${s}`, item, 'view', start + j * MIN)));
      if (g !== 1) {
        out.push(event(`s${s}`, picks[0], 'cart', start + 5 * MIN));
        out.push(event(`s${s}`, picks[0], 'purchase', start + 6 * MIN));
      }
    }
  }
  return out;
}

export interface InsightApp {
  store: Store;
  call(as: keyof typeof KEYS | null, options: InjectOptions): Promise<LightMyRequestResponse>;
  /** Posts events through POST /v1/events. */
  post(events: unknown[]): Promise<void>;
  close(): Promise<void>;
}

/** An app over an in-memory SQLite store holding the shop; `fill: false` leaves it empty. */
export async function createInsightApp(
  options: { env?: Record<string, string>; insight?: InsightSettingsInput; fill?: boolean } = {},
): Promise<InsightApp> {
  const config = loadConfig({
    env: {
      CURIO_API_KEYS: `${KEYS.ingest}:ingest,${KEYS.read}:read,${KEYS.admin}:admin`,
      CURIO_LOG_LEVEL: 'silent',
      CURIO_TRAINING_WORKER: 'false',
      ...options.env,
    },
  });
  const store = await openStore('sqlite::memory:');
  const app = createApp({ config, store, processMetrics: false, insight: { seed: 1, ...options.insight } });
  await app.ready();
  const call: InsightApp['call'] = (as, request) =>
    app.inject({ ...request, headers: { ...(as ? { authorization: `Bearer ${KEYS[as]}` } : {}), ...request.headers } });
  const post = async (events: unknown[]) => {
    const res = await call('ingest', { method: 'POST', url: '/v1/events', payload: { events } });
    if (res.statusCode !== 200 || res.json().rejected.length) throw new Error(`ingest failed: ${res.body}`);
  };
  if (options.fill !== false) {
    await call('ingest', { method: 'PUT', url: '/v1/items', payload: { items: shopItems() } });
    await post(shopEvents());
  }
  return {
    store,
    call,
    post,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}
