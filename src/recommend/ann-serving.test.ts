// The HNSW candidate path end to end: a sequential model served over the test shop, once with its index
// (annMinItems 1) and once scoring every item (annMinItems 0).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRng, EVENT_TYPES, loadConfig } from '../core/index.js';
import { datasetFromStore } from '../data/index.js';
import { getModelSpec, isSequentialRecommender, type SequentialRecommender } from '../models/index.js';
import { gatherCandidates } from './candidates.js';
import { LiveLists } from './live-lists.js';
import type { HistoryEvent } from './history.js';
import { sessionProfile } from './profile.js';
import { buildRules } from './rules.js';
import { RecommendationRuntime } from './runtime.js';
import { createShopApp, itemId, T0, type ShopApp } from '../../test/support/recommend-shop.js';

const TINY_SASREC = { dim: 16, maxLen: 8, blocks: 1, epochs: 3, dropoutRate: 0 };

/** A visitor who looked at three teas. */
const history: HistoryEvent[] = [0, 1, 2].map((k) => ({ itemId: itemId(0, k), type: 'view', timestamp: T0 + k }));

describe('model candidates from the HNSW index', () => {
  let shop: ShopApp;
  let model: SequentialRecommender;
  let ds: Awaited<ReturnType<typeof datasetFromStore>>;
  const runtimes: { ann?: RecommendationRuntime; exact?: RecommendationRuntime } = {};

  const runtime = async (annMinItems: number): Promise<RecommendationRuntime> => {
    const overrides = {
      'serving.annMinItems': annMinItems,
      'serving.policy': 'greedy',
      'serving.seed': 7,
      'serving.refreshIntervalSeconds': 0,
      'serving.policySaveSeconds': 0,
    };
    const config = loadConfig({ env: { CURIO_LOG_LEVEL: 'silent' }, overrides });
    const rt = new RecommendationRuntime({ config, store: shop.store, model: { model, itemIds: ds.items } });
    await rt.start();
    return rt;
  };

  beforeAll(async () => {
    shop = await createShopApp();
    ds = await datasetFromStore(shop.store);
    const fitted = await getModelSpec('sasrec').fit(ds, TINY_SASREC, { seed: 1 });
    if (!isSequentialRecommender(fitted)) throw new Error('sasrec has no item embeddings');
    model = fitted;
    runtimes.ann = await runtime(1);
    runtimes.exact = await runtime(0);
  });
  afterAll(async () => {
    await runtimes.ann?.stop();
    await runtimes.exact?.stop();
    await shop?.close();
  });

  it('builds the index only when the model has annMinItems items or more', () => {
    expect(runtimes.ann?.snapshot.ann?.index.size).toBe(model.nItems);
    expect(runtimes.exact?.snapshot.ann).toBeNull();
  });

  it('serves the exact slate without scoring every item, and respects exclude= and category=', () => {
    const ann = runtimes.ann as RecommendationRuntime;
    const exact = runtimes.exact as RecommendationRuntime;
    const request = { count: 5, exploreWeight: 0, exclude: [] as string[] };
    const reference = exact.serve(sessionProfile(history, false), request);
    const scoreAll = vi.spyOn(model, 'scoreAll');
    const userVector = vi.spyOn(model, 'userVector');
    try {
      const served = ann.serve(sessionProfile(history, false), request);
      expect(scoreAll).not.toHaveBeenCalled();
      expect(userVector).toHaveBeenCalledTimes(1);
      // 40 items: the graph walk is exhaustive, so the slate and its scores are the exact ones.
      expect(served.items.map((i) => [i.itemId, i.score])).toEqual(reference.items.map((i) => [i.itemId, i.score]));

      const left = reference.items.slice(0, 2).map((i) => i.itemId);
      const excluding = ann.serve(sessionProfile(history, false), { ...request, exclude: left });
      expect(excluding.items).toHaveLength(5);
      for (const id of left) expect(excluding.candidates.map((c) => c.itemId)).not.toContain(id);

      const coffee = ann.serve(sessionProfile(history, false), { ...request, category: 'Coffee' });
      expect(coffee.items.length).toBeGreaterThan(0);
      expect(coffee.candidates.every((c) => c.itemId.startsWith('coffee-'))).toBe(true);
      expect(scoreAll).not.toHaveBeenCalled();
    } finally {
      scoreAll.mockRestore();
      userVector.mockRestore();
    }
  });

  it('proposes the same candidates with the same model scores as exact scoring, under every rule', async () => {
    const ann = runtimes.ann as RecommendationRuntime;
    const exact = runtimes.exact as RecommendationRuntime;
    const top = ann.serve(sessionProfile(history, false), { count: 1, exploreWeight: 0, exclude: [] }).items[0].itemId;
    const item = await shop.store.getItem(top);
    if (!item) throw new Error(`no item ${top}`);
    await shop.store.upsertItems([{ ...item, available: false }]);
    await ann.refresh();
    await exact.refresh();
    const profile = sessionProfile(history, false);
    const historyIndex = Int32Array.from(history, (e) => ann.snapshot.items.indexOf.get(e.itemId) ?? -1);
    const exactScores = model.scoreAll({
      items: historyIndex,
      types: new Uint8Array(history.length).fill(EVENT_TYPES.indexOf('view')),
      timestampsMs: Float64Array.from(history, (e) => e.timestamp),
    });
    const byModel = [...exactScores.keys()].sort((a, b) => exactScores[b] - exactScores[a]);
    const gather = (rt: RecommendationRuntime, exclude: string[], category?: string) => {
      const snap = rt.snapshot;
      const rules = buildRules({ table: snap.items, profile, exclude, category });
      const live = new LiveLists(snap.items, { newItemDays: 14, maxStaleMs: 0 });
      const input = { snap, live, profile, rules, historyIndex, perSource: 3, explorationCategories: 0, rng: createRng(1) };
      return gatherCandidates(input)
        .map((r) => ({ id: snap.items.ids[r.index], model: r.model }))
        .sort((a, b) => a.id.localeCompare(b.id));
    };
    const ruleSets: Array<[string[], string | undefined]> = [
      [[], undefined],
      [byModel.slice(0, 4).map((i) => ds.items[i]), undefined],
      [[], 'Coffee'],
    ];
    for (const [exclude, category] of ruleSets) {
      const rows = gather(ann, exclude, category);
      expect(rows).toEqual(gather(exact, exclude, category));
      expect(rows.map((r) => r.id)).not.toContain(top);
      for (const id of exclude) expect(rows.map((r) => r.id)).not.toContain(id);
      // Co-visitation and trending add items the index did not return: they get exact scores as well.
      expect(rows.length).toBeGreaterThan(3);
      for (const r of rows) expect(r.model).toBe(exactScores[ds.items.indexOf(r.id)]);
    }
  });
});
