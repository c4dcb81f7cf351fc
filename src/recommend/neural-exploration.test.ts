// The uncertainty-driven exploration path through the serving runtime: the policy reads the shopper's user
// vector from curio-seq, its feedback comes back along the same vector, the exploration pool comes from
// the interest frontier, and the explore weight follows the shopper's need.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, loadConfig, type Config, type Event, type Item } from '../core/index.js';
import { datasetFromStore } from '../data/index.js';
import { Ingestor } from '../ingest/index.js';
import { curioSeqModel } from '../models/curio-seq.js';
import { isSequentialRecommender, type SequentialRecommender } from '../models/index.js';
import { LocalChangeFeed, openStore, type Store } from '../store/index.js';
import { gatherCandidates } from './candidates.js';
import type { HistoryEvent } from './history.js';
import { savedBeliefs, type AppealPosteriorJson } from '../explore/index.js';
import { LiveLists } from './live-lists.js';
import { sessionProfile, type Profile } from './profile.js';
import { buildRules } from './rules.js';
import { RecommendationRuntime } from './runtime.js';

const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);

/**
 * Shoppers of C0 also hold C1 (and never C2 or C3); shoppers of C2 also hold C3. Items i0..i79, 20 per
 * category, all old.
 */
function pairedShop(): { items: Item[]; events: Event[] } {
  const rng = createRng(11);
  const events: Event[] = [];
  for (let u = 0; u < 200; u++) {
    const [a, b] = u % 2 === 0 ? [0, 1] : [2, 3];
    for (let t = 0; t < 10; t++) {
      const c = t % 2 === 0 ? a : b;
      const itemId = `i${c * 20 + rng.int(20)}`;
      events.push({
        id: `e${u}-${t}`,
        userId: `u${u}`,
        itemId,
        type: t % 5 === 4 ? 'purchase' : 'view',
        value: null,
        timestamp: START + u * 60_000 + t * DAY,
        sessionId: null,
        context: {},
      });
    }
  }
  const items = Array.from({ length: 80 }, (_, i): Item => ({
    id: `i${i}`,
    title: `i${i}`,
    description: '',
    categoryPath: ['Shop', `C${Math.floor(i / 20)}`],
    tags: [],
    brand: null,
    price: 1,
    attributes: {},
    available: true,
    createdAt: START - 365 * DAY,
  }));
  return { items, events };
}

/** An event maker for one shopper, stamped now. */
const eventsOf =
  (userId: string) =>
  (id: string, itemId: string, type: Event['type'], context: Event['context'] = {}): Event => ({
    id,
    userId,
    itemId,
    type,
    value: null,
    timestamp: Date.now(),
    sessionId: null,
    context,
  });

function config(overrides: Record<string, unknown> = {}): Config {
  return loadConfig({
    env: { CURIO_LOG_LEVEL: 'silent' },
    overrides: {
      'serving.policy': 'neural-thompson',
      'serving.seed': 3,
      'serving.exploreWeight': 0.3,
      'serving.refreshIntervalSeconds': 0,
      'serving.policySaveSeconds': 0,
      'serving.impressionFlushMs': 0,
      ...overrides,
    },
  });
}

describe('uncertainty-driven exploration in serving', () => {
  let store: Store;
  let feed: LocalChangeFeed;
  let ingestor: Ingestor;
  let model: SequentialRecommender;
  let itemIds: readonly string[];
  const runtimes: RecommendationRuntime[] = [];

  const start = async (overrides: Record<string, unknown> = {}): Promise<RecommendationRuntime> => {
    const rt = new RecommendationRuntime({
      config: config(overrides),
      store,
      feed,
      model: { model, itemIds },
      logEvents: (events, write) => ingestor.appendEvents(events, write),
    });
    await rt.start();
    runtimes.push(rt);
    return rt;
  };
  const c0Shopper = (events: number): Profile =>
    sessionProfile(
      Array.from({ length: events }, (_, k): HistoryEvent => ({ itemId: `i${k % 20}`, type: 'view', timestamp: START + k })),
      false,
    );

  beforeAll(async () => {
    const shop = pairedShop();
    store = await openStore('sqlite::memory:');
    await store.upsertItems(shop.items);
    await store.appendEvents(shop.events);
    const ds = await datasetFromStore(store, { withCategories: true });
    const fitted = await curioSeqModel.fit(ds, { ...curioSeqModel.testParams, attributes: true }, { seed: 3 });
    if (!isSequentialRecommender(fitted)) throw new Error('curio-seq has no item embeddings');
    model = fitted;
    itemIds = ds.items;
    feed = new LocalChangeFeed();
    ingestor = new Ingestor({ store, idSecret: null, feed });
  });
  afterAll(async () => {
    for (const rt of runtimes) await rt.stop();
    await store?.close();
  });

  it("hands the policy the shopper's user vector and each candidate's uncertainty; other policies get neither", async () => {
    const rt = await start();
    const result = rt.serve(c0Shopper(6), { count: 5, exploreWeight: 0.3, exclude: [] });
    expect(result.state).toBeInstanceOf(Float32Array);
    expect(result.state!.length).toBe(model.embeddingDim);
    expect(result.candidates.every((c) => typeof c.uncertainty === 'number' && c.uncertainty > 0 && c.uncertainty <= 1)).toBe(true);
    const greedy = await start({ 'serving.policy': 'greedy' });
    const plain = greedy.serve(c0Shopper(6), { count: 5, exploreWeight: 0.3, exclude: [] });
    expect(plain.state).toBeNull();
    expect(plain.candidates.some((c) => c.uncertainty !== undefined)).toBe(false);
  });

  it('learns from an impression and its click along the user vector the slate was chosen with', async () => {
    const rt = await start();
    const event = eventsOf('shopper');
    await ingestor.appendEvents([event('h1', 'i3', 'view')]);
    const rec = await rt.forUser({ rawId: 'shopper', storedId: 'shopper' }, { count: 5, exploreWeight: 0.3, exclude: [] });
    await rt.flushImpressions();
    const clicked = rec.items[0].itemId;
    await ingestor.appendEvents([event('c1', clicked, 'click', { recommendationId: rec.recommendationId, position: 0 })]);
    const state = rt.policy.save().state as AppealPosteriorJson;
    const beliefs = new Map(savedBeliefs(state));
    // Each belief holds means and variances over [1, user vector]: the slate's context reached the update.
    expect(state.dimension).toBe(model.embeddingDim);
    expect(beliefs.get(clicked)?.mean).toHaveLength(model.embeddingDim + 1);
    expect(beliefs.size).toBe(rec.items.length);
  });

  it('measures the shopper × item effect from a pair shown again, keeping only sums (no ids) in its state', async () => {
    // Without the no-repeat rule, so the next slate shows the same items to the same shopper again.
    const rt = await start({ 'serving.noRepeatImpressions': 0 });
    const event = eventsOf('again');
    await ingestor.appendEvents([event('a1', 'i7', 'view')]);
    const shopper = { rawId: 'again', storedId: 'again' };
    const request = { count: 5, exploreWeight: 0, exclude: [] };
    const first = await rt.forUser(shopper, request);
    await rt.flushImpressions();
    const clicked = first.items[0].itemId;
    await ingestor.appendEvents([event('a2', clicked, 'click', { recommendationId: first.recommendationId, position: 0 })]);
    const second = await rt.forUser(shopper, request);
    await rt.flushImpressions();
    const repeated = second.items.filter((x) => first.items.some((y) => y.itemId === x.itemId));
    expect(repeated.map((x) => x.itemId)).toContain(clicked);
    await ingestor.appendEvents([
      event('a3', clicked, 'click', {
        recommendationId: second.recommendationId,
        position: second.items.findIndex((x) => x.itemId === clicked),
      }),
    ]);
    const state = rt.policy.save().state as { misfit: { products: number; slopes: number; pairs: number } };
    // Each repeated pair adds −q̂₁q̂₂; the clicked one, taken both times, adds 1 more.
    expect(state.misfit.pairs).toBe(repeated.length);
    expect(state.misfit.products).toBeGreaterThan(1 - repeated.length);
    expect(state.misfit.products).toBeLessThan(1);
    expect(state.misfit.slopes).toBeGreaterThan(0);
    expect(JSON.stringify(state)).not.toContain('again');
  });

  it("explores a C0 shopper's frontier (C1, which C0 shoppers hold) rather than random categories", async () => {
    const rt = await start();
    const snap = rt.snapshot;
    const profile = c0Shopper(8);
    const pool = (explorationPool: 'frontier' | 'random', seed: number): string[] => {
      const historyIndex = Int32Array.from(profile.history, (e) => snap.items.indexOf.get(e.itemId) ?? -1);
      const rows = gatherCandidates({
        snap,
        live: new LiveLists(snap.items, { newItemDays: 14, maxStaleMs: 0 }),
        profile,
        rules: buildRules({ table: snap.items, profile, exclude: [] }),
        historyIndex,
        perSource: 5,
        explorationCategories: 1,
        explorationPool,
        rng: createRng(seed),
      });
      return rows.filter((r) => r.pool).map((r) => snap.items.categoryOf(r.index) as string);
    };
    for (let seed = 0; seed < 5; seed++) expect(new Set(pool('frontier', seed))).toEqual(new Set(['Shop > C1']));
    const random = new Set(Array.from({ length: 20 }, (_, seed) => pool('random', seed)).flat());
    expect(random.has('Shop > C2') || random.has('Shop > C3')).toBe(true);
  });

  it("gives a new shopper more of the deployment's explore weight than a settled one, and a request's own weight as it is", async () => {
    const rt = await start();
    const ask = (events: number, adaptive: boolean) =>
      rt.serve(c0Shopper(events), { count: 5, exploreWeight: 0.3, adaptive, exclude: [] }).exploreWeight;
    for (let k = 0; k < 50; k++) ask(k % 2 === 0 ? 1 : 60, true);
    expect(ask(1, true)).toBeGreaterThan(1.5 * ask(60, true));
    expect(ask(1, false)).toBe(0.3);
  });
});
