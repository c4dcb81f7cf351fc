import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulateIntoStore } from '../../src/cli/commands/simulate.js';
import { loadConfig, type Config } from '../../src/core/index.js';
import { datasetFromStore } from '../../src/data/index.js';
import { getModelSpec } from '../../src/models/index.js';
import { openStore, type Job, type ModelVersion, type Store } from '../../src/store/index.js';
import { enqueueJob, registerVersion, runTrainingJob, trainingWindow, type JobOutcome } from '../../src/train/index.js';

/** Small settings under which the trainer's candidates train in seconds. */
export const FAST_CANDIDATES = [
  { model: 'transition', params: {} },
  { model: 'itemknn', params: {} },
  { model: 'curio-seq', params: { dim: 16, maxLen: 10, heads: 1, epochs: 6, dropoutRate: 0.1, learningRate: 0.01, batchSize: 64 } },
];

export interface LoopShop {
  dir: string;
  url: string;
  store: Store;
  config: Config;
  close(): Promise<void>;
}

/**
 * A file store holding a small simulated shop (shoppers with drifting interests over `days`), and a
 * configuration whose trainer uses the fast candidates. The directory is removed by `close`.
 */
export async function createLoopShop(
  options: {
    users?: number;
    items?: number;
    days?: number;
    seed?: number;
    training?: Record<string, unknown>;
    /** Another (empty) store than the SQLite file in the shop's directory: a cluster's shared one. */
    url?: string;
  } = {},
): Promise<LoopShop> {
  const dir = mkdtempSync(join(tmpdir(), 'curio-loop-'));
  const url = options.url ?? `sqlite:${join(dir, 'shop.db')}`;
  const store = await openStore(url);
  await simulateIntoStore(store, {
    seed: options.seed ?? 3,
    users: options.users ?? 300,
    items: options.items ?? 120,
    days: options.days ?? 10,
    startTime: Date.UTC(2026, 0, 1),
  });
  const config = loadConfig({
    overrides: {
      'store.url': url,
      logLevel: 'silent',
      'auth.disabled': true,
      training: { worker: false, candidates: FAST_CANDIDATES, evalUsers: 0, pollMs: 100, ...options.training },
    },
    env: {},
  });
  return {
    dir,
    url,
    store,
    config,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs one job in this process, start to end (the supervisor runs it in a process of its own). */
export async function runJob(s: LoopShop, kind: Job['kind'] = 'retrain', config: Config = s.config): Promise<JobOutcome> {
  const job = await enqueueJob(s.store, kind, 'test', {});
  const outcome = await runTrainingJob({
    store: s.store,
    config,
    job,
    checkpoint: null,
    reporter: {
      progress: () => undefined,
      log: (line) => void s.store.updateJob(job.id, { appendLog: [line] }),
      remember: async (v) => void (await s.store.updateJob(job.id, { result: v })),
    },
  });
  await s.store.updateJob(job.id, { state: 'succeeded', finishedAt: new Date().toISOString() });
  return outcome;
}

/** A model fitted on the shop's events and registered as a candidate (a second version to promote). */
export async function fittedVersion(s: LoopShop, model = 'transition', params: Record<string, unknown> = {}): Promise<ModelVersion> {
  const ds = await datasetFromStore(s.store);
  const fitted = await getModelSpec(model).fit(ds, params, { seed: 1 });
  return registerVersion(s.store, {
    served: { model: fitted, itemIds: ds.items, userIds: ds.users },
    window: trainingWindow(ds),
    trainSeconds: 0,
    parentId: null,
    jobId: null,
    metrics: {},
    state: 'candidate',
  });
}
