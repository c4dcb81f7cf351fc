import { describe, expect, it } from 'vitest';
import { createRng, shuffle } from './random.js';

describe('createRng', () => {
  it('is reproducible from a seed and differs between seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(createRng(43).next()).not.toBe(xs[0]);
  });

  it('draws uniform integers and standard normals with the right moments', () => {
    const rng = createRng(7);
    const counts = new Array(10).fill(0);
    let sum = 0;
    let sq = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      counts[rng.int(10)]++;
      const z = rng.normal();
      sum += z;
      sq += z * z;
    }
    for (const c of counts) expect(Math.abs(c / n - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(sum / n)).toBeLessThan(0.02);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.03);
  });

  it('shuffles into a permutation', () => {
    const out = shuffle([1, 2, 3, 4, 5, 6], createRng(1));
    expect([...out].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
