// The runtime over the change feed: its own impressions applied once and in time, other writers' changes
// applied from the feed, and a second runtime on the same feed (the shape of a second serving node).
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../core/index.js';
import { Ingestor } from '../ingest/index.js';
import { LocalChangeFeed, openStore, type Store } from '../store/index.js';
import { RecommendationRuntime } from './runtime.js';
import { KEYS } from '../../test/support/test-app.js';
import { createShopApp, itemId, shopEvents, shopItems, type ShopApp } from '../../test/support/recommend-shop.js';

const slateIds = (body: string): string[] => (JSON.parse(body) as { items: Array<{ itemId: string }> }).items.map((i) => i.itemId);

describe('impressions not yet written', () => {
  let shop: ShopApp | undefined;
  afterEach(() => shop?.close());

  it('keep the no-repeat rule for a user read from the store before the buffered write lands', async () => {
    // No user cache: every request reads the store; the impressions of the first slate are still buffered.
    shop = await createShopApp({ 'serving.userCacheSeconds': 0, 'serving.impressionFlushMs': 10_000, 'serving.exploreWeight': 0 });
    const ask = () => shop!.call('read', { method: 'GET', url: '/v1/users/s1/recommendations?n=5' });
    const first = slateIds((await ask()).body);
    const second = slateIds((await ask()).body);
    expect(first).toHaveLength(5);
    expect(second.filter((id) => first.includes(id))).toEqual([]);
    expect((await shop.store.counts()).events).toBe(shopEvents().length);
  });
});

describe('two runtimes on one change feed', () => {
  let store: Store;
  let runtimes: RecommendationRuntime[] = [];
  afterEach(async () => {
    for (const r of runtimes) await r.stop();
    runtimes = [];
    await store.close();
  });

  async function setup() {
    store = await openStore('sqlite::memory:');
    await store.upsertItems(shopItems());
    await store.appendEvents(shopEvents());
    const config: Config = loadConfig({
      env: { CURIO_API_KEYS: `${KEYS.read}:read`, CURIO_LOG_LEVEL: 'silent' },
      // The shop's handful of shoppers are fewer than k-anonymity's default group: its lists would be empty.
      overrides: {
        'serving.refreshIntervalSeconds': 0,
        'serving.impressionFlushMs': 0,
        'serving.seed': 7,
        'serving.policy': 'thompson',
        'privacy.minGroupSize': 1,
      },
    });
    const feed = new LocalChangeFeed();
    const ingestor = new Ingestor({ store, idSecret: null, feed });
    const serving = new RecommendationRuntime({ config, store, feed, logEvents: (events, write) => ingestor.appendEvents(events, write) });
    const other = new RecommendationRuntime({ config, store, feed });
    runtimes = [serving, other];
    for (const r of runtimes) await r.start();
    return { ingestor, serving, other };
  }

  it('teaches both policies from one runtime impressions, each slot once, and both from outcomes', async () => {
    const { ingestor, serving, other } = await setup();
    const rec = await serving.forUser({ rawId: 's1', storedId: 's1' }, { count: 5, exploreWeight: 0.5, exclude: [] });
    expect(rec.items).toHaveLength(5);
    for (const r of runtimes) expect(r.feedback.counts).toEqual({ impressions: 5, rewards: 0, ignored: 0 });
    const clicked = rec.items[0];
    const click = {
      id: 'c1',
      userId: 's1',
      itemId: clicked.itemId,
      type: 'click' as const,
      value: null,
      timestamp: Date.now(),
      sessionId: null,
      context: { recommendationId: rec.recommendationId, position: clicked.position },
    };
    await ingestor.appendEvents([click]);
    await ingestor.appendEvents([click]);
    for (const r of runtimes) expect(r.feedback.counts).toEqual({ impressions: 5, rewards: 1, ignored: 0 });
    expect(other.policy.save()).toEqual(serving.policy.save());
  });

  it('applies catalogue changes and erasure from the feed', async () => {
    const { ingestor, serving, other } = await setup();
    const item = itemId(0, 1);
    expect(other.related(item, 3, 'similar').items.length).toBeGreaterThan(0);
    await ingestor.deleteItem(item);
    for (const r of runtimes) expect(() => r.related(item, 3, 'similar')).toThrow(/no item/);
    await ingestor.putItems([{ id: 'fresh', title: 'Fresh tea', categoryPath: ['Groceries', 'Tea'] }]);
    for (const r of runtimes) expect(r.snapshot.items.find('fresh')).toBeDefined();
    await serving.forUser({ rawId: 's2', storedId: 's2' }, { count: 3, exploreWeight: 0, exclude: [] });
    await ingestor.eraseUser('s2');
    expect(await store.userEvents('s2')).toEqual([]);
  });
});
