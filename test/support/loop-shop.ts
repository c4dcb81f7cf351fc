import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulateIntoStore } from '../../src/cli/commands/simulate.js';
import { loadConfig, type Config } from '../../src/core/index.js';
import { openStore, type Store } from '../../src/store/index.js';

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
  options: { users?: number; items?: number; days?: number; seed?: number; training?: Record<string, unknown> } = {},
): Promise<LoopShop> {
  const dir = mkdtempSync(join(tmpdir(), 'curio-loop-'));
  const url = `sqlite:${join(dir, 'shop.db')}`;
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
