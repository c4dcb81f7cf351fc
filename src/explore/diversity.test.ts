import { describe, expect, it } from 'vitest';
import { capPerCategory, mmrRerank, type DiverseCandidate } from './diversity.js';

const e = (...v: number[]): Float32Array => Float32Array.from(v);

const near: DiverseCandidate[] = [
  { itemId: 'a', score: 1.0, embedding: e(1, 0), cluster: 'shoes' },
  { itemId: 'a2', score: 0.95, embedding: e(0.99, 0.05), cluster: 'shoes' },
  { itemId: 'b', score: 0.6, embedding: e(0, 1), cluster: 'hats' },
  { itemId: 'c', score: 0.5, embedding: e(-1, 0), cluster: 'bags' },
];

describe('mmrRerank', () => {
  it('keeps score order at lambda 1', () => {
    expect(mmrRerank(near, { k: 4, lambda: 1 }).map((c) => c.itemId)).toEqual(['a', 'a2', 'b', 'c']);
  });

  it('pushes a near-duplicate down by embedding cosine', () => {
    // relevance after scaling: a 1, a2 0.9, b 0.2, c 0; a2 is ~parallel to a so its penalty outweighs its score
    expect(mmrRerank(near, { k: 3, lambda: 0.5 }).map((c) => c.itemId)).toEqual(['a', 'b', 'c']);
    expect(mmrRerank(near, { k: 3, lambda: 0.8 }).map((c) => c.itemId)).toEqual(['a', 'a2', 'b']);
  });

  it('diversifies by category when asked', () => {
    const ids = mmrRerank(near, { k: 3, lambda: 0.5, similarity: 'category' }).map((c) => c.itemId);
    expect(ids).toEqual(['a', 'b', 'c']);
  });

  it('returns each candidate at most once and at most k', () => {
    const ids = mmrRerank(near, { k: 10, lambda: 0.3 }).map((c) => c.itemId);
    expect(new Set(ids).size).toBe(4);
    expect(mmrRerank([], { k: 3, lambda: 0.5 })).toEqual([]);
  });
});

describe('capPerCategory', () => {
  const list: DiverseCandidate[] = ['s1', 's2', 's3', 'h1', 's4', 'x'].map((id) => ({
    itemId: id,
    score: 0,
    cluster: id.startsWith('s') ? 'shoes' : id.startsWith('h') ? 'hats' : undefined,
  }));

  it('skips items over the cap and keeps order', () => {
    expect(capPerCategory(list, { k: 4, maxPerCategory: 2 }).map((c) => c.itemId)).toEqual(['s1', 's2', 'h1', 'x']);
  });

  it('backfills with capped items only when asked', () => {
    expect(capPerCategory(list, { k: 5, maxPerCategory: 1 }).map((c) => c.itemId)).toEqual(['s1', 'h1', 'x']);
    expect(capPerCategory(list, { k: 5, maxPerCategory: 1, backfill: true }).map((c) => c.itemId)).toEqual(['s1', 'h1', 'x', 's2', 's3']);
  });
});
