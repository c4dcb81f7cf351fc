/**
 * Two curio-seq versions of the 50,000-item bench shop (seeds 1 and 2), registered as a job would register
 * them (with their co-visitation, popularity and trends), the first promoted: what the benches that swap
 * versions in a serving process start from (bench/serve-training.ts, bench/swap-stall.ts).
 */
import { loadConfig } from '../src/core/index.js';
import { datasetFromStore } from '../src/data/index.js';
import { getModelSpec } from '../src/models/index.js';
import { computeServingLists } from '../src/recommend/index.js';
import { openStore } from '../src/store/index.js';
import { registerVersion, trainingWindow } from '../src/train/index.js';

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

export interface TrainedVersions {
  items: number;
  users: number;
  events: number;
  versions: Array<{
    id: string;
    model: string;
    seed: number;
    epochs: number;
    trainSeconds: number;
    sizeBytes: number;
    params: Record<string, unknown>;
  }>;
}

export interface VersionSettings {
  /** Default curio-seq. */
  model?: string;
  params: Record<string, unknown>;
  maxTrainSeconds: number;
}

/** Trains and registers the two versions; the first is promoted unless a version already serves. */
export async function trainServingVersions(path: string, settings: VersionSettings): Promise<TrainedVersions> {
  const { model: modelId = 'curio-seq', params, maxTrainSeconds } = settings;
  const store = await openStore(`sqlite:${path}`);
  try {
    // As a job reads it and what it stores with a version (run-job.ts): the behaviour events with the items'
    // attributes; the version's co-visitation, popularity and trends.
    const config = loadConfig({ env: {}, overrides: { 'store.url': `sqlite:${path}` } });
    const ds = await datasetFromStore(store, { withCategories: true });
    const lists = computeServingLists(ds, config.events.weights, config.serving.trendingHalfLifeHours * 3_600_000);
    const spec = getModelSpec(modelId);
    const versions: TrainedVersions['versions'] = [];
    for (const seed of [1, 2]) {
      const started = performance.now();
      let epochs = 0;
      const model = await spec.fit(ds, params, {
        seed,
        eventWeights: config.events.weights,
        maxTrainSeconds,
        onProgress: (r) => {
          epochs = r.epoch + 1;
          process.stderr.write(`${modelId} version ${versions.length + 1}: epoch ${r.epoch + 1}/${r.epochs}, loss ${r.loss.toFixed(4)}\n`);
        },
      });
      const trainSeconds = round((performance.now() - started) / 1000, 1);
      const version = await registerVersion(store, {
        served: { model, itemIds: ds.items, userIds: ds.users, lists },
        window: trainingWindow(ds),
        trainSeconds,
        parentId: null,
        jobId: null,
        metrics: {},
        state: 'candidate',
      });
      if (version.state !== 'candidate') throw new Error(`version ${version.id} was refused: ${version.reason}`);
      versions.push({ id: version.id, model: modelId, seed, epochs, trainSeconds, sizeBytes: version.sizeBytes, params: version.params });
    }
    if (!(await store.servingModelVersion())) await store.promoteModelVersion(versions[0].id, 'bench: the first version');
    return { items: ds.items.length, users: ds.offsets.length - 1, events: ds.itemIdx.length, versions };
  } finally {
    await store.close();
  }
}
