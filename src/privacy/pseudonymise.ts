import { createHmac } from 'node:crypto';

/** Maps a shop's user id to the id Curio stores. */
export interface Pseudonymiser {
  (rawId: string): string;
  /**
   * Forgets an erased user: its in-memory cache maps recent raw ids to their pseudonyms, so it drops the
   * entry whose pseudonym is `storedId` (the only name other processes learn of an erased user).
   */
  forget(storedId: string): void;
}

/** Raw ids cached at most: a busy ingest sees many users; only a recent working set is kept. */
const CACHED_IDS = 100_000;

/**
 * With a secret, user ids are stored as hex HMAC-SHA256(secret, id): stable for joins, not reversible
 * without the secret, so the raw id never reaches the store. Without one, ids pass through unchanged.
 */
export function createPseudonymiser(secret: string | null): Pseudonymiser {
  if (!secret) return Object.assign((id: string) => id, { forget: () => undefined });
  const cache = new Map<string, string>();
  const pseudonymise = (id: string): string => {
    let out = cache.get(id);
    if (out === undefined) {
      out = createHmac('sha256', secret).update(id, 'utf8').digest('hex');
      if (cache.size > CACHED_IDS) cache.clear();
      cache.set(id, out);
    }
    return out;
  };
  return Object.assign(pseudonymise, {
    forget(storedId: string) {
      for (const [raw, stored] of cache) if (stored === storedId) cache.delete(raw);
    },
  });
}
