import { createHmac } from 'node:crypto';

/** Maps a shop's user id to the id Curio stores. */
export type Pseudonymiser = (rawId: string) => string;

/**
 * With a secret, user ids are stored as hex HMAC-SHA256(secret, id): stable for joins, not reversible
 * without the secret, so the raw id never reaches the store. Without one, ids pass through unchanged.
 */
export function createPseudonymiser(secret: string | null): Pseudonymiser {
  if (!secret) return (id) => id;
  const cache = new Map<string, string>();
  return (id) => {
    let out = cache.get(id);
    if (out === undefined) {
      out = createHmac('sha256', secret).update(id, 'utf8').digest('hex');
      // Bounded: a busy ingest sees many users; keep only a recent working set.
      if (cache.size > 100_000) cache.clear();
      cache.set(id, out);
    }
    return out;
  };
}
