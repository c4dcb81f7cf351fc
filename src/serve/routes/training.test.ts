import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../store/index.js';
import { datasetFromStore } from '../../data/index.js';
import { decodeArtifact } from '../../models/index.js';
import { rollbackVersion, verifyServingBytes } from '../../train/index.js';
import { createLoopShop, runJob, fittedVersion, type LoopShop } from '../../../test/support/loop-shop.js';
import { createApp } from '../app.js';

let shop: LoopShop | null = null;
afterEach(async () => {
  await shop?.close();
  shop = null;
});

describe('the training admin API', () => {
  it('swaps a promotion into a running server, says which version served, and rolls back in under a second', async () => {
    shop = await createLoopShop({ users: 150, items: 60, days: 6 });
    const first = await runJob(shop);
    const app = createApp({ config: shop.config, store: shop.store, processMetrics: false });
    await app.ready();
    try {
      const ask = async () =>
        (await app.inject({ method: 'GET', url: '/v1/users/u1/recommendations' })).json<{ modelVersion: string | null }>();
      expect((await ask()).modelVersion).toBe(first.versionId);
      const second = await fittedVersion(shop);
      const promoted = await app.inject({ method: 'POST', url: `/v1/admin/models/${second.id}/promote` });
      expect(promoted.statusCode).toBe(200);
      expect((await ask()).modelVersion).toBe(second.id);

      const started = performance.now();
      const back = await app.inject({ method: 'POST', url: '/v1/admin/models/rollback' });
      const elapsed = performance.now() - started;
      expect(back.statusCode).toBe(200);
      expect(back.json<{ from: string; to: { id: string } }>()).toMatchObject({ from: second.id, to: { id: first.versionId } });
      expect((await ask()).modelVersion).toBe(first.versionId);
      expect(elapsed).toBeLessThan(1000);
      const listed = (await app.inject({ method: 'GET', url: '/v1/admin/models' })).json<{ serving: string; servedHere: string }>();
      expect(listed).toMatchObject({ serving: first.versionId, servedHere: first.versionId });
      expect((await shop.store.getModelVersion(second.id))?.reason).toMatch(/rolled back/);
      // Rolled back once, it is not what the next rollback returns to.
      await expect(rollbackVersion(shop.store)).rejects.toThrow(/no earlier serving version/);
    } finally {
      await app.close();
    }
  });

  it('queues and cancels jobs through the API, one of a kind at a time', async () => {
    shop = await createLoopShop({ users: 60, items: 30, days: 4 });
    const app = createApp({ config: shop.config, store: shop.store, processMetrics: false });
    await app.ready();
    try {
      const created = await app.inject({ method: 'POST', url: '/v1/admin/jobs', payload: { kind: 'retrain' } });
      expect(created.statusCode).toBe(201);
      const job = created.json<Job>();
      expect(job.state).toBe('queued');
      expect((await app.inject({ method: 'POST', url: '/v1/admin/jobs', payload: { kind: 'nonsense' } })).statusCode).toBe(400);
      const cancelled = await app.inject({ method: 'POST', url: `/v1/admin/jobs/${job.id}/cancel` });
      expect(cancelled.json<Job>().state).toBe('cancelled');
      expect((await app.inject({ method: 'POST', url: `/v1/admin/jobs/${job.id}/cancel` })).statusCode).toBe(409);
      const list = (await app.inject({ method: 'GET', url: '/v1/admin/jobs' })).json<{ jobs: Job[] }>();
      expect(list.jobs.map((j) => j.id)).toEqual([job.id]);
    } finally {
      await app.close();
    }
  });

  it("removes an erased user's row from the serving model with per-user parameters before answering, and queues its retrain", async () => {
    shop = await createLoopShop({ users: 60, items: 30, days: 4 });
    const version = await fittedVersion(shop, 'bpr', { factors: 8, epochs: 2 });
    await shop.store.promoteModelVersion(version.id, 'test');
    const ds = await datasetFromStore(shop.store);
    const erased = ds.users[3];
    const rowOf = async () => {
      const artifact = decodeArtifact((await shop!.store.modelArtifact(version.id))!);
      const ids = artifact.meta.userIds as string[];
      const f = artifact.arrays.userFactors;
      const d = f.length / ids.length;
      return { ids, row: Array.from(f.subarray(3 * d, 4 * d)) };
    };
    expect((await rowOf()).row.some((x) => x !== 0)).toBe(true);
    const app = createApp({ config: shop.config, store: shop.store, processMetrics: false });
    await app.ready();
    try {
      const res = await app.inject({ method: 'DELETE', url: `/v1/users/${encodeURIComponent(erased)}` });
      expect(res.statusCode).toBe(200);
      const after = await rowOf();
      expect(after.ids).not.toContain(erased);
      expect(after.row.every((x) => x === 0)).toBe(true);
      expect(after.ids.filter((id) => id !== '')).toHaveLength(ds.users.length - 1);
      // Still a valid version: the registry's checksum follows the rewritten bytes.
      const stored = (await shop.store.getModelVersion(version.id))!;
      const bytes = (await shop.store.modelArtifact(version.id))!;
      expect(() => verifyServingBytes(bytes, { checksum: stored.checksum, source: 'test' })).not.toThrow();
      // Its item factors learned from the user too: it is replaced by a retrain before the deadline.
      const receipt = (await app.inject({ method: 'GET', url: `/v1/admin/erasures/${res.json<{ erasureId: string }>().erasureId}` })).json<{
        targets: {
          models: { state: string; deadline: string; versions: { rowsRemoved: string[]; awaitingRetrain: string[]; retrainJob: string } };
        };
      }>();
      expect(receipt.targets.models).toMatchObject({
        state: 'pending',
        versions: { rowsRemoved: [version.id], awaitingRetrain: [version.id] },
      });
      expect((await shop.store.getJob(receipt.targets.models.versions.retrainJob))?.trigger).toBe('erasure');
    } finally {
      await app.close();
    }
  });
});
