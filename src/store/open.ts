import { CurioError } from '../core/index.js';
import type { Store } from './store.js';

/** How a process means to use the store; adapters ignore what does not apply to them. */
export interface OpenStoreOptions {
  /** Long-running servers: do write-ahead-log maintenance off the request thread (SQLite: checkpoints in a worker). */
  backgroundCheckpoints?: boolean;
  /** Long-running servers: commit appended events and decisions off the request thread (SQLite: a writer thread with its own connection). */
  backgroundWrites?: boolean;
}

type AdapterOpener = (rest: string, options: OpenStoreOptions) => Promise<Store>;

/** URL scheme → lazily imported adapter, so a deployment loads only the driver it uses. */
const ADAPTERS: Record<string, AdapterOpener> = {
  sqlite: async (rest, options) => (await import('./sqlite/sqlite-store.js')).openSqliteStore(rest, options),
};

/** Opens a store by URL: `sqlite:./curio.db`, `sqlite::memory:`. */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const colon = url.indexOf(':');
  const scheme = colon < 0 ? '' : url.slice(0, colon);
  const open = ADAPTERS[scheme];
  if (!open) {
    throw new CurioError('BAD_INPUT', `unknown store URL scheme "${scheme}" in "${url}"; supported: ${Object.keys(ADAPTERS).map((s) => `${s}:`).join(', ')}`);
  }
  return open(url.slice(colon + 1), options);
}
