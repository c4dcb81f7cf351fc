import type { SequentialRecommender, UserState } from '../models/index.js';
import { WordHash } from './id-hash.js';

/**
 * The user vectors of a sequential model by state: the same user asking again with no new event (another
 * widget on the page, the next page, a refresh) gets the vector of the first forward pass instead of a new
 * one. A vector depends on the state alone (the model is in eval mode), so the key is the state itself;
 * the least recently used are dropped beyond `capacity`. A new version starts empty; a version served
 * recently starts with the entries it had (UserVectorCaches).
 */
export class UserVectorCache {
  /**
   * @param vectors the entries, shared with an earlier cache over the same weights (UserVectorCaches):
   *   a rebuild of the snapshot or a rollback to a version served before starts warm.
   */
  constructor(
    private readonly model: SequentialRecommender,
    readonly capacity: number,
    private readonly vectors = new Map<string, Float32Array>(),
  ) {}

  get size(): number {
    return this.vectors.size;
  }

  /** Drops every cached vector (an erasure: a vector depends on one user's history, and the key does not say whose). */
  clear(): void {
    this.vectors.clear();
  }

  /** The model's user vector for `state` (shared: callers must not modify it). */
  vectorFor(state: UserState): Float32Array {
    if (this.capacity === 0) return this.model.userVector(state);
    const key = stateKey(state);
    const hit = this.vectors.get(key);
    if (hit) {
      // Map order is insertion order: re-inserting marks it most recently used.
      this.vectors.delete(key);
      this.vectors.set(key, hit);
      return hit;
    }
    const vector = this.model.userVector(state);
    this.vectors.set(key, vector);
    if (this.vectors.size > this.capacity) this.vectors.delete(this.vectors.keys().next().value as string);
    return vector;
  }
}

/**
 * The caches of the last few models served, by registry version (same id, same weights: artifacts are
 * immutable and checksummed) or, for a model fitted in this process, by the model object. A periodic
 * rebuild that keeps the version, and a rollback to the version served before, reuse its vectors instead
 * of recomputing every active user's on their next request.
 */
export class UserVectorCaches {
  private readonly entries = new Map<string | SequentialRecommender, Map<string, Float32Array>>();

  /** @param keep how many models' vectors are kept (the serving one and the one before it by default). */
  constructor(private readonly keep = 2) {}

  /** Drops the vectors of every model (see UserVectorCache.clear). */
  clear(): void {
    for (const vectors of this.entries.values()) vectors.clear();
  }

  /** The cache for `model` (version `versionId` when it has one), warm when it was served recently. */
  cacheFor(model: SequentialRecommender, versionId: string | null | undefined, capacity: number): UserVectorCache {
    const key = versionId ?? model;
    const vectors = this.entries.get(key) ?? new Map<string, Float32Array>();
    // Most recently used last, so the first key is the one to drop.
    this.entries.delete(key);
    this.entries.set(key, vectors);
    while (this.entries.size > this.keep) this.entries.delete(this.entries.keys().next().value as string | SequentialRecommender);
    return new UserVectorCache(model, capacity, vectors);
  }
}

/**
 * Everything a forward pass reads from a state, as a short key: the user row, the length and a 53-bit hash
 * (id-hash.ts) of the items, behaviour tokens and times, four words per event. Joining the arrays into a
 * string would cost a few kilobytes per request on a hit, for no gain; two of the cache's n states share a
 * key with odds near n² / 2^54 (about 1e-8 for 10,000), and would then share a vector.
 */
function stateKey(state: UserState): string {
  const { items, types, timestampsMs: times } = state;
  const hash = new WordHash();
  for (let k = 0; k < items.length; k++) {
    const t = times?.[k] ?? 0;
    hash.add(items[k]);
    hash.add(types?.[k] ?? 255);
    hash.add(t >>> 0);
    hash.add(Math.floor(t / 4294967296));
  }
  return `${state.user ?? ''}|${items.length}|${types ? 't' : ''}${times ? 'm' : ''}|${hash.value()}`;
}
