// Test fixtures for the API tests: an app over a real store, with one key per scope.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../../src/core/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { createApp, type CreateAppOptions } from '../../src/serve/app.js';

export const KEYS = {
  ingest: 'ingest-key-0123456789',
  read: 'read-key-0123456789ab',
  admin: 'admin-key-0123456789a',
} as const;

export interface TestApp {
  app: FastifyInstance;
  store: Store;
  config: Config;
  /** Injects a request authenticated with the key of `as` (none when null). */
  call(as: keyof typeof KEYS | null, options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Extra CURIO_* settings. */
  env?: Record<string, string>;
  /** Config overrides by dotted path, as flags give them. */
  overrides?: Record<string, unknown>;
  /** In-memory by default. */
  storeUrl?: string;
  /** Fills the store before the app starts (and fits its models). */
  prepare?: (store: Store) => Promise<void>;
  /** What a cluster node gets besides its config (the change feed, the shared policy state, Redis). */
  cluster?: Pick<CreateAppOptions, 'feed' | 'sharedPolicy' | 'redis'>;
  /** The image encoder of item pictures (docs/pictures.md). */
  imageEncoder?: CreateAppOptions['imageEncoder'];
}

/** An app over `storeUrl` (in-memory by default) with one key per scope. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const config = loadConfig({
    env: {
      CURIO_API_KEYS: `${KEYS.ingest}:ingest,${KEYS.read}:read,${KEYS.admin}:admin`,
      CURIO_LOG_LEVEL: 'silent',
      CURIO_TRAINING_WORKER: 'false',
      ...options.env,
    },
    overrides: options.overrides,
  });
  const store = await openStore(options.storeUrl ?? 'sqlite::memory:');
  await options.prepare?.(store);
  const app = createApp({ config, store, processMetrics: false, ...options.cluster, imageEncoder: options.imageEncoder });
  await app.ready();
  return {
    app,
    store,
    config,
    call: (as, request) =>
      app.inject({ ...request, headers: { ...(as ? { authorization: `Bearer ${KEYS[as]}` } : {}), ...request.headers } }),
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

/** A valid view event; `n` makes the id and timestamp unique. */
export function viewEvent(n: number, userId = 'u1', itemId = 'i1') {
  return { id: `e${n}`, userId, itemId, type: 'view', timestamp: 1_700_000_000_000 + n };
}
