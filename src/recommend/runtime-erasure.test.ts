// An erased user leaves everything a serving runtime keeps in memory, on every runtime the feed reaches.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_EVENT_WEIGHTS, loadConfig, type Config } from '../core/index.js';
import type { SequenceDataset } from '../data/index.js';
import { Ingestor } from '../ingest/index.js';
import { blendParts, type Recommender } from '../models/index.js';
import { LocalChangeFeed, openStore, type Store } from '../store/index.js';
import { fitServingModel, type ModelProvider } from './model-source.js';
import { RecommendationRuntime } from './runtime.js';
import { KEYS } from '../../test/support/test-app.js';
import { shopEvents, shopItems } from '../../test/support/recommend-shop.js';

const BPR = { model: 'bpr', modelParams: { factors: 8, epochs: 3 } };

/** The erased user's row of a model with a row per user, as the model scores with it. */
function userRow(model: Recommender | null, row: number): number[] {
  const artifact = model!.toArtifact();
  const factors = artifact.arrays.userFactors;
  const dim = factors.length / (artifact.meta.users as number);
  return Array.from(factors.subarray(row * dim, (row + 1) * dim));
}

describe('erasure in a serving runtime', () => {
  let store: Store;
  let runtimes: RecommendationRuntime[] = [];
  afterEach(async () => {
    for (const r of runtimes) await r.stop();
    runtimes = [];
    await store.close();
  });

  async function setup(models?: ModelProvider, serving: Partial<Config['serving']> = BPR) {
    store = await openStore('sqlite::memory:');
    await store.upsertItems(shopItems());
    await store.appendEvents(shopEvents());
    const config: Config = loadConfig({
      env: { CURIO_API_KEYS: `${KEYS.read}:read`, CURIO_LOG_LEVEL: 'silent' },
      overrides: {
        serving: { ...serving, refreshIntervalSeconds: 0, impressionFlushMs: 10_000, seed: 7, policy: 'neural-thompson' },
      },
    });
    const feed = new LocalChangeFeed();
    const ingestor = new Ingestor({ store, idSecret: null, feed });
    const main = new RecommendationRuntime({
      config,
      store,
      feed,
      models,
      logEvents: (events, write) => ingestor.appendEvents(events, write),
    });
    const other = new RecommendationRuntime({ config, store, feed });
    runtimes = [main, other];
    for (const r of runtimes) await r.start();
    return { ingestor, serving: main, other };
  }

  it("drops the user's model row, cached activity, buffered slates and slate contexts on every runtime", async () => {
    const { ingestor, serving } = await setup();
    for (const r of runtimes) await r.forUser({ rawId: 's2', storedId: 's2' }, { count: 5, exploreWeight: 0.5, exclude: [] });
    const row = serving.snapshot.userRows!.get('s2')!;
    expect(userRow(serving.snapshot.model, row).some((x) => x !== 0)).toBe(true);
    for (const r of runtimes) expect(r.heldFor('s2')).toEqual(['model row', 'recent activity', 'buffered slates', 'slate contexts']);

    await ingestor.eraseUser('s2');
    for (const r of runtimes) {
      expect(r.heldFor('s2')).toEqual([]);
      expect(r.snapshot.userRows!.has('s2')).toBe(false);
      expect(userRow(r.snapshot.model, row).every((x) => x === 0)).toBe(true);
    }
    // Others keep theirs, and a slate for the erased id is a stranger's.
    expect(serving.heldFor('s3')).toEqual(['model row']);
    const again = await serving.forUser({ rawId: 's2', storedId: 's2' }, { count: 5, exploreWeight: 0, exclude: [] });
    expect(again.mode).toBe('cold-start');
    await serving.flushImpressions();
    expect(await store.userSlates('s2')).toHaveLength(1);
  });

  it("drops the user's row from a served blend's per-user part", async () => {
    const parts = [
      { model: 'bpr', params: BPR.modelParams, weight: 1 },
      { model: 'itemknn', params: {}, weight: 1 },
    ];
    const { ingestor, serving } = await setup(undefined, { model: 'blend', modelParams: { parts } });
    const bprOf = (r: RecommendationRuntime) => blendParts(r.snapshot.model!)![0].model;
    const row = serving.snapshot.userRows!.get('s2')!;
    expect(userRow(bprOf(serving), row).some((x) => x !== 0)).toBe(true);

    await ingestor.eraseUser('s2');
    for (const r of runtimes) {
      expect(r.snapshot.userRows!.has('s2')).toBe(false);
      expect(userRow(bprOf(r), row).every((x) => x === 0)).toBe(true);
    }
    expect(userRow(bprOf(serving), serving.snapshot.userRows!.get('s3')!).some((x) => x !== 0)).toBe(true);
  });

  it('drops the user from a model fitted on data read before the erasure, when its build lands after it', async () => {
    let gate: (() => void) | null = null;
    let read: SequenceDataset | null = null;
    const models: ModelProvider = async (dataset) => {
      if (!dataset) return null;
      if (gate === null && read !== null) {
        // The second build: it has read the store; the test erases before letting it fit.
        read = dataset;
        await new Promise<void>((resolve) => (gate = resolve));
      }
      read ??= dataset;
      const served = await fitServingModel(dataset, { serving: { ...BPR }, eventWeights: DEFAULT_EVENT_WEIGHTS, seed: 1 });
      return { ...served, source: 'fitted' };
    };
    const { ingestor, serving } = await setup(models);
    const build = serving.refresh();
    while (gate === null) await new Promise((r) => setTimeout(r, 5));
    expect(read!.users).toContain('s2');
    await ingestor.eraseUser('s2');
    (gate as () => void)();
    await build;
    expect(serving.snapshot.userRows!.has('s2')).toBe(false);
    expect(serving.heldFor('s2')).toEqual([]);
    const row = read!.users.indexOf('s2');
    expect(userRow(serving.snapshot.model, row).every((x) => x === 0)).toBe(true);
  });
});
