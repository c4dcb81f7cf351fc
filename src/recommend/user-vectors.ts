import type { SequentialRecommender, UserState } from '../models/index.js';

/**
 * The user vectors of a sequential model by state: the same user asking again with no new event (another
 * widget on the page, the next page, a refresh) gets the vector of the first forward pass instead of a new
 * one. A vector depends on the state alone (the model is in eval mode), so the key is the state itself;
 * the least recently used are dropped beyond `capacity`. One cache per snapshot: a new model starts empty.
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
 * Everything a forward pass reads from a state, as a short key: the user row, the length and two
 * independent 32-bit hashes of the items, behaviour tokens and times. Joining the arrays into a string
 * would cost a few kilobytes per request on a hit, for no gain; two different states share a key with a
 * probability of about 2^-64 per pair, and would then share a vector.
 */
function stateKey(state: UserState): string {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  const mix = (w: number): void => {
    a = Math.imul(a ^ w, 0x01000193);
    b = Math.imul(b ^ w, 0x5bd1e995);
    b ^= b >>> 15;
  };
  const n = state.items.length;
  for (let k = 0; k < n; k++) {
    const t = state.timestampsMs?.[k] ?? 0;
    mix(state.items[k]);
    mix(state.types?.[k] ?? 255);
    mix(t >>> 0);
    mix(Math.floor(t / 4294967296));
  }
  return `${state.user ?? ''}|${n}|${state.types ? 't' : ''}${state.timestampsMs ? 'm' : ''}|${a >>> 0}|${b >>> 0}`;
}
