import type { SequentialRecommender, UserState } from '../models/index.js';

/**
 * The user vectors of a sequential model by state: the same user asking again with no new event (another
 * widget on the page, the next page, a refresh) gets the vector of the first forward pass instead of a new
 * one. A vector depends on the state alone (the model is in eval mode), so the key is the state itself;
 * the least recently used are dropped beyond `capacity`. One cache per snapshot: a new model starts empty.
 */
export class UserVectorCache {
  private readonly vectors = new Map<string, Float32Array>();

  constructor(
    private readonly model: SequentialRecommender,
    readonly capacity: number,
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

/** Everything a forward pass reads from a state. */
function stateKey(state: UserState): string {
  return `${state.user ?? ''}|${state.items.join(',')}|${state.types?.join(',') ?? ''}|${state.timestampsMs?.join(',') ?? ''}`;
}
