// Cold start from pictures: shoppers follow a look within a category, which the category alone cannot
// tell apart; a new item with a picture (and no events) is scored through the projection of its look into
// the model's item space, and reaches the shoppers of its look rather than everyone in its category.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, EVENT_TYPES, loadConfig, type Event, type Item } from '../core/index.js';
import { createSequenceBuilder, datasetFromStore, userCount, userSequence } from '../data/index.js';
import { curioSeqModel } from '../models/curio-seq.js';
import { isSequentialRecommender, type SequentialRecommender } from '../models/index.js';
import { Ingestor } from '../ingest/index.js';
import { LocalChangeFeed, openStore, type Store } from '../store/index.js';
import type { ColdPictureSource } from './cold-items.js';
import { sessionProfile, type Profile } from './profile.js';
import { RecommendationRuntime } from './runtime.js';
import { datasetEvents } from '../../test/support/dataset-events.js';

const ITEMS = 40;
const LOOKS = 2;
const DIM = 8;
const LONG_AGO = Date.UTC(2023, 0, 1);
/** i0..i39, one category; item i has look i % 2. */
const lookOf = (itemId: string): number => Number(itemId.replace(/\D/g, '')) % LOOKS;

/** A visual embedding of a look: its own axis, with a little noise per item. */
function visual(look: number, seed: number): Float32Array {
  const rng = createRng(seed + 11);
  const v = Float32Array.from({ length: DIM }, () => 0.15 * (rng.next() - 0.5));
  v[look] += 1;
  return v;
}

class Pictures implements ColdPictureSource {
  version = 0;
  private readonly vectors = new Map<string, Float32Array>();
  set(itemId: string, vector: Float32Array): void {
    this.vectors.set(itemId, vector);
    this.version++;
  }
  visualOf(itemId: string): Float32Array | null {
    return this.vectors.get(itemId) ?? null;
  }
}

/** Shopper u views and buys items of look u % 2 only, all in the one category Shop > Tops. */
function lookShop(): { items: Item[]; events: Event[] } {
  const rng = createRng(5);
  const b = createSequenceBuilder();
  for (let u = 0; u < 300; u++) {
    for (let t = 0; t < 8; t++) {
      const itemId = `i${LOOKS * rng.int(ITEMS / LOOKS) + (u % LOOKS)}`;
      b.add(`u${u}`, itemId, t % 4 === 3 ? 'purchase' : 'view', Date.UTC(2024, 0, 1) + (u * 50 + t) * 3_600_000);
    }
  }
  const events = datasetEvents(b.build());
  const items = Array.from({ length: ITEMS }, (_, i) => item(`i${i}`));
  return { items, events };
}

function item(id: string): Item {
  return {
    id,
    title: id,
    description: '',
    categoryPath: ['Shop', 'Tops'],
    tags: [],
    brand: null,
    price: 1,
    attributes: {},
    available: true,
    createdAt: LONG_AGO,
  };
}

describe('cold items with a picture', () => {
  let store: Store;
  let ingestor: Ingestor;
  let runtime: RecommendationRuntime;
  let model: SequentialRecommender;
  const pictures = new Pictures();
  const byLook: Profile[][] = [[], []];

  beforeAll(async () => {
    const shop = lookShop();
    store = await openStore('sqlite::memory:');
    await store.upsertItems(shop.items);
    await store.appendEvents(shop.events);
    const ds = await datasetFromStore(store, { withCategories: true });
    const fitted = await curioSeqModel.fit(ds, { ...curioSeqModel.testParams, attributes: true }, { seed: 3 });
    if (!isSequentialRecommender(fitted)) throw new Error('curio-seq has no item embeddings');
    model = fitted;
    const feed = new LocalChangeFeed();
    ingestor = new Ingestor({ store, idSecret: null, feed });
    const config = loadConfig({
      env: { CURIO_LOG_LEVEL: 'silent' },
      overrides: {
        'serving.policy': 'greedy',
        'serving.seed': 7,
        'serving.exploreWeight': 0,
        'serving.annMinItems': 0,
        'serving.refreshIntervalSeconds': 0,
        'serving.policySaveSeconds': 0,
      },
    });
    runtime = new RecommendationRuntime({ config, store, feed, model: { model, itemIds: ds.items } });
    await runtime.start();
    ds.items.forEach((id, k) => pictures.set(id, visual(lookOf(id), k)));
    for (let u = 0; u < userCount(ds); u++) {
      const seq = userSequence(ds, u);
      const history = Array.from(seq.items, (i, k) => ({
        itemId: ds.items[i],
        type: EVENT_TYPES[seq.types[k]],
        timestamp: seq.timestampsMs[k],
      }));
      byLook[lookOf(history[0].itemId)].push(sessionProfile(history, false));
    }
    await ingestor.putItems([{ id: 'new-look-0', title: 'New', categoryPath: ['Shop', 'Tops'], createdAt: LONG_AGO }]);
  });
  afterAll(async () => {
    await runtime?.stop();
    await store?.close();
  });

  /**
   * Over the shoppers of a look: the share whose top 3 holds the new item when the known items of look 0
   * are excluded, so it competes with the items of look 1 (for look-1 shoppers: their own look's items).
   */
  const topThreeShare = (look: number): number => {
    const exclude = Array.from({ length: ITEMS / LOOKS }, (_, k) => `i${LOOKS * k}`);
    const shown = byLook[look].filter((p) =>
      runtime.serve(p, { count: 3, exploreWeight: 0, exclude }).items.some((i) => i.itemId === 'new-look-0'),
    );
    return shown.length / byLook[look].length;
  };
  /** Over the shoppers of a look: the mean share of the model's items the new item outscores for them. */
  const meanRank = (look: number): number => {
    const snap = runtime.snapshot;
    const vector = snap.cold!.vectorOf(snap.items.find('new-look-0')!)!;
    const items = model.itemEmbeddings();
    const dim = model.embeddingDim;
    const shares = byLook[look].map((p) => {
      const h = model.userVector({
        items: Int32Array.from(p.history, (e) => snap.items.find(e.itemId)!),
        types: Uint8Array.from(p.history, (e) => EVENT_TYPES.indexOf(e.type)),
        timestampsMs: Float64Array.from(p.history, (e) => e.timestamp),
      });
      const dot = (v: Float32Array, o: number) => h.reduce((acc, x, d) => acc + x * v[o + d], 0);
      const score = dot(vector, 0);
      let below = 0;
      for (let j = 0; j < model.nItems; j++) if (dot(items, j * dim) < score) below++;
      return below / model.nItems;
    });
    return shares.reduce((a, b) => a + b, 0) / shares.length;
  };

  it('reaches the shoppers of its look on day one, and not the others of its category', () => {
    runtime.usePictures(null);
    const cold = runtime.snapshot.cold!;
    const index = runtime.snapshot.items.find('new-look-0')!;
    // Attributes only: the category's vector, the same for both looks' shoppers to score.
    const byCategory = cold.vectorOf(index);
    expect(byCategory).not.toBeNull();
    const attributeGap = meanRank(0) - meanRank(1);

    runtime.usePictures(pictures);
    pictures.set('new-look-0', visual(0, 999));
    expect(cold.vectorOf(index)).not.toEqual(byCategory);
    const pictureGap = meanRank(0) - meanRank(1);
    expect(pictureGap).toBeGreaterThan(0.4);
    expect(Math.abs(attributeGap)).toBeLessThan(0.2);
    const shown = [topThreeShare(0), topThreeShare(1)];
    expect(shown[0]).toBeGreaterThan(0.8);
    expect(shown[1]).toBeLessThan(0.2);
  });
});
