// The HNSW index across snapshot refreshes and restarts (annFor in snapshot.ts): reused in memory while the
// model is unchanged, and saved beside a loaded model's artifact so a restart loads it instead of building.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig, type Config } from '../core/index.js';
import { datasetFromStore } from '../data/index.js';
import { getModelSpec } from '../models/index.js';
import type { AnnMemo } from './ann-cache.js';
import { AnnIndex } from './ann-index.js';
import { saveServingArtifact } from './serving-artifact.js';
import { servingModelSource } from './model-source.js';
import { buildStoreSnapshot } from './snapshot-manager.js';
import { createShopApp, type ShopApp } from '../../test/support/recommend-shop.js';

const TINY_SASREC = { dim: 16, maxLen: 8, blocks: 1, epochs: 2, dropoutRate: 0 };

describe('the HNSW index of a serving snapshot', () => {
  let shop: ShopApp;
  let dir: string;
  let modelPath: string;
  /** A fresh config each call, as a restarted server has. */
  const config = (modelPathSetting: string | null): Config =>
    loadConfig({
      env: { CURIO_LOG_LEVEL: 'silent' },
      overrides: { 'serving.annMinItems': 1, 'serving.modelPath': modelPathSetting, 'serving.seed': 7 },
    });
  /** A runtime keeps one memo across its refreshes; a restarted server starts with an empty one. */
  const snapshot = (serving: Config['serving'], annMemo: AnnMemo) => {
    const eventWeights = config(null).events.weights;
    return buildStoreSnapshot({
      store: shop.store,
      serving,
      eventWeights,
      seed: 7,
      annMemo,
      models: servingModelSource({ serving, eventWeights, seed: 7 }),
    });
  };

  beforeAll(async () => {
    shop = await createShopApp();
    dir = await mkdtemp(join(tmpdir(), 'curio-ann-snapshot-'));
    modelPath = join(dir, 'model.curio');
    const ds = await datasetFromStore(shop.store);
    const model = await getModelSpec('sasrec').fit(ds, TINY_SASREC, { seed: 1 });
    saveServingArtifact({ model, itemIds: ds.items }, modelPath);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await shop?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('builds once for a loaded model, reuses the graph on refresh, and loads it from <modelPath>.hnsw after a restart', async () => {
    // A graph is built in a thread of its own and read back with AnnIndex.load marked 'built'.
    const load = vi.spyOn(AnnIndex, 'load');
    const builds = () => load.mock.calls.filter(([options]) => options.origin === 'built').length;
    const serving = config(modelPath).serving;
    const memo: AnnMemo = {};
    const first = await snapshot(serving, memo);
    expect(builds()).toBe(1);
    expect(existsSync(`${modelPath}.hnsw`) && existsSync(`${modelPath}.hnsw.json`)).toBe(true);
    const refreshed = await snapshot(serving, memo);
    expect(builds()).toBe(1);
    expect(refreshed.ann?.index.origin.source).toBe('built');
    const restarted = await snapshot(config(modelPath).serving, {});
    expect(builds()).toBe(1);
    expect(restarted.ann?.index.origin.source).toBe('loaded');
    const vector = restarted.ann?.model.itemEmbeddings().subarray(0, 16) ?? new Float32Array(16);
    expect(restarted.ann?.index.search(vector, 10)).toEqual(first.ann?.index.search(vector, 10));
    load.mockRestore();
  });
});
