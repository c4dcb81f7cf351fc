// Items added after the serving model was trained: curio-seq scores them from their attributes (the
// category path), so a new item reaches the shoppers of its category before the next training.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, EVENT_TYPES, loadConfig, type Config, type Event, type Item } from '../core/index.js';
import {
  createSequenceBuilder,
  datasetFromStore,
  itemAttributeNames,
  userCount,
  userSequence,
  type SequenceDataset,
} from '../data/index.js';
import { curioSeqModel } from '../models/curio-seq.js';
import { isSequentialRecommender, type SequentialRecommender } from '../models/index.js';
import { Ingestor } from '../ingest/index.js';
import { LocalChangeFeed, openStore, type Store } from '../store/index.js';
import { gatherCandidates, type CandidateRow } from './candidates.js';
import type { HistoryEvent } from './history.js';
import { LiveLists } from './live-lists.js';
import { sessionProfile, type Profile } from './profile.js';
import { rankCandidates } from './rank.js';
import { buildRules } from './rules.js';
import { RecommendationRuntime } from './runtime.js';
import { datasetEvents } from '../../test/support/dataset-events.js';

const CLUSTERS = 4;
const CLUSTER_SIZE = 20;
const LONG_AGO = Date.UTC(2023, 0, 1);
/** Model candidates per request: a quarter of the catalogue, so only the best cold items get in. */
const PER_SOURCE = 20;

const clusterOf = (itemId: string): number => Math.floor(Number(itemId.slice(1)) / CLUSTER_SIZE);

/**
 * A shop where the category is what shoppers follow: shopper u stays in category Shop > C<u % 4> and
 * picks its items at random (items i0..i79, 20 per category). Everything in it was created long ago,
 * so no item is proposed as "new".
 */
function categoryShop(): { items: Item[]; events: Event[] } {
  const rng = createRng(5);
  const b = createSequenceBuilder();
  for (let u = 0; u < 400; u++) {
    for (let t = 0; t < 8; t++) {
      const itemId = `i${(u % CLUSTERS) * CLUSTER_SIZE + rng.int(CLUSTER_SIZE)}`;
      b.add(`u${u}`, itemId, t % 4 === 3 ? 'purchase' : 'view', Date.UTC(2024, 0, 1) + (u * 50 + t) * 3_600_000);
    }
  }
  const events = datasetEvents(b.build());
  const items = Array.from({ length: CLUSTERS * CLUSTER_SIZE }, (_, i) => item(`i${i}`, ['Shop', `C${clusterOf(`i${i}`)}`]));
  return { items, events };
}

function item(id: string, categoryPath: string[], createdAt = LONG_AGO): Item {
  return { id, title: id, description: '', categoryPath, tags: [], brand: null, price: 1, attributes: {}, available: true, createdAt };
}

function config(annMinItems = 0): Config {
  return loadConfig({
    env: { CURIO_LOG_LEVEL: 'silent' },
    overrides: {
      'serving.policy': 'greedy',
      'serving.seed': 7,
      'serving.exploreWeight': 0,
      'serving.annMinItems': annMinItems,
      'serving.refreshIntervalSeconds': 0,
      'serving.policySaveSeconds': 0,
    },
  });
}

describe('items added after the training', () => {
  let store: Store;
  let ingestor: Ingestor;
  let feed: LocalChangeFeed;
  let runtime: RecommendationRuntime;
  let ds: SequenceDataset;
  let model: SequentialRecommender;
  /** Each shopper's own history as a session, by category. */
  const shoppers = new Map<number, Profile[]>();

  beforeAll(async () => {
    const shop = categoryShop();
    store = await openStore('sqlite::memory:');
    await store.upsertItems(shop.items);
    await store.appendEvents(shop.events);
    ds = await datasetFromStore(store, { withCategories: true });
    const fitted = await curioSeqModel.fit(ds, { ...curioSeqModel.testParams, attributes: true }, { seed: 3 });
    if (!isSequentialRecommender(fitted)) throw new Error('curio-seq has no item embeddings');
    model = fitted;
    feed = new LocalChangeFeed();
    ingestor = new Ingestor({ store, idSecret: null, feed });
    runtime = new RecommendationRuntime({ config: config(), store, feed, model: { model, itemIds: ds.items } });
    await runtime.start();
    for (let u = 0; u < userCount(ds); u++) {
      const seq = userSequence(ds, u);
      const history = Array.from(seq.items, (i, k): HistoryEvent => ({
        itemId: ds.items[i],
        type: EVENT_TYPES[seq.types[k]],
        timestamp: seq.timestampsMs[k],
      }));
      const c = clusterOf(history[0].itemId);
      shoppers.set(c, [...(shoppers.get(c) ?? []), sessionProfile(history, false)]);
    }
  });
  afterAll(async () => {
    await runtime?.stop();
    await store?.close();
  });

  /** The ranked candidates of one request, as the pipeline gathers them. */
  const candidates = (rt: RecommendationRuntime, profile: Profile): CandidateRow[] => {
    const snap = rt.snapshot;
    const historyIndex = Int32Array.from(profile.history, (e) => snap.items.indexOf.get(e.itemId) ?? -1);
    const rules = buildRules({ table: snap.items, profile, exclude: [] });
    const live = new LiveLists(snap.items, { newItemDays: 14, maxStaleMs: 0 });
    const input = { snap, live, profile, rules, historyIndex, perSource: PER_SOURCE, explorationCategories: 0, rng: createRng(1) };
    return rankCandidates(gatherCandidates(input), snap.items, true);
  };
  /** For each shopper of a category: the item's candidate row, or undefined when it is not a candidate. */
  const rowsOf = (itemId: string, cluster: number, rt = runtime): Array<CandidateRow | undefined> => {
    const index = rt.snapshot.items.find(itemId);
    return shoppers.get(cluster)!.map((p) => candidates(rt, p).find((r) => r.index === index));
  };
  const share = (rows: Array<CandidateRow | undefined>): number => rows.filter((r) => r !== undefined).length / rows.length;
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  /** A shopper who has bought every item of a category but the last two. */
  const loyalBuyer = (cluster: number): Profile =>
    sessionProfile(
      Array.from({ length: CLUSTER_SIZE - 2 }, (_, k) => ({
        itemId: `i${cluster * CLUSTER_SIZE + k}`,
        type: 'purchase',
        timestamp: LONG_AGO + k,
      })),
      false,
    );
  const slate = (profile: Profile): string[] =>
    runtime.serve(profile, { count: 5, exploreWeight: 0, exclude: [] }).items.map((i) => i.itemId);

  it("a new item in category C0 enters the shortlist of C0's shoppers on its attribute score, and their slates; not C1's", async () => {
    expect(shoppers.get(0)!.length).toBe(100);
    await ingestor.putItems([{ id: 'fresh', title: 'Fresh', categoryPath: ['Shop', 'C0'], createdAt: LONG_AGO }]);
    const snap = runtime.snapshot;
    expect(snap.items.find('fresh')).toBeGreaterThanOrEqual(snap.nModelItems);

    // Neither new, trending nor co-visited: only the model can propose it.
    const zero = rowsOf('fresh', 0);
    const one = rowsOf('fresh', 1);
    expect(share(zero)).toBeGreaterThan(0.9);
    expect(share(one)).toBeLessThan(0.1);
    for (const r of zero) if (r) expect(Number.isFinite(r.model) && r.covisit === 0 && r.trend === 0 && !r.isNew).toBe(true);
    // Its attribute score, the same for the other category's shoppers, is far lower for them.
    const h = (p: Profile) =>
      model.userVector({
        items: Int32Array.from(p.history, (e) => ds.items.indexOf(e.itemId)),
        types: Uint8Array.from(p.history, (e) => EVENT_TYPES.indexOf(e.type)),
        timestampsMs: Float64Array.from(p.history, (e) => e.timestamp),
      });
    const vector = snap.cold!.vectorOf(snap.items.find('fresh')!)!;
    const score = (p: Profile) => h(p).reduce((s, x, d) => s + x * vector[d], 0);
    expect(mean(shoppers.get(0)!.map(score))).toBeGreaterThan(mean(shoppers.get(1)!.map(score)) + 1);
    for (const r of zero) if (r) expect(r.model).toBeGreaterThan(0);

    // In the slate of a shopper who has bought most of C0; not in that of one who has bought most of C1.
    expect(slate(loyalBuyer(0))).toContain('fresh');
    expect(slate(loyalBuyer(1))).not.toContain('fresh');
  });

  it("uses the names the training dataset gave the category's attributes", () => {
    const snap = runtime.snapshot;
    const names = itemAttributeNames({ categoryPath: ['Shop', 'C0'] });
    for (const name of names) expect(ds.attributeNames).toContain(name);
    expect(snap.cold!.vectorOf(snap.items.find('fresh')!)).toEqual(model.coldItemVectors!([names]));
  });

  it('gives no model score to an item whose category the model does not know, nor to one without a category', async () => {
    // Created now: the new-items list proposes them to everyone.
    await ingestor.putItems([
      { id: 'odd', title: 'Odd', categoryPath: ['Elsewhere', 'Else'] },
      { id: 'bare', title: 'Bare', categoryPath: [] },
    ]);
    const snap = runtime.snapshot;
    for (const id of ['odd', 'bare']) {
      expect(snap.cold!.vectorOf(snap.items.find(id)!)).toBeNull();
      const rows = rowsOf(id, 0);
      expect(share(rows)).toBe(1);
      for (const r of rows) expect(r!.isNew && Number.isNaN(r!.model)).toBe(true);
    }
  });

  it('follows catalogue changes while serving: a new category, out of stock, back in stock', async () => {
    await ingestor.putItems([{ id: 'moving', title: 'Moving', categoryPath: ['Shop', 'C0'], createdAt: LONG_AGO }]);
    const count = runtime.snapshot.cold!.count;
    expect(share(rowsOf('moving', 0))).toBeGreaterThan(0.9);
    await ingestor.patchItem('moving', { categoryPath: ['Shop', 'C1'] });
    expect(share(rowsOf('moving', 0))).toBeLessThan(0.1);
    expect(share(rowsOf('moving', 1))).toBeGreaterThan(0.9);
    await ingestor.patchItem('moving', { available: false });
    expect(runtime.snapshot.cold!.count).toBe(count - 1);
    expect(share(rowsOf('moving', 1))).toBe(0);
    await ingestor.patchItem('moving', { available: true });
    expect(share(rowsOf('moving', 1))).toBeGreaterThan(0.9);
    await ingestor.deleteItem('moving');
    expect(runtime.snapshot.cold!.count).toBe(count - 1);
  });

  it("leaves the model's scores of its own items as scoreAll gives them", () => {
    const snap = runtime.snapshot;
    expect(snap.cold!.count).toBeGreaterThan(0);
    for (const p of [shoppers.get(0)![0], shoppers.get(2)![3]]) {
      const all = model.scoreAll({
        items: Int32Array.from(p.history, (e) => ds.items.indexOf(e.itemId)),
        types: Uint8Array.from(p.history, (e) => EVENT_TYPES.indexOf(e.type)),
        timestampsMs: Float64Array.from(p.history, (e) => e.timestamp),
      });
      const own = candidates(runtime, p).filter((r) => r.index < snap.nModelItems);
      expect(own.length).toBeGreaterThan(PER_SOURCE);
      for (const r of own) expect(r.model).toBe(all[r.index]);
    }
  });

  it('scores cold items next to the HNSW index as well', async () => {
    const ann = new RecommendationRuntime({ config: config(1), store, feed, model: { model, itemIds: ds.items } });
    await ann.start();
    try {
      expect(ann.snapshot.ann).not.toBeNull();
      expect(share(rowsOf('fresh', 0, ann))).toBeGreaterThan(0.9);
      expect(share(rowsOf('fresh', 1, ann))).toBeLessThan(0.1);
      expect(rowsOf('fresh', 0, ann).map((r) => r?.model)).toEqual(rowsOf('fresh', 0).map((r) => r?.model));
    } finally {
      await ann.stop();
    }
  });
});
