import { describe, expect, it, vi } from 'vitest';
import { leaveOneOut, userSequence } from '../data/index.js';
import { getModelSpec, isSequentialRecommender, type SequentialRecommender } from '../models/index.js';
import { UserVectorCache, UserVectorCaches } from './user-vectors.js';
import { plantedSequences } from '../../test/support/planted.js';

describe('UserVectorCache', async () => {
  const split = leaveOneOut(plantedSequences());
  const fitted = await getModelSpec('curio-seq').fit(split.train, { dim: 16, maxLen: 8, heads: 1, epochs: 1 }, { seed: 1 });
  if (!isSequentialRecommender(fitted)) throw new Error('curio-seq has user vectors');
  const model: SequentialRecommender = fitted;
  const state = (u: number) => userSequence(split.train, u);

  it('runs the forward pass once per state and returns the same vector as the model', () => {
    const forward = vi.spyOn(model, 'userVector');
    const cache = new UserVectorCache(model, 10);
    const first = cache.vectorFor(state(1));
    expect(Array.from(first)).toEqual(Array.from(model.userVector(state(1))));
    forward.mockClear();
    expect(cache.vectorFor(state(1))).toBe(first);
    expect(forward).not.toHaveBeenCalled();
    forward.mockRestore();
  });

  it('tells states apart by any event, behaviour or time, and by the user row', () => {
    const cache = new UserVectorCache(model, 10);
    const base = state(2);
    const a = cache.vectorFor(base);
    const variants = [
      { ...base, items: Int32Array.from(base.items, (x, k) => (k === 0 ? (x + 1) % model.nItems : x)) },
      { ...base, types: Uint8Array.from(base.items, () => 3) },
      { ...base, timestampsMs: Float64Array.from(base.items, (_, k) => 1000 * k) },
      { ...base, user: 1 },
    ];
    for (const v of variants) expect(cache.vectorFor(v)).not.toBe(a);
    expect(cache.size).toBe(5);
  });

  it('drops the least recently used beyond its capacity, and keeps nothing at capacity 0', () => {
    const cache = new UserVectorCache(model, 2);
    const one = cache.vectorFor(state(1));
    cache.vectorFor(state(2));
    expect(cache.vectorFor(state(1))).toBe(one); // 1 is now the most recent
    cache.vectorFor(state(3)); // drops 2
    expect(cache.size).toBe(2);
    expect(cache.vectorFor(state(1))).toBe(one);
    const forward = vi.spyOn(model, 'userVector');
    cache.vectorFor(state(2));
    expect(forward).toHaveBeenCalledTimes(1);
    forward.mockRestore();
    const none = new UserVectorCache(model, 0);
    expect(none.vectorFor(state(1))).not.toBe(none.vectorFor(state(1)));
    expect(none.size).toBe(0);
  });

  it('keeps the vectors of the last two versions across rebuilds and rollbacks, and never shares them between versions', async () => {
    const other = await getModelSpec('curio-seq').fit(split.train, { dim: 16, maxLen: 8, heads: 1, epochs: 1 }, { seed: 2 });
    if (!isSequentialRecommender(other)) throw new Error('curio-seq has user vectors');
    const caches = new UserVectorCaches();
    const v1 = caches.cacheFor(model, 'v1', 10).vectorFor(state(1));
    // A rebuild serving v1 again, and a rollback to v1 after v2: warm.
    expect(caches.cacheFor(model, 'v1', 10).vectorFor(state(1))).toBe(v1);
    const v2 = caches.cacheFor(other, 'v2', 10).vectorFor(state(1));
    expect(v2).not.toBe(v1);
    expect(Array.from(v2)).toEqual(Array.from(other.userVector(state(1))));
    expect(caches.cacheFor(model, 'v1', 10).vectorFor(state(1))).toBe(v1);
    // A third version pushes out the least recently served (v2).
    caches.cacheFor(other, 'v3', 10).vectorFor(state(1));
    expect(caches.cacheFor(other, 'v2', 10).vectorFor(state(1))).not.toBe(v2);
    // Fitted in this process (no version id): keyed by the model object.
    const fittedHere = caches.cacheFor(model, null, 10).vectorFor(state(2));
    expect(caches.cacheFor(model, undefined, 10).vectorFor(state(2))).toBe(fittedHere);
    expect(caches.cacheFor(other, null, 10).vectorFor(state(2))).not.toBe(fittedHere);
  });
});
