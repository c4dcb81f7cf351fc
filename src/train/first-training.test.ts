import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/index.js';
import { createLoopShop, runJob, type LoopShop } from '../../test/support/loop-shop.js';

let shop: LoopShop | null = null;
afterEach(async () => {
  await shop?.close();
  shop = null;
});

describe('the first training with the default settings', () => {
  // The demo's situation at a test's size: a simulated shop, nothing serving, the default candidates.
  it('serves the large model (curio-seq, alone or in a blend) because it wins on validation', async () => {
    shop = await createLoopShop({ users: 400, items: 150, days: 12, seed: 7 });
    const defaults = loadConfig({ env: {}, overrides: { 'store.url': shop.url, logLevel: 'silent', 'training.worker': false } });
    const outcome = await runJob(shop, 'retrain', defaults);
    expect(outcome.decision).toBe('promoted');
    const serving = (await shop.store.servingModelVersion())!;
    const parts = serving.model === 'blend' ? (serving.params.parts as Array<{ model: string }>).map((p) => p.model) : [serving.model];
    expect(parts).toContain('curio-seq');
    expect(outcome.chosen).toMatch(/curio-seq/);
  }, 600_000);
});
