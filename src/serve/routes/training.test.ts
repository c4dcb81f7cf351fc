import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../store/index.js';
import { rollbackVersion } from '../../train/index.js';
import { createLoopShop, runJob, transitionVersion, type LoopShop } from '../../../test/support/loop-shop.js';
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
      const second = await transitionVersion(shop);
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
});
