import { yieldToLoop, type Config, type EventWeights } from '../core/index.js';
import type { SequenceDataset } from '../data/index.js';
import {
  BestK,
  forgetUserRow,
  holdsUserRows,
  isSequentialRecommender,
  topK,
  type Recommender,
  type SequentialRecommender,
} from '../models/index.js';
import type { Store } from '../store/index.js';
import { obtainAnnIndex, type AnnMemo } from './ann-cache.js';
import type { AnnIndex } from './ann-index.js';
import { categoryPairs } from './category-pairs.js';
import { coldItemsFor, type ColdItems } from './cold-items.js';
import type { CategoryCooccurrence } from '../explore/index.js';
import { emptyNeighbours, renumberNeighbours, type NeighbourLists } from './covisit.js';
import { boughtTogetherLists, popularityOnTable, similarLists, type ServingLists } from './serving-lists.js';
import { ItemTable, NO_CATEGORY } from './item-table.js';
import { UserVectorCache, type UserVectorCaches } from './user-vectors.js';
import type { ProvidedModel } from './model-source.js';
import type { ItemRelease } from './published-counts.js';

/** Items kept per category for the exploration pool and the "popular in" lists. */
const POPULAR_PER_CATEGORY = 20;
const POPULAR_OVERALL = 200;

/** Everything a request reads, built together and swapped in at once on each refresh. */
export interface ServingSnapshot {
  model: Recommender | null;
  /** Table indexes below this are the model's item indexes. */
  nModelItems: number;
  /** Stored user id → the model's user row, for models with the `user-embedding` capability. */
  userRows: ReadonlyMap<string, number> | null;
  items: ItemTable;
  /** Co-visitation within a few events of any behaviour ("similar"), and of carts/purchases ("bought together"). */
  similar: NeighbourLists;
  boughtTogether: NeighbourLists;
  /** Behaviour-weighted event counts at build time, by table index (shorter than the table when items were added since). */
  popularity: Float32Array;
  popularOverall: Int32Array;
  popularByCategory: Int32Array[];
  /**
   * The popular lists as they may be published (the trending list's top-up, "popular in" top-ups): without
   * items under `privacy.minGroupSize` users, ranked by noised audiences under `privacy.epsilon`; the same
   * lists as above when neither is set. Candidate generation keeps the lists above.
   */
  listedPopular: Int32Array;
  listedPopularByCategory: Int32Array[];
  /** Approximate search over the model's item embeddings, for catalogues of `serving.annMinItems` or more. */
  ann: { model: SequentialRecommender; index: AnnIndex } | null;
  /** Vectors of the items added after the model was trained, for models that score them from their attributes; else null. */
  cold: ColdItems | null;
  /** Categories shoppers hold together (the interest frontier's exploration pool); null when unknown. */
  cooccurrence: CategoryCooccurrence | null;
  /** The sequential model's user vectors by state (`serving.userVectorCache`); null for other models. */
  userVectors: UserVectorCache | null;
  /** Reused by every request for the model's scores (requests score synchronously, one at a time). */
  scratch: Float32Array;
  builtAtMs: number;
  info: {
    modelId: string | null;
    versionId: string | null;
    source: 'fitted' | 'loaded' | 'none';
    events: number;
    users: number;
    buildSeconds: number;
  };
}

export interface BuildSnapshotOptions {
  store: Store;
  serving: Config['serving'];
  eventWeights: EventWeights;
  seed: number;
  /** The store's events (null while there are none): co-visitation, popularity and trends come from them. */
  dataset: SequenceDataset | null;
  /** The model to serve (see model-source.ts: fitted, loaded or given); null serves popularity only. */
  served: ProvidedModel | null;
  /**
   * The previous build's ANN index, kept by the caller across refreshes: a model with the same item
   * embeddings (a refit that changed nothing, the same artifact reloaded) reuses the graph.
   */
  annMemo?: AnnMemo;
  /** The user-vector caches of the models served before, kept by the caller across builds and swaps. */
  vectorCaches?: UserVectorCaches;
  /** Where a failed index load or save is reported; default console.warn. */
  warn?: (message: string, error: unknown) => void;
  /** Where a new HNSW graph is built (see obtainAnnIndex); default a thread of its own. */
  annBuild?: 'thread' | 'here';
  /** Co-visitation pairs made by fewer users are left out of "similar" and "bought together" (`privacy.minGroupSize`); default 1. */
  minGroupSize?: number;
}

type AnnOptions = Pick<BuildSnapshotOptions, 'serving' | 'seed' | 'annMemo' | 'vectorCaches' | 'warn' | 'annBuild'>;

/** The dataset with item indexes renumbered to the table's (which may start with a loaded model's items). */
function onTable(ds: SequenceDataset, table: ItemTable): SequenceDataset {
  const map = Int32Array.from(ds.items, (id) => table.ensure(id));
  return { ...ds, items: table.ids.slice(), itemIdx: ds.itemIdx.map((i) => map[i]) };
}

function popularLists(
  table: ItemTable,
  pop: Float32Array,
  release: ItemRelease | null = null,
): { overall: Int32Array; byCategory: Int32Array[] } {
  let hidden = table.unavailable;
  let ranking = pop;
  const published = release?.popular;
  if (published) {
    // Items under k users are never popular; under ε the noised audience ranks (the exact popularity would undo the noise).
    hidden = table.unavailable.slice();
    for (let i = 0; i < table.size; i++) if (!published.allowed.has(table.ids[i])) hidden[i] = 1;
    if (published.ranked) {
      ranking = new Float32Array(table.size);
      for (const { item, count } of published.ranked) {
        const i = table.find(item);
        if (i !== undefined) ranking[i] = count;
      }
    }
  }
  const overall = topK(ranking, POPULAR_OVERALL, hidden);
  // A bounded heap per category in one pass, not a sort of every category's items: a swap or a rebuild runs this
  // on the request thread, and only the first few of each category are kept.
  const best = table.categories.map(() => new BestK(POPULAR_PER_CATEGORY));
  for (let i = 0; i < table.size; i++) {
    if (table.category[i] !== NO_CATEGORY && hidden[i] === 0) best[table.category[i]].offer(i, i < ranking.length ? ranking[i] : 0);
  }
  const byCategory = best.map((b) => b.sorted());
  return { overall, byCategory };
}

/**
 * An HNSW index over an embedding model's items when its catalogue is large enough (`serving.annMinItems`):
 * reused from the previous snapshot, else loaded from `<serving.modelPath>.hnsw` when that file was built
 * from the same embeddings and settings, else built (and saved there when a model path is set).
 */
async function annFor(model: Recommender | null, options: AnnOptions): Promise<ServingSnapshot['ann']> {
  const { serving } = options;
  if (!model || !isSequentialRecommender(model) || serving.annMinItems === 0 || model.nItems < serving.annMinItems) return null;
  const { index } = await obtainAnnIndex({
    embeddings: model.itemEmbeddings(),
    dim: model.embeddingDim,
    params: { seed: options.seed },
    path: serving.modelPath ? `${serving.modelPath}.hnsw` : undefined,
    memo: options.annMemo ?? {},
    build: options.annBuild,
    warn: options.warn ?? ((message, error) => console.warn(`curio: ${message}:`, error)),
  });
  return { model, index };
}

/**
 * Builds a snapshot around the model it is given: the catalogue table (the model's items first),
 * co-visitation lists and popularity from the dataset. It fits nothing itself.
 */
export async function buildSnapshot(options: BuildSnapshotOptions): Promise<ServingSnapshot> {
  const started = performance.now();
  const serving = options.serving;
  const table = new ItemTable(serving.trendingHalfLifeHours * 3_600_000);
  const { dataset: raw, served } = options;
  for (const id of served?.itemIds ?? []) table.ensure(id);
  const ds = raw ? onTable(raw, table) : null;
  for await (const item of options.store.scanItems()) table.upsert(item);
  const n = table.size;
  const lists = !ds ? served?.lists : undefined;
  if (lists) seedTrends(table, lists);
  const similar = ds ? similarLists(ds, options.minGroupSize) : (lists?.similar ?? emptyNeighbours(n));
  const boughtTogether = ds ? boughtTogetherLists(ds, options.minGroupSize) : (lists?.boughtTogether ?? emptyNeighbours(n));
  const popularity = lists ? padded(lists.popularity, n) : popularityOnTable(ds, n, options.eventWeights, table);
  return assemble({
    served,
    serving,
    table,
    similar,
    boughtTogether,
    popularity,
    ann: await annFor(served?.model ?? null, options),
    events: raw?.itemIdx.length ?? lists?.events ?? 0,
    users: raw ? raw.offsets.length - 1 : (lists?.users ?? 0),
    started,
    vectorCaches: options.vectorCaches,
    cooccurrence: ds ? categoryPairs(ds, table) : null,
  });
}

/** The version's trending counters on the table's first items (the model's), where nothing newer is known. */
function seedTrends(table: ItemTable, lists: ServingLists): void {
  if (table.trendRefMs !== 0) return;
  table.trendRefMs = lists.trendRefMs;
  table.trend.set(lists.trend.subarray(0, Math.min(lists.trend.length, table.size)));
}

function padded(a: Float32Array, n: number): Float32Array {
  if (a.length >= n) return a;
  const out = new Float32Array(n);
  out.set(a);
  return out;
}

/**
 * The snapshot with another model and everything else kept: the catalogue, co-visitation and popularity
 * are renumbered so that the model's items come first. It reads neither the store nor the events, so a
 * promotion or a rollback takes effect at once; the next scheduled build recomputes the rest.
 */
export async function withModel(prev: ServingSnapshot, served: ProvidedModel | null, options: AnnOptions): Promise<ServingSnapshot> {
  const started = performance.now();
  // Every step runs on the request thread, so they hand it back between them (a swap's changes to the live
  // table meanwhile are replayed by the caller).
  const { table, from } = await prev.items.reordered(served?.itemIds ?? []);
  await yieldToLoop();
  const to = new Int32Array(prev.items.size).fill(-1);
  from.forEach((old, j) => {
    if (old >= 0) to[old] = j;
  });
  const lists = served?.lists;
  if (lists) {
    // The version's own lists (computed with it); the live trending counters carried over from prev stay.
    seedTrends(table, lists);
    return assemble({
      served,
      serving: options.serving,
      table,
      similar: lists.similar,
      boughtTogether: lists.boughtTogether,
      popularity: padded(lists.popularity, table.size),
      ann: await annFor(served.model, options),
      events: lists.events,
      users: lists.users,
      started,
      vectorCaches: options.vectorCaches,
      cooccurrence: prev.cooccurrence,
    });
  }
  const popularity = new Float32Array(table.size);
  from.forEach((old, j) => {
    if (old >= 0 && old < prev.popularity.length) popularity[j] = prev.popularity[old];
  });
  const similar = renumberNeighbours(prev.similar, from, to);
  await yieldToLoop();
  const boughtTogether = renumberNeighbours(prev.boughtTogether, from, to);
  await yieldToLoop();
  return assemble({
    served,
    serving: options.serving,
    table,
    similar,
    boughtTogether,
    popularity,
    ann: await annFor(served?.model ?? null, options),
    events: prev.info.events,
    users: prev.info.users,
    started,
    vectorCaches: options.vectorCaches,
    cooccurrence: prev.cooccurrence,
  });
}

interface SnapshotParts {
  served: ProvidedModel | null;
  serving: Config['serving'];
  table: ItemTable;
  similar: NeighbourLists;
  boughtTogether: NeighbourLists;
  popularity: Float32Array;
  ann: ServingSnapshot['ann'];
  events: number;
  users: number;
  started: number;
  vectorCaches?: UserVectorCaches;
  cooccurrence: CategoryCooccurrence | null;
}

/** The snapshot from its parts, handing the thread back between the costlier steps (see withModel). */
async function assemble(p: SnapshotParts): Promise<ServingSnapshot> {
  const { served, table } = p;
  const model = served?.model ?? null;
  await yieldToLoop();
  const popular = popularLists(table, p.popularity);
  await yieldToLoop();
  const userIds = model !== null && holdsUserRows(model) ? served?.userIds : undefined;
  const userRows = userIds ? new Map(userIds.map((u, row) => [u, row])) : null;
  await yieldToLoop();
  const cold = coldItemsFor(model, model?.nItems ?? 0, table);
  await yieldToLoop();
  return {
    model,
    nModelItems: model?.nItems ?? 0,
    userRows,
    userVectors:
      model && isSequentialRecommender(model)
        ? (p.vectorCaches?.cacheFor(model, served?.versionId, p.serving.userVectorCache) ??
          new UserVectorCache(model, p.serving.userVectorCache))
        : null,
    items: table,
    similar: p.similar,
    boughtTogether: p.boughtTogether,
    popularity: p.popularity,
    popularOverall: popular.overall,
    popularByCategory: popular.byCategory,
    listedPopular: popular.overall,
    listedPopularByCategory: popular.byCategory,
    ann: p.ann,
    cold,
    cooccurrence: p.cooccurrence,
    // Sparse models read the prior from the scratch between requests (see modelCandidates).
    scratch: model?.sparse ? Float32Array.from(model.sparse.prior) : new Float32Array(model?.nItems ?? 0),
    builtAtMs: Date.now(),
    info: {
      modelId: model?.id ?? null,
      versionId: served?.versionId ?? null,
      source: served?.source ?? 'none',
      events: p.events,
      users: p.users,
      buildSeconds: (performance.now() - p.started) / 1000,
    },
  };
}

/**
 * The snapshot with its popular lists as they may be published under a release of the item counts (none:
 * as built): items under `privacy.minGroupSize` users left out, ranked by the noised audience under ε.
 */
export function withPublishedPopular(snap: ServingSnapshot, release: ItemRelease | null): ServingSnapshot {
  if (!release) return snap;
  const popular = popularLists(snap.items, snap.popularity, release);
  return { ...snap, listedPopular: popular.overall, listedPopularByCategory: popular.byCategory };
}

/**
 * The snapshot without a stored user: their row of a `user-embedding` model is zeroed in the model itself
 * (forgetUserRow) and their id leaves `userRows`, so they are served as a stranger from their events alone.
 */
export function withoutUser(snap: ServingSnapshot, storedUserId: string): ServingSnapshot {
  const row = snap.userRows?.get(storedUserId);
  if (row === undefined || !snap.userRows) return snap;
  if (snap.model) forgetUserRow(snap.model, row);
  const userRows = new Map(snap.userRows);
  userRows.delete(storedUserId);
  return { ...snap, userRows };
}

/** A snapshot with no model and no items, served until the first build finishes. */
export function emptySnapshot(serving: Config['serving']): ServingSnapshot {
  return {
    model: null,
    nModelItems: 0,
    userRows: null,
    items: new ItemTable(serving.trendingHalfLifeHours * 3_600_000),
    similar: emptyNeighbours(0),
    boughtTogether: emptyNeighbours(0),
    popularity: new Float32Array(0),
    popularOverall: new Int32Array(0),
    popularByCategory: [],
    listedPopular: new Int32Array(0),
    listedPopularByCategory: [],
    ann: null,
    cold: null,
    cooccurrence: null,
    userVectors: null,
    scratch: new Float32Array(0),
    builtAtMs: Date.now(),
    info: { modelId: null, versionId: null, source: 'none', events: 0, users: 0, buildSeconds: 0 },
  };
}
