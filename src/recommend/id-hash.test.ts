import { describe, expect, it } from 'vitest';
import { idHash, pairHash, WordHash } from './id-hash.js';

describe('idHash', () => {
  it('gives 200,000 event-like ids distinct 53-bit hashes', () => {
    const seen = new Set<number>();
    for (let k = 0; k < 100_000; k++) {
      for (const id of [`imp:0192f1c2-7a3b-7c4d-8e5f-${k.toString(16).padStart(12, '0')}:${k % 10}`, `e${k}`]) {
        const h = idHash(id);
        expect(Number.isSafeInteger(h) && h >= 0).toBe(true);
        seen.add(h);
      }
    }
    expect(seen.size).toBe(200_000);
  });
});

describe('pairHash', () => {
  it('gives 200,000 (slate, item) pairs distinct hashes, and tells apart pairs that join to the same string', () => {
    const seen = new Set<number>();
    for (let slate = 0; slate < 20_000; slate++) {
      const id = `0192f1c2-7a3b-7c4d-8e5f-${slate.toString(16).padStart(12, '0')}`;
      for (let item = 0; item < 10; item++) seen.add(pairHash(id, `item-${(slate * 7 + item) % 50_000}`));
    }
    expect(seen.size).toBe(200_000);
    expect(pairHash('ab', 'c')).not.toBe(pairHash('a', 'bc'));
    expect(pairHash('a', 'b')).not.toBe(pairHash('b', 'a'));
  });
});

describe('WordHash', () => {
  const hashOf = (words: number[]) => {
    const h = new WordHash();
    for (const w of words) h.add(w);
    return h.value();
  };

  it('gives 200,000 event-like word sequences distinct 53-bit hashes, and depends on their order', () => {
    const seen = new Set<number>();
    for (let k = 0; k < 200_000; k++) {
      const t = 1_735_689_600_000 + 37 * k;
      const h = hashOf([k % 21_000, k % 7, t >>> 0, Math.floor(t / 4294967296), (k * 13) % 21_000]);
      expect(Number.isSafeInteger(h) && h >= 0).toBe(true);
      seen.add(h);
    }
    expect(seen.size).toBe(200_000);
    expect(hashOf([1, 2])).not.toBe(hashOf([2, 1]));
    expect(hashOf([0])).not.toBe(hashOf([]));
  });
});
