// Gathering reuses one slot array across requests: a request's candidates must not depend on the
// requests before it, including one that failed half-way through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, loadConfig } from '../core/index.js';
import { datasetFromStore } from '../data/index.js';
import { getModelSpec } from '../models/index.js';
import { gatherCandidates, type GatherInput } from './candidates.js';
import type { HistoryEvent } from './history.js';
import { LiveLists } from './live-lists.js';
import { sessionProfile } from './profile.js';
import { buildRules } from './rules.js';
import { RecommendationRuntime } from './runtime.js';
import { createShopApp, itemId, T0, type ShopApp } from '../../test/support/recommend-shop.js';

describe('gatherCandidates', () => {
  let shop: ShopApp;
  let rt: RecommendationRuntime;

  beforeAll(async () => {
    shop = await createShopApp();
    const ds = await datasetFromStore(shop.store);
    const model = await getModelSpec('transition').fit(ds, {}, { seed: 1 });
    const overrides = { 'serving.policy': 'greedy', 'serving.refreshIntervalSeconds': 0, 'serving.policySaveSeconds': 0 };
    rt = new RecommendationRuntime({
      config: loadConfig({ env: { CURIO_LOG_LEVEL: 'silent' }, overrides }),
      store: shop.store,
      model: { model, itemIds: [...ds.items] },
    });
    await rt.start();
  });
  afterAll(async () => {
    await rt?.stop();
    await shop?.close();
  });

  const input = (history: HistoryEvent[]): GatherInput => {
    const snap = rt.snapshot;
    const profile = sessionProfile(history, false);
    return {
      snap,
      live: new LiveLists(snap.items, { newItemDays: 14, maxStaleMs: 0 }),
      profile,
      rules: buildRules({ table: snap.items, profile, exclude: [] }),
      historyIndex: Int32Array.from(history, (e) => snap.items.indexOf.get(e.itemId) ?? -1),
      perSource: 6,
      explorationCategories: 2,
      rng: createRng(3),
    };
  };
  const summary = (history: HistoryEvent[]) =>
    gatherCandidates(input(history)).map((r) => ({ index: r.index, model: r.model, covisit: r.covisit, anchor: r.anchor, pool: r.pool }));

  it('gives each request the candidates it would get first, after other requests and after a failed one', () => {
    const a: HistoryEvent[] = [0, 1, 2].map((k) => ({ itemId: itemId(0, k), type: 'view', timestamp: T0 + k }));
    const b: HistoryEvent[] = [
      { itemId: itemId(1, 3), type: 'cart', timestamp: T0 },
      { itemId: itemId(2, 0), type: 'view', timestamp: T0 + 1 },
    ];
    const first = summary(a);
    expect(first.length).toBeGreaterThan(5);
    expect(new Set(first.map((r) => r.index)).size).toBe(first.length);
    const other = summary(b);
    expect(other.map((r) => r.index)).not.toEqual(first.map((r) => r.index));
    // A request that fails half-way through gathering (its rules throw after some candidates are in).
    const failing = input(b);
    let calls = 0;
    const allows = failing.rules.allows;
    failing.rules = {
      ...failing.rules,
      allows: (i: number) => {
        if (++calls > 8) throw new Error('half-way');
        return allows(i);
      },
    };
    expect(() => gatherCandidates(failing)).toThrow('half-way');
    expect(summary(a)).toEqual(first);
  });
});
