import { CurioError } from '../core/index.js';
import type { OpenStoreOptions, Store } from './store.js';

type AdapterOpener = (rest: string, options: OpenStoreOptions) => Promise<Store>;

/** URL scheme → lazily imported adapter, so a deployment loads only the driver it uses. */
const ADAPTERS: Record<string, AdapterOpener> = {
  sqlite: async (rest, options) => (await import('./sqlite/sqlite-store.js')).openSqliteStore(rest, options),
  postgres: async (rest) => (await import('./postgres/postgres-store.js')).openPostgresStore(`postgres:${rest}`),
  postgresql: async (rest) => (await import('./postgres/postgres-store.js')).openPostgresStore(`postgresql:${rest}`),
};

/** Opens a store by URL: `sqlite:./curio.db`, `sqlite::memory:`, `postgres://user@host:5432/db?schema=curio&pool=10`. */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const colon = url.indexOf(':');
  const scheme = colon < 0 ? '' : url.slice(0, colon);
  const open = ADAPTERS[scheme];
  if (!open) {
    throw new CurioError(
      'BAD_INPUT',
      `unknown store URL scheme "${scheme}" in "${url}"; supported: ${Object.keys(ADAPTERS)
        .map((s) => `${s}:`)
        .join(', ')}`,
    );
  }
  return open(url.slice(colon + 1), options);
}
