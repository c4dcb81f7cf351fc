import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { unitVector, VisualIndex } from './visual-index.js';

function randomVectors(n: number, dim: number, seed: number): Float32Array[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: dim }, () => rng.next() * 2 - 1));
}

function exactTop(vectors: Map<string, Float32Array>, q: Float32Array, k: number): string[] {
  const u = unitVector(q)!;
  return [...vectors]
    .map(([id, v]) => [id, unitVector(v)!.reduce((s, x, d) => s + x * u[d], 0)] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([id]) => id);
}

describe('VisualIndex', () => {
  it('finds the most similar directions exactly, whatever their length, and honours the filter', () => {
    const index = new VisualIndex({ dim: 3, annMinItems: 0 });
    index.set('red', Float32Array.from([10, 0, 0]));
    index.set('pink', Float32Array.from([0.9, 0.3, 0]));
    index.set('blue', Float32Array.from([0, 0, 1]));
    index.set('nothing', Float32Array.from([0, 0, 0])); // no direction: not indexed
    expect(index.size).toBe(3);
    const hits = index.search(Float32Array.from([1, 0.1, 0]), 2);
    expect(hits.map((h) => h.itemId)).toEqual(['red', 'pink']);
    expect(hits[0].similarity).toBeCloseTo(1 / Math.sqrt(1.01), 5);
    expect(index.search(Float32Array.from([1, 0, 0]), 5, (id) => id !== 'red').map((h) => h.itemId)).toEqual(['pink', 'blue']);
    index.set('red', Float32Array.from([0, 0, -1]));
    index.delete('pink');
    expect(index.search(Float32Array.from([0, 0.1, 1]), 5).map((h) => h.itemId)).toEqual(['blue', 'red']);
  });

  it('searches through a graph at scale with the rows written after it, matching the exact answer', async () => {
    const dim = 16;
    const index = new VisualIndex({ dim, annMinItems: 300 });
    const all = new Map<string, Float32Array>();
    randomVectors(400, dim, 7).forEach((v, i) => {
      all.set(`i${i}`, v);
      index.set(`i${i}`, v);
    });
    await index.settled();
    expect(index.usesAnn).toBe(true);
    // Written after the build: a changed row and a new one must be found from their current vectors.
    const target = randomVectors(1, dim, 99)[0];
    all.set('i3', target);
    index.set('i3', target);
    all.set(
      'new',
      target.map((x) => x * 2),
    );
    index.set('new', all.get('new')!);
    expect(
      index
        .search(target, 2)
        .map((h) => h.itemId)
        .sort(),
    ).toEqual(['i3', 'new']);
    let agree = 0;
    const queries = randomVectors(30, dim, 11);
    for (const q of queries) {
      const want = exactTop(all, q, 10);
      agree += index.search(q, 10).filter((h) => want.includes(h.itemId)).length;
    }
    expect(agree / (queries.length * 10)).toBeGreaterThan(0.95);
  });
});
