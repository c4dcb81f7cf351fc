import { describe, expect, it } from 'vitest';
import { loadConfig } from '../core/index.js';
import { datasetFromStore } from '../data/index.js';
import { getModelSpec } from '../models/index.js';
import { openStore, type Store } from '../store/index.js';
import { shopEvents, shopItems } from '../../test/support/recommend-shop.js';
import { decodeServingArtifact, encodeServingArtifact } from './serving-artifact.js';
import { computeServingLists } from './serving-lists.js';
import { buildSnapshot } from './snapshot.js';
import { SnapshotManager } from './snapshot-manager.js';

const config = loadConfig({ env: {}, overrides: { logLevel: 'silent', 'serving.refreshIntervalSeconds': 0 } });

async function shopStore(): Promise<Store> {
  const store = await openStore('sqlite::memory:');
  await store.upsertItems(shopItems());
  await store.appendEvents(shopEvents());
  return store;
}

/** A store that counts the event-history scans made through it. */
function counting(store: Store): { store: Store; scans: () => number } {
  let scans = 0;
  const wrapped = new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'scanEvents') {
        return (...args: Parameters<Store['scanEvents']>) => {
          scans++;
          return target.scanEvents(...args);
        };
      }
      const value = Reflect.get(target, key, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: wrapped, scans: () => scans };
}

describe('serving lists computed with a version', () => {
  it('equal what a snapshot computes from the events, and survive the artifact', async () => {
    const store = await shopStore();
    const ds = await datasetFromStore(store);
    const model = await getModelSpec('transition').fit(ds, {}, { seed: 1 });
    const lists = computeServingLists(ds, config.events.weights, config.serving.trendingHalfLifeHours * 3_600_000);
    const common = { store, serving: config.serving, eventWeights: config.events.weights, seed: 1 };
    const fromEvents = await buildSnapshot({ ...common, dataset: ds, served: { model, itemIds: ds.items, source: 'loaded' } });
    const served = decodeServingArtifact(encodeServingArtifact({ model, itemIds: ds.items, lists }), 'test');
    const fromLists = await buildSnapshot({ ...common, dataset: null, served: { ...served, source: 'loaded' } });
    expect(fromLists.similar).toEqual(fromEvents.similar);
    expect(fromLists.boughtTogether).toEqual(fromEvents.boughtTogether);
    expect(Array.from(fromLists.popularity)).toEqual(Array.from(fromEvents.popularity));
    expect(Array.from(fromLists.popularOverall)).toEqual(Array.from(fromEvents.popularOverall));
    for (let i = 0; i < ds.items.length; i++) expect(fromLists.items.trend[i]).toBeCloseTo(fromEvents.items.trend[i], 6);
    expect(fromLists.info).toMatchObject({ events: fromEvents.info.events, users: fromEvents.info.users });
    const state = { items: Int32Array.of(0, 1) };
    expect(Array.from(served.model.scoreAll(state))).toEqual(Array.from(model.scoreAll(state)));
    await store.close();
  });

  it("rank each category's available items by popularity, ties by table order, as its popular list", async () => {
    const store = await shopStore();
    const ds = await datasetFromStore(store);
    const model = await getModelSpec('transition').fit(ds, {}, { seed: 1 });
    const snap = await buildSnapshot({
      store,
      serving: config.serving,
      eventWeights: config.events.weights,
      seed: 1,
      dataset: ds,
      served: { model, itemIds: ds.items, source: 'loaded' },
    });
    const { items, popularity } = snap;
    let compared = 0;
    snap.popularByCategory.forEach((list, c) => {
      const members = Array.from({ length: items.size }, (_, i) => i).filter((i) => items.category[i] === c && items.unavailable[i] === 0);
      const expected = members.sort((a, b) => popularity[b] - popularity[a] || a - b).slice(0, list.length);
      expect(list.length).toBe(Math.min(members.length, 20));
      expect(Array.from(list)).toEqual(expected);
      compared += list.length;
    });
    expect(compared).toBeGreaterThan(20); // several categories with items
    await store.close();
  });

  it('let a serving process rebuild its snapshot without reading the event history, keeping live trends', async () => {
    const base = await shopStore();
    const ds = await datasetFromStore(base);
    const model = await getModelSpec('transition').fit(ds, {}, { seed: 1 });
    const lists = computeServingLists(ds, config.events.weights, config.serving.trendingHalfLifeHours * 3_600_000);
    const { store, scans } = counting(base);
    const manager = new SnapshotManager({
      config,
      store,
      models: async () => {
        throw new Error('a pinned version is never fitted');
      },
      warn: () => undefined,
    });
    await manager.useModel({ model, itemIds: ds.items, lists, source: 'loaded', versionId: 'v1' });
    await manager.refresh();
    expect(scans()).toBe(0);
    expect(manager.snapshot.info.versionId).toBe('v1');
    expect(manager.snapshot.items.titles[manager.snapshot.items.indexOf.get(shopItems()[0].id)!]).toBe(shopItems()[0].title);
    // A live event's trend survives the next rebuild.
    const item = ds.items[0];
    const before = manager.snapshot.items.trend[manager.snapshot.items.indexOf.get(item)!];
    manager.addTrends([{ ...shopEvents()[0], id: 'live-1', itemId: item, type: 'purchase', timestamp: lists.trendRefMs }]);
    const live = manager.snapshot.items.trend[manager.snapshot.items.indexOf.get(item)!];
    expect(live).toBeGreaterThan(before);
    await manager.refresh();
    expect(manager.snapshot.items.trend[manager.snapshot.items.indexOf.get(item)!]).toBeCloseTo(live, 9);
    expect(scans()).toBe(0);
    await base.close();
  });

  it.each([
    ['the same item order', (ids: readonly string[]) => [...ids]],
    ['another item order', (ids: readonly string[]) => [...ids].reverse()],
  ])('apply the changes made while a version is swapped in exactly once (%s)', async (_, order) => {
    const store = await shopStore();
    const ds = await datasetFromStore(store);
    const model = await getModelSpec('transition').fit(ds, {}, { seed: 1 });
    const lists = computeServingLists(ds, config.events.weights, config.serving.trendingHalfLifeHours * 3_600_000);
    const manager = new SnapshotManager({ config, store, models: async () => null, warn: () => undefined });
    await manager.useModel({ model, itemIds: ds.items, lists, source: 'loaded', versionId: 'v1' });
    const [bought, removed] = [ds.items[1], ds.items[2]];
    const trendOf = (id: string) => manager.snapshot.items.trend[manager.snapshot.items.indexOf.get(id)!];
    const before = trendOf(bought);
    const swapping = manager.useModel({ model, itemIds: order(ds.items), lists, source: 'loaded', versionId: 'v2' });
    // While the swap runs: a purchase, a deletion and a new item reach the live table.
    manager.addTrends([{ ...shopEvents()[0], id: 'live-2', itemId: bought, type: 'purchase', timestamp: lists.trendRefMs }]);
    manager.change((t) => t.remove(removed));
    manager.change((t) => t.upsert({ ...shopItems()[0], id: 'arrived-during-swap' }));
    const once = trendOf(bought);
    await swapping;
    expect(manager.snapshot.info.versionId).toBe('v2');
    expect(once).toBeGreaterThan(before);
    expect(trendOf(bought)).toBeCloseTo(once, 9);
    const table = manager.snapshot.items;
    expect(table.unavailable[table.indexOf.get(removed)!]).toBe(1);
    expect(table.find('arrived-during-swap')).toBeDefined();
    expect(table.ids.slice(0, ds.items.length)).toEqual(order(ds.items));
    await store.close();
  });
});
