import { afterEach, describe, expect, it } from 'vitest';
import { createLoopShop, fittedVersion, runJob, type LoopShop } from '../../../test/support/loop-shop.js';
import { createApp } from '../app.js';

let shop: LoopShop | null = null;
afterEach(async () => {
  await shop?.close();
  shop = null;
});

interface Slate {
  modelVersion: string | null;
  experiment: { id: string; arm: string } | null;
}

describe('an experiment arm that serves another model version', () => {
  it('serves its shoppers that version once loaded, control the deployment version, and refuses unknown versions', async () => {
    shop = await createLoopShop({ users: 150, items: 60, days: 6 });
    const serving = await runJob(shop);
    const candidate = await fittedVersion(shop, 'itemknn');
    const app = createApp({ config: shop.config, store: shop.store, processMetrics: false });
    await app.ready();
    try {
      const create = (arms: unknown[]) =>
        app.inject({ method: 'POST', url: '/v1/admin/experiments', payload: { id: 'new-model', name: 'Candidate model', arms } });
      const unknown = await create([{ id: 'control' }, { id: 'candidate', model: 'no-such-version' }]);
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().error.problems[0].path).toBe('arms.1.model');
      expect((await create([{ id: 'control' }, { id: 'candidate', model: candidate.id }])).statusCode).toBe(201);
      expect((await app.inject({ method: 'POST', url: '/v1/admin/experiments/new-model/start' })).statusCode).toBe(200);

      const ask = async (user: string) => (await app.inject({ method: 'GET', url: `/v1/users/${user}/recommendations` })).json<Slate>();
      const users = Array.from({ length: 40 }, (_, k) => `u${k + 1}`);
      // The candidate arm admits no one until its model's snapshot is built (in the background).
      const deadline = Date.now() + 20_000;
      let seen: Slate[] = [];
      while (Date.now() < deadline) {
        seen = await Promise.all(users.map(ask));
        if (seen.some((s) => s.experiment?.arm === 'candidate')) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const byArm = (arm: string) => seen.filter((s) => s.experiment?.arm === arm);
      expect(byArm('candidate').length).toBeGreaterThan(5);
      expect(byArm('control').length).toBeGreaterThan(5);
      for (const s of byArm('candidate')) expect(s.modelVersion).toBe(candidate.id);
      for (const s of byArm('control')) expect(s.modelVersion).toBe(serving.versionId);
      // Every shopper is in an arm once both are ready.
      expect(seen.every((s) => s.experiment?.id === 'new-model')).toBe(true);
    } finally {
      await app.close();
    }
  });
});
