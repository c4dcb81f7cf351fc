/**
 * One simulated shop for the exploration bench: the catalogue with a share of items that arrive during the
 * rounds (held out of the training period), the large model (curio-seq) trained on the first days, every
 * item's output vector (cold items from their category path), training counts, and which categories
 * shoppers hold together.
 */
import { createRng, type Event, type Item } from '../../src/core/index.js';
import { createSequenceBuilder, itemAttributeNames, type SequenceDataset } from '../../src/data/index.js';
import { createShop, type Shop } from '../../src/eval/index.js';
import { CategoryCooccurrence } from '../../src/explore/index.js';
import { getModelSpec, type SequentialRecommender } from '../../src/models/index.js';

export const DAY_MS = 86_400_000;

export interface BenchShape {
  users: number;
  items: number;
  rounds: number;
  trainDays: number;
  /** Share of the catalogue that arrives during the rounds. */
  arrivingShare: number;
  driftRatePerDay: number;
  sessionsPerUserPerDay: number;
  /** curio-seq params for the bench's model (a fixed epoch budget keeps ten shops affordable). */
  modelParams: Record<string, unknown>;
}

/** The shop bench:explore measures on (its command-line flags override users, items, rounds and epochs). */
export const EXPLORE_SHAPE: BenchShape = {
  users: 2000,
  items: 5000,
  rounds: 60,
  trainDays: 30,
  arrivingShare: 0.15,
  driftRatePerDay: 0.08,
  sessionsPerUserPerDay: 0.4,
  // One block of 32: a forward pass per shopper per day for 12 shops × 23 runs has to fit on two cores.
  modelParams: { dim: 32, blocks: 1, epochs: 8 },
};

/** A shopper's history as the model reads it. */
export interface History {
  items: number[];
  types: number[];
  times: number[];
}

export interface BenchShop {
  seed: number;
  shop: Shop;
  shape: BenchShape;
  trainEnd: number;
  /** Category key ("Top > Sub") per shop item index. */
  category: string[];
  /** Round from which each item is on sale (0 for items there from the start). */
  arrivalRound: Int32Array;
  /** Training interactions per item. */
  trainCount: Float64Array;
  /** Output vectors per shop item, row-major [items, dim]: the model's row, or its category path's for items it never saw. */
  vectors: Float32Array;
  dim: number;
  model: SequentialRecommender;
  /** Shop item index → the model's item index (−1 for items it never saw). */
  modelIndex: Int32Array;
  histories: History[];
  /** Categories each shopper showed in training. */
  trainedCategories: Array<Set<string>>;
  cooccurrence: CategoryCooccurrence;
  /** Training events per shopper, for the interest profiles. */
  trainingEvents: Event[][];
  trainSeconds: number;
}

const TYPES_KEPT = new Set(['view', 'click', 'cart', 'favorite', 'purchase', 'review', 'rating']);

export async function setupShop(seed: number, shape: BenchShape, log: (line: string) => void): Promise<BenchShop> {
  const shop = createShop({
    seed,
    users: shape.users,
    items: shape.items,
    days: shape.trainDays + shape.rounds,
    driftRatePerDay: shape.driftRatePerDay,
    sessionsPerUserPerDay: shape.sessionsPerUserPerDay,
  });
  const trainEnd = shop.options.startTime + shape.trainDays * DAY_MS;
  const index = new Map(shop.items.map((it, i) => [it.id, i]));
  const category = shop.items.map((it) => it.categoryPath.join(' > '));
  const rng = createRng(seed * 7 + 1);
  const arrivalRound = new Int32Array(shop.items.length);
  for (let i = 0; i < arrivalRound.length; i++) if (rng.next() < shape.arrivingShare) arrivalRound[i] = 1 + rng.int(shape.rounds - 1);

  const userIndex = new Map(shop.users.map((u, k) => [u.id, k]));
  const builder = createSequenceBuilder();
  const trainCount = new Float64Array(shop.items.length);
  const trainingEvents: Event[][] = shop.users.map(() => []);
  const trainedCategories = shop.users.map(() => new Set<string>());
  for (const e of shop.events()) {
    if (e.timestamp >= trainEnd) break;
    if (e.itemId === null || !TYPES_KEPT.has(e.type)) continue;
    const i = index.get(e.itemId) as number;
    // Items that arrive later did not exist yet: their events are not in the shop's past.
    if (arrivalRound[i] > 0) continue;
    const k = userIndex.get(e.userId) as number;
    builder.add(e.userId, e.itemId, e.type, e.timestamp);
    trainCount[i]++;
    trainingEvents[k].push(e);
    trainedCategories[k].add(category[i]);
  }
  const ds0 = builder.build();
  const attributeIds = new Map<string, number>();
  const attributesOf = (item: Item): Int32Array =>
    Int32Array.from(itemAttributeNames(item), (name) => {
      let id = attributeIds.get(name);
      if (id === undefined) attributeIds.set(name, (id = attributeIds.size));
      return id;
    });
  const ds: SequenceDataset = {
    ...ds0,
    itemAttributes: ds0.items.map((id) => attributesOf(shop.items[index.get(id) as number])),
    attributeNames: [...attributeIds.keys()],
  };
  const started = performance.now();
  const model = (await getModelSpec('curio-seq').fit(ds, shape.modelParams, {
    seed,
    onProgress: (r) => log(`shop ${seed}: epoch ${r.epoch}/${r.epochs} loss ${r.loss.toFixed(3)} ${r.seconds.toFixed(1)}s`),
  })) as SequentialRecommender;
  const trainSeconds = (performance.now() - started) / 1000;

  const dim = model.embeddingDim;
  const trained = model.itemEmbeddings();
  const modelIndex = new Int32Array(shop.items.length).fill(-1);
  ds.items.forEach((id, j) => (modelIndex[index.get(id) as number] = j));
  const coldItems = shop.items.flatMap((it, i) => (modelIndex[i] < 0 ? [i] : []));
  const cold = model.coldItemVectors?.(coldItems.map((i) => itemAttributeNames(shop.items[i]))) ?? new Float32Array(coldItems.length * dim);
  const vectors = new Float32Array(shop.items.length * dim);
  for (let i = 0; i < shop.items.length; i++)
    if (modelIndex[i] >= 0) vectors.set(trained.subarray(modelIndex[i] * dim, (modelIndex[i] + 1) * dim), i * dim);
  coldItems.forEach((i, c) => vectors.set(cold.subarray(c * dim, (c + 1) * dim), i * dim));

  const rowOf = new Map(ds.users.map((id, row) => [id, row]));
  const histories: History[] = shop.users.map((u) => {
    const h: History = { items: [], types: [], times: [] };
    const uRow = rowOf.get(u.id);
    if (uRow === undefined) return h;
    for (let p = ds.offsets[uRow]; p < ds.offsets[uRow + 1]; p++) {
      h.items.push(ds.itemIdx[p]);
      h.types.push(ds.types[p]);
      h.times.push(ds.timestampsMs[p]);
    }
    return h;
  });
  const cooccurrence = new CategoryCooccurrence();
  for (const set of trainedCategories) if (set.size > 0) cooccurrence.addShopper(set);
  return {
    seed,
    shop,
    shape,
    trainEnd,
    category,
    arrivalRound,
    trainCount,
    vectors,
    dim,
    model,
    modelIndex,
    histories,
    trainedCategories,
    cooccurrence,
    trainingEvents,
    trainSeconds,
  };
}
