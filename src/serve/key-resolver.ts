import { CurioError, type ApiScope, type Config } from '../core/index.js';
import { apiKeyDigest, configKeyActor, keyState, storedKeyActor, type KeyState } from '../privacy/index.js';
import type { Store, StoredApiKey } from '../store/index.js';

/** Who made a request, as the auth hook found them; rate limits and the audit log read it. */
export interface Caller {
  /** Stable per key: a stored key's id, or `config:<n>` for the n-th configured key (from 0). */
  id: string;
  /** How the audit log names them. */
  actor: string;
  scopes: ReadonlySet<ApiScope>;
  /** null: the server's `server.rateLimitPerSecond`. */
  rateLimitPerSecond: number | null;
  /** A publishable key's origins (publishable.ts decides what it may do); null for a secret key. */
  publishable: { origins: ReadonlySet<string> } | null;
}

/** A presented key: who it belongs to, or why it is refused. */
export type Resolution = { caller: Caller } | { refused: 'unknown' | Exclude<KeyState, 'active'> };

/** Distinct keys whose store reads a server keeps; past it the oldest is dropped (guessed keys cannot grow it without bound). */
const MAX_CACHED_KEYS = 10_000;

interface CacheEntry {
  until: number;
  read: Promise<{ key: StoredApiKey; caller: Caller } | null>;
}

const callerOf = (key: StoredApiKey): Caller => ({
  id: key.id,
  actor: storedKeyActor(key.id),
  scopes: new Set(key.scopes),
  rateLimitPerSecond: key.rateLimitPerSecond,
  publishable: key.publishable ? { origins: new Set(key.publishable.origins) } : null,
});

/**
 * Finds the caller of a presented key: the configuration's keys first (a deployment's bootstrap keys, in
 * memory), then the store's by digest. A store read is trusted for `auth.keyCacheSeconds`, so a key revoked
 * on another node is refused here within that time; expiry is checked on every request against the clock.
 * Unknown keys are cached too, so a client retrying a wrong key does not read the store each time.
 */
export class ApiKeyResolver {
  private readonly configured: Map<string, Caller>;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly cacheMs: number;

  constructor(
    private readonly store: Store,
    config: Config,
  ) {
    this.cacheMs = config.auth.keyCacheSeconds * 1000;
    this.configured = new Map(
      config.auth.keys.map((k, i) => [
        apiKeyDigest(k.key),
        { id: `config:${i}`, actor: configKeyActor(k.name, i), scopes: new Set(k.scopes), rateLimitPerSecond: null, publishable: null },
      ]),
    );
  }

  async resolve(presented: string, nowMs = Date.now()): Promise<Resolution> {
    // Looked up by digest, so the comparison does not leak how much of a guessed key matched.
    const digest = apiKeyDigest(presented);
    const configured = this.configured.get(digest);
    if (configured) return { caller: configured };
    const found = await this.read(digest, nowMs);
    if (!found) return { refused: 'unknown' };
    const state = keyState(found.key, nowMs);
    return state === 'active' ? { caller: found.caller } : { refused: state };
  }

  /** Forgets every store read: this process changed a key (a revocation) and must not wait out the cache. */
  invalidate(): void {
    this.cache.clear();
  }

  private read(digest: string, nowMs: number): CacheEntry['read'] {
    const cached = this.cache.get(digest);
    if (cached && cached.until > nowMs) return cached.read;
    this.cache.delete(digest);
    const read = this.store.apiKeyByDigest(digest).then(
      (key) => (key ? { key, caller: callerOf(key) } : null),
      (cause: unknown) => {
        this.cache.delete(digest);
        throw new CurioError('UNAVAILABLE', 'cannot check the API key: the store did not answer', { cause });
      },
    );
    if (this.cacheMs > 0) {
      if (this.cache.size >= MAX_CACHED_KEYS) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(digest, { until: nowMs + this.cacheMs, read });
    }
    return read;
  }
}
