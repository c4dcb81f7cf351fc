// Erasure reaches trained models: versions trained on the user are deleted or retrained, through the API, the trainer's jobs and its sweep.
import { afterEach, describe, expect, it } from 'vitest';
import { datasetFromStore } from '../src/data/index.js';
import { blendParts, decodeArtifact, getModelSpec } from '../src/models/index.js';
import type { ErasureReceipt } from '../src/privacy/index.js';
import { createApp } from '../src/serve/app.js';
import type { Job } from '../src/store/index.js';
import { createLoopShop, fittedVersion, type LoopShop } from './support/loop-shop.js';
import { sweepErasures } from '../src/train/erasure-sweep.js';
import { enqueueJob } from '../src/train/job-queue.js';
import { runTrainingJob } from '../src/train/run-job.js';
import { registerVersion, trainingWindow } from '../src/train/versions.js';

const BPR = { model: 'bpr', params: { factors: 8, epochs: 3 } };

let shop: LoopShop | null = null;
let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  await shop?.close();
  [shop, close] = [null, null];
});

/** The shop with a server over it (no trainer in it: the test runs the jobs and the sweeps). */
async function setup() {
  shop = await createLoopShop({ users: 60, items: 30, days: 4, training: { candidates: [BPR] } });
  const app = createApp({ config: shop.config, store: shop.store, processMetrics: false });
  await app.ready();
  close = () => app.close();
  const s = shop;
  return {
    s,
    erase: async (storedId: string) => {
      const res = await app.inject({ method: 'DELETE', url: `/v1/users/${encodeURIComponent(storedId)}` });
      expect(res.statusCode).toBe(200);
      return res.json<{ erasureId: string }>().erasureId;
    },
    receipt: async (id: string) => (await app.inject({ method: 'GET', url: `/v1/admin/erasures/${id}` })).json<ErasureReceipt>(),
    sweep: () => sweepErasures(s.store, s.config, () => undefined),
  };
}

/** Runs a queued job in this process, as the trainer's job process would. */
async function run(s: LoopShop, job: Job) {
  const outcome = await runTrainingJob({
    store: s.store,
    config: s.config,
    job,
    checkpoint: null,
    reporter: {
      progress: () => undefined,
      log: () => undefined,
      remember: async (values) => void (await s.store.updateJob(job.id, { result: { ...job.result, ...values } })),
    },
  });
  await s.store.updateJob(job.id, { state: 'succeeded', finishedAt: new Date().toISOString() });
  return outcome;
}

const userIdsOf = async (s: LoopShop, id: string) => decodeArtifact((await s.store.modelArtifact(id))!).meta.userIds as string[];

describe('erasure of trained models', () => {
  it('deletes versions trained on the user that no longer serve, retrains the serving one, then deletes it', async () => {
    const { s, erase, receipt, sweep } = await setup();
    const older = await fittedVersion(s, 'bpr', BPR.params);
    await s.store.promoteModelVersion(older.id, 'test');
    const serving = await fittedVersion(s, 'bpr', BPR.params);
    await s.store.promoteModelVersion(serving.id, 'test');
    const erased = (await datasetFromStore(s.store)).users[5];

    const id = await erase(erased);
    const first = (await receipt(id)).targets.models!;
    expect(first).toMatchObject({
      state: 'pending',
      versions: { rowsRemoved: [serving.id, older.id], deleted: [older.id], awaitingRetrain: [serving.id] },
    });
    expect(Date.parse(first.deadline!) - Date.parse((await receipt(id)).requestedAt)).toBe(24 * 3_600_000);
    expect(await s.store.getModelVersion(older.id)).toBeNull();
    expect(await userIdsOf(s, serving.id)).not.toContain(erased);
    // A sweep before the retrain changes nothing and queues no second job.
    await sweep();
    expect((await receipt(id)).targets.models).toMatchObject({ state: 'pending', versions: { retrainJob: first.versions!.retrainJob } });

    const job = (await s.store.getJob(first.versions!.retrainJob!))!;
    expect(job).toMatchObject({ kind: 'retrain', trigger: 'erasure', state: 'queued' });
    const outcome = await run(s, job);
    expect(outcome.decision).toBe('promoted');
    expect(await userIdsOf(s, outcome.versionId!)).not.toContain(erased);

    await sweep();
    const done = await receipt(id);
    expect(done.targets.models).toMatchObject({ state: 'done', versions: { deleted: [older.id, serving.id] } });
    expect(done).toMatchObject({ state: 'done', overdue: false });
    expect(await s.store.getModelVersion(serving.id)).toBeNull();
    expect((await s.store.servingModelVersion())?.id).toBe(outcome.versionId);
    expect(await s.store.listState('erasure-pending:')).toEqual([]);
  });

  it('removes the row from a version a job registers after the erasure from data it read before, and queues its retrain', async () => {
    const { s, erase, receipt, sweep } = await setup();
    const ds = await datasetFromStore(s.store);
    const erased = ds.users[7];
    // A job that read the store a moment ago is still training when the user is erased.
    const job = await enqueueJob(s.store, 'retrain', 'test', {});
    await s.store.updateJob(job.id, { state: 'running', result: { dataReadAt: Date.now() - 1000 } });
    const id = await erase(erased);
    expect((await receipt(id)).targets.models).toMatchObject({ state: 'pending', detail: expect.stringContaining(job.id) });

    const late = await registerVersion(s.store, {
      served: { model: await getModelSpec('bpr').fit(ds, BPR.params, { seed: 1 }), itemIds: ds.items, userIds: ds.users },
      window: trainingWindow(ds),
      trainSeconds: 0,
      parentId: null,
      jobId: job.id,
      metrics: {},
      state: 'candidate',
    });
    await s.store.promoteModelVersion(late.id, 'the late job');
    await s.store.updateJob(job.id, { state: 'succeeded' });
    expect(await userIdsOf(s, late.id)).toContain(erased);
    await sweep();
    const models = (await receipt(id)).targets.models!;
    expect(models).toMatchObject({ state: 'pending', versions: { rowsRemoved: [late.id], awaitingRetrain: [late.id] } });
    expect(await userIdsOf(s, late.id)).not.toContain(erased);
    expect((await s.store.getJob(models.versions!.retrainJob!))?.trigger).toBe('erasure');
  });

  it("zeroes the user's row in a serving blend's per-user part at once", async () => {
    const { s, erase, receipt } = await setup();
    const blend = await fittedVersion(s, 'blend', {
      parts: [
        { ...BPR, weight: 1 },
        { model: 'itemknn', params: {}, weight: 1 },
      ],
    });
    await s.store.promoteModelVersion(blend.id, 'test');
    const users = (await datasetFromStore(s.store)).users;
    const row = 5;
    const bprRow = async () => {
      const model = getModelSpec('blend').restore(decodeArtifact((await s.store.modelArtifact(blend.id))!));
      const factors = blendParts(model)![0].model.toArtifact();
      const dim = factors.arrays.userFactors.length / users.length;
      return Array.from(factors.arrays.userFactors.subarray(row * dim, (row + 1) * dim));
    };
    expect(await userIdsOf(s, blend.id)).toContain(users[row]);
    expect((await bprRow()).some((x) => x !== 0)).toBe(true);

    const id = await erase(users[row]);
    expect((await receipt(id)).targets.models).toMatchObject({ versions: { rowsRemoved: [blend.id], awaitingRetrain: [blend.id] } });
    expect(await userIdsOf(s, blend.id)).not.toContain(users[row]);
    expect((await bprRow()).every((x) => x === 0)).toBe(true);
  });

  it("empties the user's sequence in a serving sknn version (it keeps each shopper's recent items)", async () => {
    const { s, erase, receipt } = await setup();
    const version = await fittedVersion(s, 'sknn', {});
    await s.store.promoteModelVersion(version.id, 'test');
    const users = (await datasetFromStore(s.store)).users;
    const row = 5;
    const stored = async () => decodeArtifact((await s.store.modelArtifact(version.id))!).arrays;
    const rowItems = async () => {
      const a = await stored();
      return Array.from(a.seqItems.subarray(a.seqIndptr[row], a.seqIndptr[row + 1]));
    };
    expect((await rowItems()).some((i) => i >= 0)).toBe(true);
    expect(Array.from((await stored()).itemSeqs)).toContain(row);

    const id = await erase(users[row]);
    expect((await receipt(id)).targets.models).toMatchObject({ versions: { rowsRemoved: [version.id] } });
    expect(await userIdsOf(s, version.id)).not.toContain(users[row]);
    expect((await rowItems()).every((i) => i === -1)).toBe(true);
    expect(Array.from((await stored()).itemSeqs)).not.toContain(row);
  });
});
