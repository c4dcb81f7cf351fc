// The serving process keeps a model's user vectors while it serves that model: a periodic rebuild and a
// rollback to the version before start warm, a new version starts cold.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../core/index.js';
import { datasetFromStore } from '../data/index.js';
import { getModelSpec } from '../models/index.js';
import { openStore } from '../store/index.js';
import { shopEvents, shopItems } from '../../test/support/recommend-shop.js';
import { computeServingLists } from './serving-lists.js';
import { SnapshotManager } from './snapshot-manager.js';

const config = loadConfig({
  env: {},
  overrides: { logLevel: 'silent', 'serving.refreshIntervalSeconds': 0, 'serving.annMinItems': 0 },
});

describe('SnapshotManager user vectors', () => {
  it('survive a rebuild and a rollback, and are never shared between versions', async () => {
    const store = await openStore('sqlite::memory:');
    await store.upsertItems(shopItems());
    await store.appendEvents(shopEvents());
    const ds = await datasetFromStore(store);
    const fit = (seed: number) => getModelSpec('curio-seq').fit(ds, { dim: 8, maxLen: 6, heads: 1, epochs: 1 }, { seed });
    const [one, two] = [await fit(1), await fit(2)];
    const lists = computeServingLists(ds, config.events.weights, config.serving.trendingHalfLifeHours * 3_600_000);
    // Only pinned versions serve here: the provider is never asked once one is.
    const manager = new SnapshotManager({ config, store, models: async () => null, warn: () => undefined });
    const serve = (model: typeof one, versionId: string) =>
      manager.useModel({ model, itemIds: ds.items, lists, source: 'loaded', versionId });
    const state = { items: Int32Array.of(0, 1, 2) };
    const vector = () => manager.snapshot.userVectors!.vectorFor(state);

    await serve(one, 'v1');
    const first = vector();
    await manager.refresh();
    expect(manager.snapshot.info.versionId).toBe('v1');
    expect(vector()).toBe(first);
    await serve(two, 'v2');
    const second = vector();
    expect(second).not.toBe(first);
    expect(Array.from(second)).not.toEqual(Array.from(first));
    await serve(one, 'v1'); // rollback
    expect(vector()).toBe(first);
    await manager.stop();
    await store.close();
  });
});
