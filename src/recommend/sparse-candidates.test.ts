// The sparse model path (a transition model's prior plus touched items) against scoring every item: the
// same candidates with the same model scores, the same slates, and the scratch back at the prior after.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, loadConfig } from '../core/index.js';
import { datasetFromStore } from '../data/index.js';
import { getModelSpec, type Recommender } from '../models/index.js';
import { gatherCandidates } from './candidates.js';
import { LiveLists } from './live-lists.js';
import type { HistoryEvent } from './history.js';
import { sessionProfile } from './profile.js';
import { buildRules } from './rules.js';
import { RecommendationRuntime } from './runtime.js';
import { createShopApp, itemId, T0, type ShopApp } from '../../test/support/recommend-shop.js';

const histories: HistoryEvent[][] = [
  [0, 1, 2].map((k) => ({ itemId: itemId(0, k), type: 'view', timestamp: T0 + k })),
  [
    { itemId: itemId(1, 3), type: 'cart', timestamp: T0 },
    { itemId: itemId(2, 0), type: 'view', timestamp: T0 + 1 },
  ],
  [{ itemId: itemId(2, 4), type: 'purchase', timestamp: T0 }],
];

describe('sparse model candidates', () => {
  let shop: ShopApp;
  let model: Recommender;
  let itemIds: string[];
  const runtimes: RecommendationRuntime[] = [];

  const runtime = async (served: Recommender): Promise<RecommendationRuntime> => {
    const overrides = {
      'serving.policy': 'greedy',
      'serving.seed': 7,
      'serving.refreshIntervalSeconds': 0,
      'serving.policySaveSeconds': 0,
    };
    const rt = new RecommendationRuntime({
      config: loadConfig({ env: { CURIO_LOG_LEVEL: 'silent' }, overrides }),
      store: shop.store,
      model: { model: served, itemIds },
    });
    await rt.start();
    runtimes.push(rt);
    return rt;
  };

  beforeAll(async () => {
    shop = await createShopApp();
    const ds = await datasetFromStore(shop.store);
    itemIds = [...ds.items];
    model = await getModelSpec('transition').fit(ds, {}, { seed: 1 });
  });
  afterAll(async () => {
    for (const rt of runtimes) await rt.stop();
    await shop?.close();
  });

  it('proposes the same items with the same scores as scoring every item, under every rule, and restores the prior', async () => {
    expect(model.sparse).toBeDefined();
    const sparse = await runtime(model);
    const dense = await runtime({ ...model, sparse: undefined });
    const gather = (rt: RecommendationRuntime, history: HistoryEvent[], exclude: string[], category?: string) => {
      const snap = rt.snapshot;
      const profile = sessionProfile(history, false);
      const historyIndex = Int32Array.from(history, (e) => snap.items.indexOf.get(e.itemId) ?? -1);
      const rules = buildRules({ table: snap.items, profile, exclude, category });
      const live = new LiveLists(snap.items, { newItemDays: 14, maxStaleMs: 0 });
      const input = { snap, live, profile, rules, historyIndex, perSource: 4, explorationCategories: 0, rng: createRng(1) };
      return gatherCandidates(input)
        .map((r) => ({ id: snap.items.ids[r.index], model: r.model }))
        .sort((a, b) => a.id.localeCompare(b.id));
    };
    for (const history of histories) {
      const best = gather(dense, history, [])
        .sort((a, b) => b.model - a.model)
        .slice(0, 3)
        .map((r) => r.id);
      for (const [exclude, category] of [
        [[], undefined],
        [best, undefined],
        [[], 'Coffee'],
      ] as Array<[string[], string | undefined]>) {
        const rows = gather(sparse, history, exclude, category);
        expect(rows.length).toBeGreaterThan(3);
        expect(rows).toEqual(gather(dense, history, exclude, category));
        for (const id of exclude) expect(rows.map((r) => r.id)).not.toContain(id);
      }
      const request = { count: 5, exploreWeight: 0, exclude: [] };
      expect(sparse.serve(sessionProfile(history, false), request).items).toEqual(
        dense.serve(sessionProfile(history, false), request).items,
      );
      expect(Array.from(sparse.snapshot.scratch)).toEqual(Array.from(model.sparse?.prior ?? []));
    }
  });
});
